-- Shape of the chat schema: tables, columns, keys, constraints, grants, RLS and policies.
begin;
select plan(82);

-- Roles and tables ----------------------------------------------------------------------
select has_role('anon');
select has_role('authenticated');

select has_table('public', 'users', 'public.users exists');
select has_table('public', 'chat_sessions', 'public.chat_sessions exists');
select has_table('public', 'chat_messages', 'public.chat_messages exists');

-- public.users may be the project's own table, so only what the chat tables rely on is checked.
select col_is_pk('public', 'users', 'id', 'users.id is the primary key');
select col_type_is('public', 'users', 'id', 'uuid', 'users.id is a uuid');

-- chat_sessions -------------------------------------------------------------------------
select columns_are('public', 'chat_sessions', array[
  'id', 'user_id', 'title', 'system_prompt', 'is_active', 'created_at', 'updated_at',
  'last_message_at', 'last_seq', 'metadata', 'current_leaf_id'
]);
select col_is_pk('public', 'chat_sessions', 'id', 'chat_sessions.id is the primary key');
select col_type_is('public', 'chat_sessions', 'id', 'uuid', 'chat_sessions.id is uuid');
select col_type_is('public', 'chat_sessions', 'user_id', 'uuid', 'chat_sessions.user_id is uuid');
select col_type_is('public', 'chat_sessions', 'title', 'text', 'chat_sessions.title is text');
select col_type_is('public', 'chat_sessions', 'system_prompt', 'text', 'chat_sessions.system_prompt is text');
select col_type_is('public', 'chat_sessions', 'is_active', 'boolean', 'chat_sessions.is_active is boolean');
select col_type_is('public', 'chat_sessions', 'created_at', 'timestamp with time zone', 'chat_sessions.created_at is timestamp with time zone');
select col_type_is('public', 'chat_sessions', 'updated_at', 'timestamp with time zone', 'chat_sessions.updated_at is timestamp with time zone');
select col_type_is('public', 'chat_sessions', 'last_message_at', 'timestamp with time zone', 'chat_sessions.last_message_at is timestamp with time zone');
select col_type_is('public', 'chat_sessions', 'last_seq', 'bigint', 'chat_sessions.last_seq is bigint');
select col_type_is('public', 'chat_sessions', 'metadata', 'jsonb', 'chat_sessions.metadata is jsonb');
select col_not_null('public', 'chat_sessions', 'user_id', 'chat_sessions.user_id is not null');
select col_not_null('public', 'chat_sessions', 'title', 'chat_sessions.title is not null');
select col_not_null('public', 'chat_sessions', 'is_active', 'chat_sessions.is_active is not null');
select col_not_null('public', 'chat_sessions', 'last_seq', 'chat_sessions.last_seq is not null');
select col_not_null('public', 'chat_sessions', 'metadata', 'chat_sessions.metadata is not null');
select col_is_null('public', 'chat_sessions', 'system_prompt', 'chat_sessions.system_prompt is nullable');
select col_is_null('public', 'chat_sessions', 'last_message_at', 'chat_sessions.last_message_at is nullable');
select col_has_default('public', 'chat_sessions', 'id', 'chat_sessions.id has a default');
select col_default_is('public', 'chat_sessions', 'is_active', 'true', 'chat_sessions.is_active defaults to true');
select col_default_is('public', 'chat_sessions', 'last_seq', '0', 'chat_sessions.last_seq defaults to 0');
select fk_ok('public', 'chat_sessions', 'user_id', 'public', 'users', 'id');

