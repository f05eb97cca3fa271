-- Row-level security of public.chat_messages: access follows ownership of the message's
-- session. Each operation, for the owner, for another user, without `sub` and as anon.
begin;
select plan(30);

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

-- Alice ---------------------------------------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

-- select
select results_eq(
  $$ select content from public.chat_messages order by session_id, seq $$,
  $$ values ('Alice asks'), ('Alice is answered') $$,
  'select: a user sees exactly the messages of their own sessions'
);
select is_empty(
  $$ select * from public.chat_messages where session_id = 'b1000000-0000-0000-0000-000000000001' $$,
  'select: messages of another user''s session are invisible'
);
select is_empty(
  $$ select * from public.chat_messages where id = 'b2000000-0000-0000-0000-000000000001' $$,
  'select: another user''s message is invisible even by id'
);

-- insert
select lives_ok(
  $$ insert into public.chat_messages (id, session_id, seq, role, content)
     values ('a2000000-0000-0000-0000-000000000003', 'a1000000-0000-0000-0000-000000000001', 3, 'user', 'Alice again') $$,
  'insert: a user can add a message to their own session'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('b1000000-0000-0000-0000-000000000001', 3, 'user', 'Planted') $$,
  '42501', 'new row violates row-level security policy for table "chat_messages"',
  'insert: a message into another user''s session is refused'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('c1000000-0000-0000-0000-000000000001', 1, 'user', 'Nowhere') $$,
  '42501', 'new row violates row-level security policy for table "chat_messages"',
  'insert: a message into a session that does not exist is refused by the policy first'
);

-- update
select results_eq(
  $$ update public.chat_messages set content = 'Alice edits' where id = 'a2000000-0000-0000-0000-000000000001' returning content $$,
  $$ values ('Alice edits') $$,
  'update: a user can update a message of their own session'
);
select is_empty(
  $$ update public.chat_messages set content = 'Hijacked' where id = 'b2000000-0000-0000-0000-000000000001' returning id $$,
  'update: another user''s message is not updated'
);
select is_empty(
  $$ update public.chat_messages set content = 'Hijacked' where session_id = 'b1000000-0000-0000-0000-000000000001' returning id $$,
  'update: a bulk update aimed at another user''s session touches nothing'
);
select throws_ok(
  $$ update public.chat_messages set session_id = 'b1000000-0000-0000-0000-000000000001', seq = 10
     where id = 'a2000000-0000-0000-0000-000000000002' $$,
  '42501', 'new row violates row-level security policy for table "chat_messages"',
  'update: moving one''s own message into another user''s session is refused'
);

-- delete
select is_empty(
  $$ delete from public.chat_messages where session_id = 'b1000000-0000-0000-0000-000000000001' returning id $$,
  'delete: another user''s messages are not deleted'
);
select results_eq(
  $$ delete from public.chat_messages where id = 'a2000000-0000-0000-0000-000000000003' returning id $$,
  $$ values ('a2000000-0000-0000-0000-000000000003'::uuid) $$,
  'delete: a user can delete a message of their own session'
);

-- Bob -----------------------------------------------------------------------------------
set local request.jwt.claims to '{"sub":"22222222-2222-2222-2222-222222222222","role":"authenticated"}';

select results_eq(
  $$ select content from public.chat_messages order by seq $$,
  $$ values ('Bob asks'), ('Bob is answered') $$,
  'select: the other user sees only their own messages, unchanged'
);
select is_empty(
  $$ update public.chat_messages set content = 'Bob was here' where session_id = 'a1000000-0000-0000-0000-000000000001' returning id $$,
  'update: the check works both ways'
);

-- A token without `sub` -----------------------------------------------------------------
set local request.jwt.claims to '{"role":"authenticated"}';

select is_empty($$ select * from public.chat_messages $$, 'no sub: select sees nothing');
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('a1000000-0000-0000-0000-000000000001', 9, 'user', 'Anonymous') $$,
  '42501', 'new row violates row-level security policy for table "chat_messages"',
  'no sub: insert is refused'
);
select is_empty($$ update public.chat_messages set content = 'x' returning id $$, 'no sub: update touches nothing');
select is_empty($$ delete from public.chat_messages returning id $$, 'no sub: delete touches nothing');

reset request.jwt.claims;
select is_empty($$ select * from public.chat_messages $$, 'no claims: select sees nothing');

-- anon: no grants at all -----------------------------------------------------------------
reset role;
set local role anon;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"anon"}';

select throws_ok(
  $$ select * from public.chat_messages $$,
  '42501', 'permission denied for table chat_messages', 'anon: select is denied'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('a1000000-0000-0000-0000-000000000001', 9, 'user', 'Anon') $$,
  '42501', 'permission denied for table chat_messages', 'anon: insert is denied'
);
select throws_ok(
  $$ update public.chat_messages set content = 'x' $$,
  '42501', 'permission denied for table chat_messages', 'anon: update is denied'
);
select throws_ok(
  $$ delete from public.chat_messages $$,
  '42501', 'permission denied for table chat_messages', 'anon: delete is denied'
);

-- What actually happened, seen past RLS -------------------------------------------------
reset role;

select results_eq(
  $$ select id, content from public.chat_messages
     where session_id = 'a1000000-0000-0000-0000-000000000001' order by seq $$,
  $$ values ('a2000000-0000-0000-0000-000000000001'::uuid, 'Alice edits'),
            ('a2000000-0000-0000-0000-000000000002'::uuid, 'Alice is answered') $$,
  'the owner''s edit and delete were stored, and the refused move left the message in place'
);
select results_eq(
  $$ select seq, content from public.chat_messages
     where session_id = 'b1000000-0000-0000-0000-000000000001' order by seq $$,
  $$ values (1::bigint, 'Bob asks'), (2::bigint, 'Bob is answered') $$,
  'another user''s messages survived every attempt unchanged, nothing was planted'
);
select is((select count(*)::int from public.chat_messages), 4, 'no message was created anywhere else');

-- on delete cascade, exercised by the owner through RLS ----------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select results_eq(
  $$ delete from public.chat_sessions where id = 'a1000000-0000-0000-0000-000000000001' returning id $$,
  $$ values ('a1000000-0000-0000-0000-000000000001'::uuid) $$,
  'the owner deletes their session'
);
select is_empty($$ select * from public.chat_messages $$, 'the owner no longer sees its messages');

reset role;
select is(
  (select count(*)::int from public.chat_messages where session_id = 'a1000000-0000-0000-0000-000000000001'),
  0, 'deleting a session removed its messages'
);
select is(
  (select count(*)::int from public.chat_messages where session_id = 'b1000000-0000-0000-0000-000000000001'),
  2, 'and only its messages'
);

select * from finish();
rollback;
