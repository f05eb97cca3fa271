-- The API's two hot queries must be served by their indexes once the tables hold a realistic
-- amount of data, both as the table owner and through RLS as an authenticated user.
begin;
select plan(21);

select has_index('public', 'chat_sessions', 'chat_sessions_user_recent_idx',
  array['user_id', 'updated_at', 'id'], 'chat_sessions_user_recent_idx indexes (user_id, updated_at, id)');
select matches(
  (select indexdef from pg_catalog.pg_indexes where schemaname = 'public' and indexname = 'chat_sessions_user_recent_idx'),
  '\(user_id, updated_at DESC, id DESC\)$',
  'chat_sessions_user_recent_idx is ordered like the list endpoint (updated_at desc, id desc)'
);
select has_index('public', 'chat_messages', 'chat_messages_session_seq_key',
  array['session_id', 'seq'], 'chat_messages_session_seq_key indexes (session_id, seq)');
select index_is_unique('public', 'chat_messages', 'chat_messages_session_seq_key');

-- Helpers live in a schema of their own (not "tests", which helper packages claim) that the rollback removes.
create schema pulse_test;
grant usage on schema pulse_test to authenticated;

create function pulse_test.plan_of(statement text) returns jsonb
language plpgsql as $$
declare
  plan json;
begin
  execute 'explain (format json) ' || statement into plan;
  return plan::jsonb;
end
$$;

