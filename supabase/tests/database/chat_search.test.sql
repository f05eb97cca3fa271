-- search_chat_sessions(): full-text search of the caller's own sessions, whatever the input.
begin;
select plan(16);

select has_function('public', 'search_chat_sessions', array['text', 'boolean', 'timestamp with time zone', 'uuid', 'integer']);
select is_definer('public', 'search_chat_sessions', array['text', 'boolean', 'timestamp with time zone', 'uuid', 'integer'],
  'search_chat_sessions is security definer (RLS would keep the GIN index from being used)');
select ok(
  (select proconfig @> array['search_path=""'] from pg_catalog.pg_proc where proname = 'search_chat_sessions'),
  'search_chat_sessions pins an empty search_path'
);
select ok(
  not has_function_privilege('anon', 'public.search_chat_sessions(text, boolean, timestamptz, uuid, integer)', 'execute'),
  'anon may not execute search_chat_sessions'
);
select ok(
  has_function_privilege('authenticated', 'public.search_chat_sessions(text, boolean, timestamptz, uuid, integer)', 'execute'),
  'authenticated may execute search_chat_sessions'
);
select has_index('public', 'chat_messages', 'chat_messages_search_idx', 'chat_messages_search_idx exists');
select matches(
  (select indexdef from pg_catalog.pg_indexes where indexname = 'chat_messages_search_idx'),
  'USING gin \(\(ARRAY\[session_id\]\), to_tsvector\(''simple''::regconfig, content\)\) WITH \(fastupdate=off\)',
  'the search index is GIN over (the session, the content''s simple tsvector), without a pending list'
);

insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id, title, is_active, updated_at) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 'Holiday plans', true, now() - interval '3 minutes'),
  ('a1000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 'Cooking', true, now() - interval '2 minutes'),
  ('a1000000-0000-0000-0000-000000000003', '11111111-1111-1111-1111-111111111111', 'Archived trip', false, now() - interval '1 minute'),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 'Bob''s trip', true, now());
insert into public.chat_messages (id, session_id, seq, role, content) values
  ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000002', 1, 'user', 'A trip to the market for eggs'),
  ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'user', 'My secret trip');

set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select results_eq(
  $$ select id, match_message_id from public.search_chat_sessions('trip') $$,
  $$ values ('a1000000-0000-0000-0000-000000000002'::uuid, 'a2000000-0000-0000-0000-000000000001'::uuid) $$,
  'a message match, newest first; archived hidden; another user''s session never'
);
select results_eq(
  $$ select id from public.search_chat_sessions('trip', true) $$,
  $$ values ('a1000000-0000-0000-0000-000000000003'::uuid), ('a1000000-0000-0000-0000-000000000002'::uuid) $$,
  'include_archived shows the archived title match too'
);
select results_eq(
  $$ select id, match_message_id from public.search_chat_sessions('HOLIDAY') $$,
  $$ values ('a1000000-0000-0000-0000-000000000001'::uuid, null::uuid) $$,
  'a title match is case-insensitive and has no message'
);
select results_eq(
  $$ select id from public.search_chat_sessions('trip', true, now() - interval '1 minute', 'a1000000-0000-0000-0000-000000000003') $$,
  $$ values ('a1000000-0000-0000-0000-000000000002'::uuid) $$,
  'the keyset continues after the cursor'
);
select is_empty($$ select * from public.search_chat_sessions('secret') $$, 'another user''s messages never match');
select lives_ok(
  $$ select * from public.search_chat_sessions($q$ ' " & | ! :* ( ) \ <b> $q$) $$,
  'tsquery syntax in the input is not an error'
);
select is(
  (select count(*)::int from public.search_chat_sessions('trip', true, null, null, 1)), 1, 'max_rows limits the rows'
);

set local request.jwt.claims to '{"role":"authenticated"}';
select is_empty($$ select * from public.search_chat_sessions('trip') $$, 'no sub: nothing is found');

reset role;
set local role anon;
select throws_ok(
  $$ select * from public.search_chat_sessions('trip') $$,
  '42501', null, 'anon: execute is denied'
);

select * from finish();
rollback;
