-- Row-level security of public.chat_sessions: each operation, for the owner, for another
-- user, for a token without `sub` and for the anon role.
begin;
select plan(29);

-- Data is set up as the connecting (super)user, which bypasses RLS.
insert into public.users (id, email) values
  ('11111111-1111-1111-1111-111111111111', 'alice@example.com'),
  ('22222222-2222-2222-2222-222222222222', 'bob@example.com');

insert into public.chat_sessions (id, user_id, title) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 'Alice one'),
  ('a1000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 'Alice two'),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 'Bob one');

-- Alice ---------------------------------------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select is(public.requesting_user_id(), '11111111-1111-1111-1111-111111111111'::uuid,
  'requesting_user_id() reads sub from request.jwt.claims');

-- select
select results_eq(
  $$ select id from public.chat_sessions order by id $$,
  $$ values ('a1000000-0000-0000-0000-000000000001'::uuid), ('a1000000-0000-0000-0000-000000000002'::uuid) $$,
  'select: a user sees exactly their own sessions'
);
select is_empty(
  $$ select * from public.chat_sessions where id = 'b1000000-0000-0000-0000-000000000001' $$,
  'select: another user''s session is invisible, even by id'
);
select is_empty(
  $$ select * from public.chat_sessions where user_id = '22222222-2222-2222-2222-222222222222' $$,
  'select: filtering by another user''s id finds nothing'
);

-- insert
select lives_ok(
  $$ insert into public.chat_sessions (id, user_id, title)
     values ('a1000000-0000-0000-0000-000000000003', '11111111-1111-1111-1111-111111111111', 'Alice three') $$,
  'insert: a user can create a session for themselves'
);
select throws_ok(
  $$ insert into public.chat_sessions (user_id, title) values ('22222222-2222-2222-2222-222222222222', 'Planted') $$,
  '42501', 'new row violates row-level security policy for table "chat_sessions"',
  'insert: a session for another user is refused'
);

-- update
select results_eq(
  $$ update public.chat_sessions set title = 'Renamed' where id = 'a1000000-0000-0000-0000-000000000001' returning title $$,
  $$ values ('Renamed') $$,
  'update: a user can update their own session'
);
select is_empty(
  $$ update public.chat_sessions set title = 'Hijacked' where id = 'b1000000-0000-0000-0000-000000000001' returning id $$,
  'update: another user''s session is not updated'
);
select is_empty(
  $$ update public.chat_sessions set is_active = false where user_id = '22222222-2222-2222-2222-222222222222' returning id $$,
  'update: a bulk update aimed at another user touches nothing'
);
select throws_ok(
  $$ update public.chat_sessions set user_id = '22222222-2222-2222-2222-222222222222'
     where id = 'a1000000-0000-0000-0000-000000000002' $$,
  '42501', 'new row violates row-level security policy for table "chat_sessions"',
  'update: handing one''s own session to another user is refused'
);

-- delete
select is_empty(
  $$ delete from public.chat_sessions where id = 'b1000000-0000-0000-0000-000000000001' returning id $$,
  'delete: another user''s session is not deleted'
);
select results_eq(
  $$ delete from public.chat_sessions where id = 'a1000000-0000-0000-0000-000000000003' returning id $$,
  $$ values ('a1000000-0000-0000-0000-000000000003'::uuid) $$,
  'delete: a user can delete their own session'
);

-- Bob sees only his, and Alice's writes did not reach it ----------------------------------
set local request.jwt.claims to '{"sub":"22222222-2222-2222-2222-222222222222","role":"authenticated"}';

select results_eq(
  $$ select id, title, is_active from public.chat_sessions $$,
  $$ values ('b1000000-0000-0000-0000-000000000001'::uuid, 'Bob one', true) $$,
  'select: the other user sees only their own session, unchanged'
);

-- A token without `sub` -----------------------------------------------------------------
set local request.jwt.claims to '{"role":"authenticated"}';

select is(public.requesting_user_id(), null, 'requesting_user_id() is null without sub');
select is_empty($$ select * from public.chat_sessions $$, 'no sub: select sees nothing');
select throws_ok(
  $$ insert into public.chat_sessions (user_id) values ('11111111-1111-1111-1111-111111111111') $$,
  '42501', 'new row violates row-level security policy for table "chat_sessions"',
  'no sub: insert is refused'
);
select is_empty(
  $$ update public.chat_sessions set title = 'x' returning id $$,
  'no sub: update touches nothing'
);
select is_empty(
  $$ delete from public.chat_sessions returning id $$,
  'no sub: delete touches nothing'
);

-- No claims at all: the setting is absent rather than empty.
reset request.jwt.claims;
select is_empty($$ select * from public.chat_sessions $$, 'no claims: select sees nothing');

-- anon: no grants at all -----------------------------------------------------------------
reset role;
set local role anon;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"anon"}';

select throws_ok(
  $$ select * from public.chat_sessions $$,
  '42501', 'permission denied for table chat_sessions', 'anon: select is denied'
);
select throws_ok(
  $$ insert into public.chat_sessions (user_id) values ('11111111-1111-1111-1111-111111111111') $$,
  '42501', 'permission denied for table chat_sessions', 'anon: insert is denied'
);
select throws_ok(
  $$ update public.chat_sessions set title = 'x' $$,
  '42501', 'permission denied for table chat_sessions', 'anon: update is denied'
);
select throws_ok(
  $$ delete from public.chat_sessions $$,
  '42501', 'permission denied for table chat_sessions', 'anon: delete is denied'
);

-- What actually happened, seen past RLS -------------------------------------------------
reset role;

select is(
  (select title from public.chat_sessions where id = 'a1000000-0000-0000-0000-000000000001'),
  'Renamed', 'the owner''s update was stored'
);
select is(
  (select user_id from public.chat_sessions where id = 'a1000000-0000-0000-0000-000000000002'),
  '11111111-1111-1111-1111-111111111111'::uuid, 'the refused hand-over left the owner unchanged'
);
select results_eq(
  $$ select title, is_active from public.chat_sessions where id = 'b1000000-0000-0000-0000-000000000001' $$,
  $$ values ('Bob one', true) $$,
  'another user''s session survived the update and delete attempts unchanged'
);
select is(
  (select count(*)::int from public.chat_sessions where id = 'a1000000-0000-0000-0000-000000000003'),
  0, 'the owner''s delete removed the row'
);
select is(
  (select count(*)::int from public.chat_sessions where user_id = '22222222-2222-2222-2222-222222222222'),
  1, 'no session was planted for another user'
);
select is(
  (select count(*)::int from public.chat_sessions),
  3, 'nothing else was created or deleted'
);

select * from finish();
rollback;