-- chat_messages -------------------------------------------------------------------------
select columns_are('public', 'chat_messages', array[
  'id', 'session_id', 'seq', 'role', 'content', 'created_at', 'metadata', 'parent_id'
]);
select col_is_pk('public', 'chat_messages', 'id', 'chat_messages.id is the primary key');
select col_type_is('public', 'chat_messages', 'id', 'uuid', 'chat_messages.id is uuid');
select col_type_is('public', 'chat_messages', 'session_id', 'uuid', 'chat_messages.session_id is uuid');
select col_type_is('public', 'chat_messages', 'seq', 'bigint', 'chat_messages.seq is bigint');
select col_type_is('public', 'chat_messages', 'role', 'text', 'chat_messages.role is text');
select col_type_is('public', 'chat_messages', 'content', 'text', 'chat_messages.content is text');
select col_type_is('public', 'chat_messages', 'created_at', 'timestamp with time zone', 'chat_messages.created_at is timestamp with time zone');
select col_type_is('public', 'chat_messages', 'metadata', 'jsonb', 'chat_messages.metadata is jsonb');
select col_not_null('public', 'chat_messages', 'session_id', 'chat_messages.session_id is not null');
select col_not_null('public', 'chat_messages', 'seq', 'chat_messages.seq is not null');
select col_not_null('public', 'chat_messages', 'role', 'chat_messages.role is not null');
select col_not_null('public', 'chat_messages', 'content', 'chat_messages.content is not null');
select col_not_null('public', 'chat_messages', 'metadata', 'chat_messages.metadata is not null');
select fk_ok('public', 'chat_messages', 'session_id', 'public', 'chat_sessions', 'id');
select col_has_check('public', 'chat_messages', 'role', 'chat_messages.role has a check constraint');
select col_is_unique('public', 'chat_messages', array['session_id', 'seq']::name[], 'chat_messages (session_id, seq) is unique');

-- Ownership keys cascade: deleting a user or a session must not leave orphans behind. A
-- message's replies go with it; a session whose leaf goes has no active branch (set null).
select results_eq(
  $$ select conrelid::regclass::text, confrelid::regclass::text, confdeltype::text
       from pg_catalog.pg_constraint
      where contype = 'f' and conrelid in ('public.chat_sessions'::regclass, 'public.chat_messages'::regclass)
      order by 1, 2 $$,
  $$ values ('chat_messages', 'chat_messages', 'c'), ('chat_messages', 'chat_sessions', 'c'),
            ('chat_sessions', 'chat_messages', 'n'), ('chat_sessions', 'users', 'c') $$,
  'the foreign keys cascade (the leaf is set null)'
);

-- The constraints behave as declared.
insert into public.users (id) values ('11111111-1111-1111-1111-111111111111');
insert into public.chat_sessions (id, user_id)
values ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111');

select lives_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content) values
       ('a1000000-0000-0000-0000-000000000001', 1, 'system', 's'),
       ('a1000000-0000-0000-0000-000000000001', 2, 'user', 'u'),
       ('a1000000-0000-0000-0000-000000000001', 3, 'assistant', 'a') $$,
  'role accepts system, user and assistant'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('a1000000-0000-0000-0000-000000000001', 4, 'tool', 't') $$,
  '23514', null, 'role rejects anything else (check_violation)'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('a1000000-0000-0000-0000-000000000001', 2, 'user', 'again') $$,
  '23505', null, 'a seq cannot repeat within a session (unique_violation)'
);
select throws_ok(
  $$ insert into public.chat_sessions (user_id) values ('99999999-9999-9999-9999-999999999999') $$,
  '23503', null, 'a session needs an existing user (foreign_key_violation)'
);

-- Deleting the user takes the sessions and, through them, the messages.
delete from public.users where id = '11111111-1111-1111-1111-111111111111';
select is(
  (select count(*)::int from public.chat_sessions where user_id = '11111111-1111-1111-1111-111111111111'),
  0, 'deleting a user deletes their sessions'
);
select is(
  (select count(*)::int from public.chat_messages where session_id = 'a1000000-0000-0000-0000-000000000001'),
  0, 'deleting a user deletes the messages of their sessions'
);

-- The helper that policies key on ---------------------------------------------------------
select has_function('public', 'requesting_user_id', array[]::name[]);
select function_returns('public', 'requesting_user_id', array[]::name[], 'uuid');
-- Policies call it a dozen times per statement: it must be inlined (no SET clause, SQL, stable),
-- or each call runs through the SQL-function executor. Inlined, a plan shows its body, not its name.
create function pg_temp.plan_of(query text) returns setof text language plpgsql as $f$
begin
  return query execute 'explain (verbose, costs off) ' || query;
