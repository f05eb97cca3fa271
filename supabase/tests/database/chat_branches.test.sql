-- Branches (20261129000100_message_branches): a message's parent and a session's leaf stay
-- inside one session, so through RLS a user can neither hang a message under someone else's
-- nor point their leaf at it, and another user's branches stay invisible.
begin;
select plan(17);

select has_column('public', 'chat_messages', 'parent_id', 'chat_messages.parent_id exists');
select col_type_is('public', 'chat_messages', 'parent_id', 'uuid', 'chat_messages.parent_id is uuid');
select col_is_null('public', 'chat_messages', 'parent_id', 'chat_messages.parent_id is nullable (a first message)');
select has_column('public', 'chat_sessions', 'current_leaf_id', 'chat_sessions.current_leaf_id exists');
select col_is_null('public', 'chat_sessions', 'current_leaf_id', 'chat_sessions.current_leaf_id is nullable');
select has_index('public', 'chat_messages', 'chat_messages_parent_idx', array['session_id', 'parent_id', 'seq'],
  'chat_messages_parent_idx indexes (session_id, parent_id, seq)');

insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id, last_seq) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 2),
  ('a1000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 0),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 3);
insert into public.chat_messages (id, session_id, seq, role, content, parent_id) values
  ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000001', 1, 'user', 'Alice asks', null),
  ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Alice is answered',
   'a2000000-0000-0000-0000-000000000001'),
  ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'user', 'Bob asks', null),
  ('b2000000-0000-0000-0000-000000000002', 'b1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Bob answer 1',
   'b2000000-0000-0000-0000-000000000001'),
  ('b2000000-0000-0000-0000-000000000003', 'b1000000-0000-0000-0000-000000000001', 3, 'assistant', 'Bob answer 2',
   'b2000000-0000-0000-0000-000000000001');
update public.chat_sessions set current_leaf_id = 'a2000000-0000-0000-0000-000000000002'
 where id = 'a1000000-0000-0000-0000-000000000001';
update public.chat_sessions set current_leaf_id = 'b2000000-0000-0000-0000-000000000003'
 where id = 'b1000000-0000-0000-0000-000000000001';

set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select lives_ok(
  $$ insert into public.chat_messages (id, session_id, seq, role, content, parent_id)
     values ('a2000000-0000-0000-0000-000000000003', 'a1000000-0000-0000-0000-000000000001', 3, 'assistant',
             'Alice is answered again', 'a2000000-0000-0000-0000-000000000001') $$,
  'insert: a user can add a sibling under a message of their own session'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content, parent_id)
     values ('a1000000-0000-0000-0000-000000000001', 4, 'user', 'Planted', 'b2000000-0000-0000-0000-000000000002') $$,
  '23503', null,
  'insert: a parent in another user''s session is refused'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content, parent_id)
     values ('a1000000-0000-0000-0000-000000000002', 1, 'user', 'Cross', 'a2000000-0000-0000-0000-000000000001') $$,
  '23503', null,
  'insert: a parent in another session, even one''s own, is refused'
);
select throws_ok(
  $$ update public.chat_messages set parent_id = 'b2000000-0000-0000-0000-000000000001'
      where id = 'a2000000-0000-0000-0000-000000000002' $$,
  '23503', null,
  'update: moving a message under another user''s message is refused'
);
select throws_ok(
  $$ update public.chat_sessions set current_leaf_id = 'b2000000-0000-0000-0000-000000000003'
      where id = 'a1000000-0000-0000-0000-000000000001' $$,
  '23503', null,
  'update: a leaf in another user''s session is refused'
);
select lives_ok(
  $$ update public.chat_sessions set current_leaf_id = 'a2000000-0000-0000-0000-000000000003'
      where id = 'a1000000-0000-0000-0000-000000000001' $$,
  'update: a user can choose a leaf of their own session'
);
select is_empty(
  $$ select id from public.chat_messages where parent_id = 'b2000000-0000-0000-0000-000000000001' $$,
  'select: another user''s branches (the replies to their messages) are invisible'
);
select is_empty(
  $$ select current_leaf_id from public.chat_sessions where id = 'b1000000-0000-0000-0000-000000000001' $$,
  'select: another user''s active branch is invisible'
);
select results_eq(
  $$ select id::text from public.chat_messages where parent_id = 'a2000000-0000-0000-0000-000000000001' order by seq $$,
  $$ values ('a2000000-0000-0000-0000-000000000002'), ('a2000000-0000-0000-0000-000000000003') $$,
  'select: a user sees both branches of their own message'
);
select results_eq(
  $$ update public.chat_sessions set current_leaf_id = 'a2000000-0000-0000-0000-000000000001'
      where id = 'b1000000-0000-0000-0000-000000000001' returning id $$,
  $$ select null::uuid where false $$,
  'update: another user''s leaf cannot be moved (no row is visible to update)'
);

reset role;
select is(
  (select current_leaf_id::text from public.chat_sessions where id = 'b1000000-0000-0000-0000-000000000001'),
  'b2000000-0000-0000-0000-000000000003',
  'Bob''s leaf is unchanged'
);

select * from finish();
rollback;
