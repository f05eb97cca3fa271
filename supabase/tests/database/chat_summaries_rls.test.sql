-- public.chat_summaries: its shape, and row-level security that follows ownership of the
-- summary's session. Summaries are written once: no one, not even the owner, may update one.
begin;
select plan(22);

select has_table('public', 'chat_summaries', 'public.chat_summaries exists');
select col_is_pk('public', 'chat_summaries', 'through_message_id', 'one summary per message it ends at');
select fk_ok('public', 'chat_summaries', 'through_message_id', 'public', 'chat_messages', 'id');
select fk_ok('public', 'chat_summaries', 'session_id', 'public', 'chat_sessions', 'id');
select has_index('public', 'chat_summaries', 'chat_summaries_session_idx', array['session_id'],
  'a session''s summaries are found by index (its delete cascades here)');
select is(
  (select relrowsecurity from pg_catalog.pg_class where oid = 'public.chat_summaries'::regclass), true,
  'row-level security is enabled'
);
select policies_are('public', 'chat_summaries', array[
  'Users can read summaries of their own sessions',
  'Users can add summaries to their own sessions',
  'Users can delete summaries of their own sessions'
]);
select table_privs_are('public', 'chat_summaries', 'authenticated', array['SELECT', 'INSERT', 'DELETE'],
  'authenticated may read, add and delete summaries, not change them');
select table_privs_are('public', 'chat_summaries', 'anon', array[]::text[], 'anon has no access');

insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id, last_seq) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 3),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 2);
insert into public.chat_messages (id, session_id, seq, role, content) values
  ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000001', 1, 'user', 'Alice asks'),
  ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Alice is answered'),
  ('a2000000-0000-0000-0000-000000000003', 'a1000000-0000-0000-0000-000000000001', 3, 'user', 'Alice again'),
  ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'user', 'Bob asks'),
  ('b2000000-0000-0000-0000-000000000002', 'b1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Bob is answered');
insert into public.chat_summaries (through_message_id, session_id, content, tokens) values
  ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001', 'Alice''s summary', 3),
  ('b2000000-0000-0000-0000-000000000002', 'b1000000-0000-0000-0000-000000000001', 'Bob''s summary', 3);

-- Alice ---------------------------------------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select results_eq(
  $$ select content from public.chat_summaries $$,
  $$ values ('Alice''s summary') $$,
  'select: a user sees exactly the summaries of their own sessions'
);
select lives_ok(
  $$ insert into public.chat_summaries (through_message_id, session_id, content, tokens)
     values ('a2000000-0000-0000-0000-000000000003', 'a1000000-0000-0000-0000-000000000001', 'Later', 1) $$,
  'insert: a user can add a summary to their own session'
);
select throws_ok(
  $$ insert into public.chat_summaries (through_message_id, session_id, content, tokens)
     values ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 'Planted', 1) $$,
  '42501', 'new row violates row-level security policy for table "chat_summaries"',
  'insert: a summary in another user''s session is refused'
);
select throws_ok(
  $$ update public.chat_summaries set content = 'Rewritten' $$,
  '42501', 'permission denied for table chat_summaries',
  'update: summaries are never changed, even by their owner'
);
select is_empty(
  $$ delete from public.chat_summaries where session_id = 'b1000000-0000-0000-0000-000000000001' returning content $$,
  'delete: another user''s summaries are not deleted'
);
select results_eq(
  $$ delete from public.chat_summaries where through_message_id = 'a2000000-0000-0000-0000-000000000003' returning content $$,
  $$ values ('Later') $$,
  'delete: a user can delete a summary of their own session'
);

-- A token without `sub`, and anon -------------------------------------------------------
set local request.jwt.claims to '{"role":"authenticated"}';
select is_empty($$ select * from public.chat_summaries $$, 'no sub: select sees nothing');
select is_empty($$ delete from public.chat_summaries returning content $$, 'no sub: delete touches nothing');

reset role;
set local role anon;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"anon"}';
select throws_ok(
  $$ select * from public.chat_summaries $$,
  '42501', 'permission denied for table chat_summaries', 'anon: select is denied'
);
select throws_ok(
  $$ delete from public.chat_summaries $$,
  '42501', 'permission denied for table chat_summaries', 'anon: delete is denied'
);

-- What happened, seen past RLS, and the cascades ----------------------------------------
reset role;
select results_eq(
  $$ select content from public.chat_summaries order by content $$,
  $$ values ('Alice''s summary'), ('Bob''s summary') $$,
  'every refused attempt left the summaries as they were'
);

delete from public.chat_messages where id = 'a2000000-0000-0000-0000-000000000002';
select is_empty(
  $$ select * from public.chat_summaries where session_id = 'a1000000-0000-0000-0000-000000000001' $$,
  'deleting the message a summary ends at deletes the summary'
);
delete from public.chat_sessions where id = 'b1000000-0000-0000-0000-000000000001';
select is((select count(*)::int from public.chat_summaries), 0, 'deleting a session deletes its summaries');

select * from finish();
rollback;
