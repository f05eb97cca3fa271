-- The host page's tools: chat_tool_waits under row-level security (a user waits only on answers
-- in their own sessions and sees only their own waits), and the tokens of an answer continued
-- after its tools' results counted by the update's trigger.
begin;
select plan(16);

select policies_are('public', 'chat_tool_waits', array[
  'Users can read their own waits',
  'Users can wait on answers in their own sessions',
  'Users can move their own waits',
  'Users can end their own waits'
]);
select is(
  (select relrowsecurity from pg_catalog.pg_class where oid = 'public.chat_tool_waits'::regclass),
  true,
  'row-level security is enabled'
);
select table_privs_are('public', 'chat_tool_waits', 'anon', array[]::text[], 'anon has no access to waits');

-- Alice (1111) and Bob (2222), a session with a question and an answer each ----------------
insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id, last_seq) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 2),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 2);
insert into public.chat_messages (id, session_id, seq, role, content, metadata) values
  ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000001', 1, 'user', 'Add a mug', '{}'),
  ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Adding. ',
   '{"usage": {"prompt_tokens": 40, "completion_tokens": 10}}'),
  ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'user', 'Bob asks', '{}'),
  ('b2000000-0000-0000-0000-000000000002', 'b1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Bob answered', '{}');
insert into public.chat_tool_waits (message_id, session_id, user_id, deadline) values
  ('b2000000-0000-0000-0000-000000000002', 'b1000000-0000-0000-0000-000000000001',
   '22222222-2222-2222-2222-222222222222', now() + interval '5 minutes');

-- Alice ---------------------------------------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select is_empty($$ select * from public.chat_tool_waits $$, 'Bob''s wait is invisible to Alice');
select lives_ok(
  $$ insert into public.chat_tool_waits (message_id, session_id, user_id, deadline)
     values ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001',
             '11111111-1111-1111-1111-111111111111', now() + interval '5 minutes') $$,
  'Alice waits on her own answer'
);
select throws_ok(
  $$ insert into public.chat_tool_waits (message_id, session_id, user_id, deadline)
     values ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001',
             '11111111-1111-1111-1111-111111111111', now()) $$,
  '42501', 'new row violates row-level security policy for table "chat_tool_waits"',
  'Alice cannot wait on a message in Bob''s session'
);
select throws_ok(
  $$ insert into public.chat_tool_waits (message_id, session_id, user_id, deadline)
     values ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001',
             '22222222-2222-2222-2222-222222222222', now()) $$,
  '42501', 'new row violates row-level security policy for table "chat_tool_waits"',
  'Alice cannot make a wait in Bob''s name'
);
select results_eq(
  $$ select message_id::text from public.chat_tool_waits $$,
  $$ values ('a2000000-0000-0000-0000-000000000002') $$,
  'Alice sees her own wait only'
);
select is_empty(
  $$ update public.chat_tool_waits set deadline = now() + interval '1 day'
      where message_id = 'b2000000-0000-0000-0000-000000000002' returning 1 $$,
  'Alice cannot move Bob''s wait'
);
select is_empty(
  $$ delete from public.chat_tool_waits where message_id = 'b2000000-0000-0000-0000-000000000002' returning 1 $$,
  'Alice cannot end Bob''s wait'
);

-- The answer continued: its usage grows, and the day counts the difference ------------------
select lives_ok(
  $$ update public.chat_messages
        set content = content || 'Done.',
            metadata = '{"usage": {"prompt_tokens": 100, "completion_tokens": 16}}'
      where id = 'a2000000-0000-0000-0000-000000000002' $$,
  'Alice''s answer is continued'
);
select results_eq(
  $$ select answers, prompt_tokens, completion_tokens from public.chat_usage_daily $$,
  $$ values (1, 100::bigint, 16::bigint) $$,
  'the day holds the answer once, with the continuation''s tokens added (60 and 6)'
);
select lives_ok(
  $$ update public.chat_messages set metadata = metadata || '{"awaiting_tool_results": false}'
      where id = 'a2000000-0000-0000-0000-000000000002' $$,
  'a change that leaves the usage alone'
);
select results_eq(
  $$ select prompt_tokens, completion_tokens from public.chat_usage_daily $$,
  $$ values (100::bigint, 16::bigint) $$,
  'counts nothing more'
);

reset role;
select results_eq(
  $$ select kind, prompt_tokens, completion_tokens from public.chat_activity
      where user_id = '11111111-1111-1111-1111-111111111111' and kind = 'continuation' $$,
  $$ values ('continuation', 60, 6) $$,
  'the activity log has the continuation''s tokens, not a second answer'
);
select is(
  (select count(*)::int from public.chat_activity where user_id = '11111111-1111-1111-1111-111111111111' and kind = 'answer'),
  1,
  'one answer in the activity log'
);

select * from finish();
rollback;