create function pulse_test.node_types(plan jsonb) returns text[]
language sql immutable as $$
  select coalesce(array_agg(distinct n #>> '{}'), '{}') from jsonb_path_query(plan, '$.**."Node Type"') n
$$;

create function pulse_test.index_names(plan jsonb) returns text[]
language sql immutable as $$
  select coalesce(array_agg(distinct n #>> '{}'), '{}') from jsonb_path_query(plan, '$.**."Index Name"') n
$$;

-- 20 users x 500 sessions, a tenth of them archived, spread over a year.
insert into public.users (id)
select ('00000000-0000-0000-0000-' || lpad(u::text, 12, '0'))::uuid from generate_series(1, 20) u;

insert into public.chat_sessions (user_id, title, is_active, updated_at)
select ('00000000-0000-0000-0000-' || lpad(u::text, 12, '0'))::uuid,
       'Session ' || s,
       s % 10 <> 0,
       now() - make_interval(mins => (u * 7919 + s * 104729) % 525600)
from generate_series(1, 20) u, generate_series(1, 500) s;

-- One long conversation for user 1, and a few messages in a thousand other sessions.
insert into public.chat_sessions (id, user_id, title, last_seq)
values ('a1000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000001', 'Long one', 20000);

insert into public.chat_messages (session_id, seq, role, content)
select 'a1000000-0000-0000-0000-000000000001', n,
       case when n % 2 = 1 then 'user' else 'assistant' end, 'message ' || n
from generate_series(1, 20000) n;

insert into public.chat_messages (session_id, seq, role, content)
select s.id, n, 'user', 'hello'
from (select id from public.chat_sessions where title like 'Session %' order by id limit 1000) s,
     generate_series(1, 5) n;

analyze public.users, public.chat_sessions, public.chat_messages;

-- The exact statements the API sends, with $1 bound by the driver.
prepare recent_sessions(uuid) as
  select * from public.chat_sessions where user_id = $1 and is_active order by updated_at desc, id desc limit 21;
prepare last_messages(uuid) as
  select * from public.chat_messages where session_id = $1 order by seq desc limit 10;

-- A generic plan is what a driver's reused prepared statement ends up with; it must not
-- depend on the parameter's value to pick the index.
set local plan_cache_mode to force_generic_plan;

select ok(
  'chat_sessions_user_recent_idx' = any(pulse_test.index_names(pulse_test.plan_of($$ execute recent_sessions('00000000-0000-0000-0000-000000000003') $$))),
  'sessions list (generic plan) uses chat_sessions_user_recent_idx'
);
select ok(
  not pulse_test.node_types(pulse_test.plan_of($$ execute recent_sessions('00000000-0000-0000-0000-000000000003') $$)) && array['Seq Scan', 'Sort'],
  'sessions list (generic plan) neither scans nor sorts the table'
);
select ok(
  'chat_messages_session_seq_key' = any(pulse_test.index_names(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$))),
  'last messages (generic plan) use chat_messages_session_seq_key'
);
select ok(
  not pulse_test.node_types(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$)) && array['Seq Scan', 'Sort'],
  'last messages (generic plan) neither scan nor sort the table'
);

-- A custom plan sees the value: even for the session holding most of the table's rows
-- the index must win.
set local plan_cache_mode to force_custom_plan;

select ok(
  'chat_sessions_user_recent_idx' = any(pulse_test.index_names(pulse_test.plan_of($$ execute recent_sessions('00000000-0000-0000-0000-000000000001') $$))),
  'sessions list (custom plan) uses chat_sessions_user_recent_idx'
);
select ok(
  not pulse_test.node_types(pulse_test.plan_of($$ execute recent_sessions('00000000-0000-0000-0000-000000000001') $$)) && array['Seq Scan', 'Sort'],
  'sessions list (custom plan) neither scans nor sorts the table'
);
select ok(
  'chat_messages_session_seq_key' = any(pulse_test.index_names(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$))),
  'last messages of the 20000-message session (custom plan) use chat_messages_session_seq_key'
);
select ok(
  not pulse_test.node_types(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$)) && array['Seq Scan', 'Sort'],
  'last messages of the 20000-message session (custom plan) neither scan nor sort the table'
);
-- Any index led by session_id serves an empty session (chat_messages_parent_idx is one).
select ok(
  not pulse_test.node_types(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000002') $$)) && array['Seq Scan'],
  'last messages of an empty session (custom plan) do not scan the table'
);

-- Through RLS the policy adds its ownership check; the indexes must still carry the query.
reset plan_cache_mode;
set local role authenticated;
set local request.jwt.claims to '{"sub":"00000000-0000-0000-0000-000000000001","role":"authenticated"}';

select ok(
  'chat_messages_session_seq_key' = any(pulse_test.index_names(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$))),
  'as authenticated, last messages use chat_messages_session_seq_key'
);
select ok(
  not pulse_test.node_types(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$)) && array['Seq Scan', 'Sort'],
  'as authenticated, last messages neither scan nor sort either table'
);
-- Postgres may turn the policy's EXISTS into a hashed list of the user's sessions or a lookup
-- of the one session; either way it must go through an index of chat_sessions.
select ok(
  pulse_test.index_names(pulse_test.plan_of($$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$))
    && array['chat_sessions_pkey', 'chat_sessions_user_recent_idx'],
  'as authenticated, the policy''s ownership check reads chat_sessions through an index'
);
select ok(
  'chat_sessions_user_recent_idx' = any(pulse_test.index_names(pulse_test.plan_of($$ execute recent_sessions('00000000-0000-0000-0000-000000000001') $$))),
  'as authenticated, the sessions list uses chat_sessions_user_recent_idx'
);
select ok(
  not pulse_test.node_types(pulse_test.plan_of($$ execute recent_sessions('00000000-0000-0000-0000-000000000001') $$)) && array['Seq Scan', 'Sort'],
  'as authenticated, the sessions list neither scans nor sorts the table'
);

-- The plans above must also return the right rows.
select results_eq(
  $$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$,
  $$ select * from public.chat_messages where session_id = 'a1000000-0000-0000-0000-000000000001' and seq > 19990 order by seq desc $$,
  'as authenticated, last messages return the newest ten in order'
);
select is(
  (select count(*)::int from public.chat_sessions),
  501, 'as authenticated, user 1 sees their 500 sessions plus the long one'
);
set local request.jwt.claims to '{"sub":"00000000-0000-0000-0000-000000000002","role":"authenticated"}';
select is_empty(
  $$ execute last_messages('a1000000-0000-0000-0000-000000000001') $$,
  'as another user, the long session''s messages are invisible through the same statement'
);

reset role;
deallocate recent_sessions;
deallocate last_messages;

select * from finish();
rollback;
