-- Row-level security of public.chat_message_feedback: a user rates, changes and removes only
-- their own ratings, and only of answers (assistant messages) in their own sessions.
begin;
select plan(25);

select has_table('public', 'chat_message_feedback', 'public.chat_message_feedback exists');
select col_is_pk('public', 'chat_message_feedback', 'message_id', 'one rating per message');
select ok(
  (select relrowsecurity from pg_catalog.pg_class where oid = 'public.chat_message_feedback'::regclass),
  'RLS is enabled on chat_message_feedback'
);
select policies_are('public', 'chat_message_feedback', array[
  'Users can read their own feedback',
  'Users can rate answers in their own sessions',
  'Users can change their own feedback',
  'Users can delete their own feedback'
]);
select table_privs_are('public', 'chat_message_feedback', 'anon', array[]::text[], 'anon has no privileges on chat_message_feedback');

insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id, last_seq) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 2),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 2);
insert into public.chat_messages (id, session_id, seq, role, content) values
  ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000001', 1, 'user', 'Alice asks'),
  ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Alice is answered'),
  ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'user', 'Bob asks'),
  ('b2000000-0000-0000-0000-000000000002', 'b1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Bob is answered');
insert into public.chat_message_feedback (message_id, user_id, rating, comment) values
  ('b2000000-0000-0000-0000-000000000002', '22222222-2222-2222-2222-222222222222', 'up', 'Bob likes it');

-- The table's own constraints.
select throws_ok(
  $$ insert into public.chat_message_feedback (message_id, user_id, rating)
     values ('a2000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 'meh') $$,
  '23514', null, 'rating is up or down (check_violation)'
);
select throws_ok(
  $$ insert into public.chat_message_feedback (message_id, user_id, rating, comment)
     values ('a2000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 'up', repeat('x', 2001)) $$,
  '23514', null, 'a comment is at most 2000 characters (check_violation)'
);

-- Alice ---------------------------------------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select is_empty($$ select * from public.chat_message_feedback $$, 'select: another user''s rating is invisible');
select lives_ok(
  $$ insert into public.chat_message_feedback (message_id, user_id, rating)
     values ('a2000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 'down') $$,
  'insert: a user can rate an answer in their own session'
);
select throws_ok(
  $$ insert into public.chat_message_feedback (message_id, user_id, rating)
     values ('a2000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 'up') $$,
  '42501', 'new row violates row-level security policy for table "chat_message_feedback"',
  'insert: a question (user message) cannot be rated'
);
select throws_ok(
  $$ insert into public.chat_message_feedback (message_id, user_id, rating)
     values ('b2000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 'up') $$,
  '42501', 'new row violates row-level security policy for table "chat_message_feedback"',
  'insert: another user''s message cannot be rated, even under one''s own user id'
);
select throws_ok(
  $$ insert into public.chat_message_feedback (message_id, user_id, rating)
     values ('a2000000-0000-0000-0000-000000000002', '22222222-2222-2222-2222-222222222222', 'up') $$,
  '42501', 'new row violates row-level security policy for table "chat_message_feedback"',
  'insert: a rating cannot be planted under another user''s id'
);
select results_eq(
  $$ update public.chat_message_feedback set rating = 'up', comment = 'changed my mind'
      where message_id = 'a2000000-0000-0000-0000-000000000002' returning rating, comment $$,
  $$ values ('up', 'changed my mind') $$,
  'update: a user can change their own rating'
);
select is_empty(
  $$ update public.chat_message_feedback set rating = 'down' where message_id = 'b2000000-0000-0000-0000-000000000002' returning 1 $$,
  'update: another user''s rating is not changed'
);
select throws_ok(
  $$ update public.chat_message_feedback set message_id = 'a2000000-0000-0000-0000-000000000001'
      where message_id = 'a2000000-0000-0000-0000-000000000002' $$,
  '42501', 'new row violates row-level security policy for table "chat_message_feedback"',
  'update: a rating cannot be moved onto a question'
);
select throws_ok(
  $$ update public.chat_message_feedback set user_id = '22222222-2222-2222-2222-222222222222'
      where message_id = 'a2000000-0000-0000-0000-000000000002' $$,
  '42501', 'new row violates row-level security policy for table "chat_message_feedback"',
  'update: a rating cannot be handed to another user'
);
select is_empty(
  $$ delete from public.chat_message_feedback where message_id = 'b2000000-0000-0000-0000-000000000002' returning 1 $$,
  'delete: another user''s rating is not deleted'
);
select results_eq(
  $$ select message_id, rating from public.chat_message_feedback $$,
  $$ values ('a2000000-0000-0000-0000-000000000002'::uuid, 'up') $$,
  'select: a user sees exactly their own rating'
);
select results_eq(
  $$ delete from public.chat_message_feedback where message_id = 'a2000000-0000-0000-0000-000000000002' returning message_id $$,
  $$ values ('a2000000-0000-0000-0000-000000000002'::uuid) $$,
  'delete: a user can remove their own rating'
);

-- A token without `sub`, and anon ---------------------------------------------------------
set local request.jwt.claims to '{"role":"authenticated"}';
select is_empty($$ select * from public.chat_message_feedback $$, 'no sub: select sees nothing');
select throws_ok(
  $$ insert into public.chat_message_feedback (message_id, user_id, rating)
     values ('b2000000-0000-0000-0000-000000000002', '22222222-2222-2222-2222-222222222222', 'down') $$,
  '42501', null, 'no sub: insert is refused'
);

reset role;
set local role anon;
set local request.jwt.claims to '{"sub":"22222222-2222-2222-2222-222222222222","role":"anon"}';
select throws_ok(
  $$ select * from public.chat_message_feedback $$,
  '42501', 'permission denied for table chat_message_feedback', 'anon: select is denied'
);

-- The rating goes with its message, and with its user -------------------------------------
reset role;
delete from public.chat_messages where id = 'b2000000-0000-0000-0000-000000000002';
select is(
  (select count(*)::int from public.chat_message_feedback where message_id = 'b2000000-0000-0000-0000-000000000002'),
  0, 'deleting a message deletes its rating'
);
insert into public.chat_message_feedback (message_id, user_id, rating)
values ('a2000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 'up');
delete from public.users where id = '11111111-1111-1111-1111-111111111111';
select is(
  (select count(*)::int from public.chat_message_feedback), 0, 'deleting a user deletes their ratings'
);
select has_index('public', 'chat_message_feedback', 'chat_message_feedback_user_idx', array['user_id'],
  'ratings are indexed by user, so deleting a user does not scan the table');

select * from finish();
rollback;
