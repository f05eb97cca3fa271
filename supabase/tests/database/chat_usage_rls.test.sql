-- Usage and quotas: chat_usage_daily readable by its user only and written only by the triggers,
-- chat_activity and chat_quota_settings out of every user's reach, the quotas enforced by the
-- insert's own trigger (exactly at the limit), and nothing counted for a message RLS refuses.
begin;
select plan(30);

-- Shape and grants ------------------------------------------------------------------------
select policies_are('public', 'chat_usage_daily', array['Users can read their own usage']);
select policies_are('public', 'chat_activity', array[]::name[]);
select policies_are('public', 'chat_quota_settings', array[]::name[]);
select is(
  (select array_agg(relname::text order by relname) from pg_catalog.pg_class
   where relnamespace = 'public'::regnamespace and relrowsecurity
     and relname in ('chat_usage_daily', 'chat_activity', 'chat_quota_settings')),
  array['chat_activity', 'chat_quota_settings', 'chat_usage_daily'],
  'row-level security is enabled on all three tables'
);
select table_privs_are('public', 'chat_usage_daily', 'authenticated', array['SELECT'], 'usage is read, never written, by users');
select table_privs_are('public', 'chat_activity', 'authenticated', array[]::text[], 'authenticated has no access to the activity log');
select table_privs_are('public', 'chat_quota_settings', 'authenticated', array[]::text[], 'authenticated has no access to the quotas');
select table_privs_are('public', 'chat_usage_daily', 'anon', array[]::text[], 'anon has no access to usage');
select function_privs_are('public', 'chat_admit_question', array['uuid'], 'authenticated', array[]::text[],
  'a user cannot count a question for someone else');
select function_privs_are('public', 'chat_admit_regenerate', array[]::text[], 'authenticated', array['EXECUTE'],
  'a user counts their own regenerate');

-- Alice (1111) and Bob (2222), a session each; quotas of 2 messages and 100 tokens a day -------
insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111'),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222');
update public.chat_quota_settings set messages_per_day = 2, tokens_per_day = 100;

-- Alice ---------------------------------------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select lives_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('a1000000-0000-0000-0000-000000000001', 1, 'user', 'first') $$,
  'a question under the quota is stored'
);
select lives_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content, metadata)
     values ('a1000000-0000-0000-0000-000000000001', 2, 'assistant', 'answer',
             '{"usage": {"prompt_tokens": 30, "completion_tokens": 12}, "latency_ms": 420, "ttft_ms": 80}') $$,
  'an answer is stored'
);
select results_eq(
  $$ select messages, answers, prompt_tokens, completion_tokens from public.chat_usage_daily $$,
  $$ values (1, 1, 30::bigint, 12::bigint) $$,
  'the day counts the question, the answer and its tokens, and Alice sees her row'
);
select throws_ok(
  $$ select * from public.chat_activity $$,
  '42501', null, 'the activity log is out of reach'
);
select throws_ok(
  $$ update public.chat_usage_daily set messages = 0 $$,
  '42501', null, 'a user cannot reset their own count'
);
select throws_ok(
  $$ insert into public.chat_usage_daily (user_id, day) values ('11111111-1111-1111-1111-111111111111', '2000-01-01') $$,
  '42501', null, 'a user cannot write usage rows'
);
select throws_ok(
  $$ update public.chat_quota_settings set messages_per_day = 0 $$,
  '42501', null, 'a user cannot lift the quotas'
);
-- Into Bob's session: the policy refuses it, and neither Alice's nor Bob's count moves.
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('b1000000-0000-0000-0000-000000000001', 1, 'user', 'intruding') $$,
  '42501', 'new row violates row-level security policy for table "chat_messages"',
  'a question into another user''s session is refused by the policy, not counted'
);
select lives_ok($$ select public.chat_admit_regenerate() $$, 'a regenerate is counted (the second question of the day)');
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('a1000000-0000-0000-0000-000000000001', 3, 'user', 'third') $$,
  'PQ001', 'QUOTA_EXCEEDED', 'the third question of the day is over the quota of 2'
);
select throws_ok(
  $$ select public.chat_admit_regenerate() $$,
  'PQ001', 'QUOTA_EXCEEDED', 'a regenerate over the quota is refused too'
);
select results_eq(
  $$ select messages from public.chat_usage_daily $$,
  $$ values (2) $$,
  'refused questions leave the count at the quota'
);

-- Bob ------------------------------------------------------------------------------------
set local request.jwt.claims to '{"sub":"22222222-2222-2222-2222-222222222222","role":"authenticated"}';
select is_empty($$ select * from public.chat_usage_daily $$, 'Bob sees none of Alice''s usage, and has none');
select lives_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('b1000000-0000-0000-0000-000000000001', 1, 'user', 'hello') $$,
  'Bob''s quota is his own'
);
select lives_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content, metadata)
     values ('b1000000-0000-0000-0000-000000000001', 2, 'assistant', 'long answer',
             '{"usage": {"prompt_tokens": 60, "completion_tokens": 40}}') $$,
  'an answer that takes Bob to 100 tokens'
);
select throws_ok(
  $$ insert into public.chat_messages (session_id, seq, role, content)
     values ('b1000000-0000-0000-0000-000000000001', 3, 'user', 'more') $$,
  'PQ001', 'QUOTA_EXCEEDED', 'at the token quota, the next question is refused'
);

-- As the service role: what the activity log holds ------------------------------------------
reset role;
select results_eq(
  $$ select kind, user_id::text, coalesce(prompt_tokens, 0), coalesce(latency_ms, 0), coalesce(ttft_ms, 0)
       from public.chat_activity order by id $$,
  $$ values ('session', '11111111-1111-1111-1111-111111111111', 0, 0, 0),
            ('session', '22222222-2222-2222-2222-222222222222', 0, 0, 0),
            ('question', '11111111-1111-1111-1111-111111111111', 0, 0, 0),
            ('answer', '11111111-1111-1111-1111-111111111111', 30, 420, 80),
            ('question', '22222222-2222-2222-2222-222222222222', 0, 0, 0),
            ('answer', '22222222-2222-2222-2222-222222222222', 60, 0, 0) $$,
  'sessions, questions and answers (with their numbers) are logged; refused ones are not'
);
select is(
  public.chat_metadata_int('{"usage": {"prompt_tokens": "12"}}', 'usage', 'prompt_tokens'),
  null,
  'a token count that is not a number counts as none'
);
select lives_ok(
  $$ delete from public.users where id = '11111111-1111-1111-1111-111111111111' $$,
  'deleting a user takes their usage and activity along'
);
select is(
  (select count(*)::int from public.chat_activity where user_id = '11111111-1111-1111-1111-111111111111'),
  0,
  'no activity of a deleted user remains'
);

select * from finish();
rollback;
