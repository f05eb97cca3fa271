-- search_chat_messages(): full-text search of the caller's own messages, whatever the input.
begin;
select plan(16);

select has_function('public', 'search_chat_messages', array['text', 'boolean', 'timestamp with time zone', 'uuid', 'integer']);
select is_definer('public', 'search_chat_messages', array['text', 'boolean', 'timestamp with time zone', 'uuid', 'integer'],
  'search_chat_messages is security definer (RLS would keep the GIN index from being used)');
select ok(
  (select proconfig @> array['search_path=""'] from pg_catalog.pg_proc where proname = 'search_chat_messages'),
  'search_chat_messages pins an empty search_path'
);
select ok(
  (select proconfig @> array['jit=off'] from pg_catalog.pg_proc where proname = 'search_chat_messages'),
  'search_chat_messages turns JIT off'
);
select ok(
  not has_function_privilege('anon', 'public.search_chat_messages(text, boolean, timestamptz, uuid, integer)', 'execute'),
  'anon may not execute search_chat_messages'
);
select ok(
  has_function_privilege('authenticated', 'public.search_chat_messages(text, boolean, timestamptz, uuid, integer)', 'execute'),
  'authenticated may execute search_chat_messages'
);

insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id, title, is_active, created_at) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 'Trip ideas', true, now() - interval '1 hour'),
  ('a1000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', 'Cooking', true, now() - interval '1 hour'),
  ('a1000000-0000-0000-0000-000000000003', '11111111-1111-1111-1111-111111111111', 'Archived', false, now() - interval '1 hour'),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 'Bob''s trip', true, now());
insert into public.chat_messages (id, session_id, seq, role, content, created_at) values
  ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000002', 1, 'user', 'A trip to the market', now() - interval '3 minutes'),
  ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000002', 2, 'assistant', 'Enjoy the TRIP', now() - interval '2 minutes'),
  ('a2000000-0000-0000-0000-000000000003', 'a1000000-0000-0000-0000-000000000003', 1, 'user', 'an archived trip', now() - interval '1 minute'),
  ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'user', 'My secret trip', now());

set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select results_eq(
  $$ select message_id, role, content from public.search_chat_messages('trip') $$,
  $$ values ('a2000000-0000-0000-0000-000000000002'::uuid, 'assistant', 'Enjoy the TRIP'),
            ('a2000000-0000-0000-0000-000000000001'::uuid, 'user', 'A trip to the market'),
            (null::uuid, null, 'Trip ideas') $$,
  'messages newest first, then the title of a session with no matching message; archived and another user''s never'
);
select results_eq(
  $$ select message_id from public.search_chat_messages('trip', true, null, null, 1) $$,
  $$ values ('a2000000-0000-0000-0000-000000000003'::uuid) $$,
  'include_archived adds the archived session''s message; max_rows limits the rows'
);
select results_eq(
  $$ select message_id from public.search_chat_messages('trip', false, now() - interval '2 minutes',
                                                        'a2000000-0000-0000-0000-000000000002') $$,
  $$ values ('a2000000-0000-0000-0000-000000000001'::uuid), (null::uuid) $$,
  'the keyset continues after the cursor'
);
select is_empty($$ select * from public.search_chat_messages('secret') $$, 'another user''s messages never match');
select is_empty($$ select * from public.search_chat_messages('bob') $$, 'another user''s titles never match');
select lives_ok(
  $$ select * from public.search_chat_messages($q$ ' " & | ! :* ( ) \ <b> -or $q$) $$,
  'tsquery syntax in the input is not an error'
);
select is_empty($$ select * from public.search_chat_messages('!!! & |') $$, 'input without a word finds nothing');

set local request.jwt.claims to '{"role":"authenticated"}';
select is_empty($$ select * from public.search_chat_messages('trip') $$, 'no sub: nothing is found');

reset role;
set local role anon;
select throws_ok(
  $$ select * from public.search_chat_messages('trip') $$,
  '42501', null, 'anon: execute is denied'
);
reset role;

select is(
  (select count(*)::int from public.chat_messages where content ilike '%trip%'), 4,
  'the rows the function must not show are there (the empty results above are not vacuous)'
);

select * from finish();
rollback;