end
$f$;
select is(
  (select proconfig from pg_catalog.pg_proc where oid = 'public.requesting_user_id()'::regprocedure),
  null, 'requesting_user_id() has no SET clause, so Postgres can inline it'
);
select ok(
  not exists (select 1 from pg_temp.plan_of('select public.requesting_user_id()') line
               where line like '%requesting_user_id%')
  and exists (select 1 from pg_temp.plan_of('select public.requesting_user_id()') line
               where line like '%current_setting%'),
  'requesting_user_id() is inlined into the statements that call it'
);

-- Grants ----------------------------------------------------------------------------------
select table_privs_are('public', 'chat_sessions', 'anon', array[]::text[], 'anon has no privileges on chat_sessions');
select table_privs_are('public', 'chat_messages', 'anon', array[]::text[], 'anon has no privileges on chat_messages');
-- Supabase's default privileges may add more (e.g. TRUNCATE), so only the needed ones are checked.
select ok(
  (select bool_and(has_table_privilege('authenticated', t, p))
     from unnest(array['public.chat_sessions', 'public.chat_messages']) t,
          unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p),
  'authenticated may select, insert, update and delete on both chat tables'
);

-- Row-level security --------------------------------------------------------------------
select ok(
  (select relrowsecurity from pg_catalog.pg_class where oid = 'public.chat_sessions'::regclass),
  'RLS is enabled on chat_sessions'
);
select ok(
  (select relrowsecurity from pg_catalog.pg_class where oid = 'public.chat_messages'::regclass),
  'RLS is enabled on chat_messages'
);

select policies_are('public', 'chat_sessions', array[
  'Users can read their own sessions',
  'Users can create their own sessions',
  'Users can update their own sessions',
  'Users can delete their own sessions'
]);
select policies_are('public', 'chat_messages', array[
  'Users can read messages of their own sessions',
  'Users can add messages to their own sessions',
  'Users can update messages of their own sessions',
  'Users can delete messages of their own sessions'
]);

select policy_cmd_is('public', 'chat_sessions', 'Users can read their own sessions', 'select', '"Users can read their own sessions" is for select');
select policy_cmd_is('public', 'chat_sessions', 'Users can create their own sessions', 'insert', '"Users can create their own sessions" is for insert');
select policy_cmd_is('public', 'chat_sessions', 'Users can update their own sessions', 'update', '"Users can update their own sessions" is for update');
select policy_cmd_is('public', 'chat_sessions', 'Users can delete their own sessions', 'delete', '"Users can delete their own sessions" is for delete');
select policy_cmd_is('public', 'chat_messages', 'Users can read messages of their own sessions', 'select', '"Users can read messages of their own sessions" is for select');
select policy_cmd_is('public', 'chat_messages', 'Users can add messages to their own sessions', 'insert', '"Users can add messages to their own sessions" is for insert');
select policy_cmd_is('public', 'chat_messages', 'Users can update messages of their own sessions', 'update', '"Users can update messages of their own sessions" is for update');
select policy_cmd_is('public', 'chat_messages', 'Users can delete messages of their own sessions', 'delete', '"Users can delete messages of their own sessions" is for delete');

select policy_roles_are('public', 'chat_sessions', 'Users can read their own sessions', array['authenticated']);
select policy_roles_are('public', 'chat_sessions', 'Users can create their own sessions', array['authenticated']);
select policy_roles_are('public', 'chat_sessions', 'Users can update their own sessions', array['authenticated']);
select policy_roles_are('public', 'chat_sessions', 'Users can delete their own sessions', array['authenticated']);
select policy_roles_are('public', 'chat_messages', 'Users can read messages of their own sessions', array['authenticated']);
select policy_roles_are('public', 'chat_messages', 'Users can add messages to their own sessions', array['authenticated']);
select policy_roles_are('public', 'chat_messages', 'Users can update messages of their own sessions', array['authenticated']);
select policy_roles_are('public', 'chat_messages', 'Users can delete messages of their own sessions', array['authenticated']);

-- The helper also honours the older per-claim setting that PostgREST before v10 used.
set local request.jwt.claim.sub to '33333333-3333-3333-3333-333333333333';
select is(public.requesting_user_id(), '33333333-3333-3333-3333-333333333333'::uuid,
  'requesting_user_id() falls back to request.jwt.claim.sub');

select * from finish();
rollback;
