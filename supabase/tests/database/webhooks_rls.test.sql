-- Webhooks: the endpoint, outbox, delivery and log tables are the service role's alone, and the
-- triggers still write the outbox from inside a user's RLS transaction (security definer), in
-- that transaction: a rolled-back change leaves nothing queued.
begin;
select plan(25);

-- Shape and grants ------------------------------------------------------------------------
select is(
  (select array_agg(relname::text order by relname) from pg_catalog.pg_class
   where relnamespace = 'public'::regnamespace and relrowsecurity
     and relname in ('webhook_endpoints', 'webhook_events', 'webhook_deliveries', 'webhook_delivery_attempts')),
  array['webhook_deliveries', 'webhook_delivery_attempts', 'webhook_endpoints', 'webhook_events'],
  'row-level security is enabled on all four tables'
);
select policies_are('public', 'webhook_endpoints', array[]::name[], 'no policy on webhook_endpoints');
select policies_are('public', 'webhook_deliveries', array[]::name[], 'no policy on webhook_deliveries');
select table_privs_are('public', 'webhook_endpoints', 'authenticated', array[]::text[], 'authenticated has no access to endpoints');
select table_privs_are('public', 'webhook_events', 'authenticated', array[]::text[], 'authenticated has no access to events');
select table_privs_are('public', 'webhook_deliveries', 'authenticated', array[]::text[], 'authenticated has no access to deliveries');
select table_privs_are('public', 'webhook_delivery_attempts', 'authenticated', array[]::text[], 'authenticated has no access to the log');
select table_privs_are('public', 'webhook_endpoints', 'anon', array[]::text[], 'anon has no access to endpoints');
select table_privs_are('public', 'webhook_events', 'anon', array[]::text[], 'anon has no access to events');
select function_privs_are('public', 'webhook_enqueue', array['text', 'jsonb'], 'authenticated', array[]::text[],
  'a user cannot queue an event by hand');

-- Fixtures (as the service role) --------------------------------------------------------
insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.webhook_endpoints (id, url, secret, events, source) values
  ('e0000000-0000-0000-0000-000000000001', 'https://crm.example/hook', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
   array['session.created', 'message.created', 'message.feedback', 'session.deleted'], 'settings'),
  ('e0000000-0000-0000-0000-000000000002', 'https://other.example/hook', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
   array['session.deleted'], 'admin');

select throws_ok(
  $$ insert into public.webhook_endpoints (url, secret, events, source)
     values ('ftp://x.example', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', array['session.created'], 'admin') $$,
  '23514', null, 'an endpoint URL is http or https'
);
select throws_ok(
  $$ insert into public.webhook_endpoints (url, secret, events, source)
     values ('https://x.example', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', array['message.edited'], 'admin') $$,
  '23514', null, 'only known events'
);

-- Alice, in her own RLS transaction ----------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select throws_ok($$ select * from public.webhook_endpoints $$, '42501', null, 'select: endpoints (and their secrets) are hidden');
select throws_ok($$ select * from public.webhook_events $$, '42501', null, 'select: events are hidden');
select throws_ok($$ select * from public.webhook_deliveries $$, '42501', null, 'select: deliveries are hidden');
select throws_ok($$ select * from public.webhook_delivery_attempts $$, '42501', null, 'select: the log is hidden');
select throws_ok(
  $$ insert into public.webhook_endpoints (url, secret, events, source)
     values ('https://evil.example', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', array['message.created'], 'admin') $$,
  '42501', null, 'insert: a user cannot add an endpoint (and read everyone''s messages)'
);
select throws_ok(
  $$ insert into public.webhook_events (id, type, payload) values ('msg_forged', 'session.created', '{}') $$,
  '42501', null, 'insert: a user cannot forge an event'
);
select throws_ok($$ update public.webhook_deliveries set status = 'dead' $$, '42501', null, 'update: deliveries are out of reach');
select throws_ok($$ select public.webhook_enqueue('session.created', '{}'::jsonb) $$, '42501', null,
  'a user cannot call the enqueue function');

-- The triggers queue her changes anyway.
select lives_ok(
  $$ insert into public.chat_sessions (id, user_id, last_seq) values
       ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 1);
     insert into public.chat_messages (id, session_id, seq, role, content) values
       ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000001', 1, 'user', 'Hello CRM') $$,
  'a user adds a session and a message under RLS'
);

-- A change she rolls back queues nothing.
savepoint before_rollback;
insert into public.chat_sessions (id, user_id) values
  ('a1000000-0000-0000-0000-000000000009', '11111111-1111-1111-1111-111111111111');
rollback to savepoint before_rollback;

reset role;

select results_eq(
  $$ select v.type, v.payload->>'session_id', v.payload->>'user_id', v.payload->>'content'
       from public.webhook_events v order by v.created_at, v.type desc $$,
  $$ values ('session.created', 'a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', null::text),
            ('message.created', 'a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 'Hello CRM') $$,
  'the triggers wrote her session and message (and nothing of the rolled-back session)'
);
select results_eq(
  $$ select v.type, d.endpoint_id, d.status, d.attempts
       from public.webhook_deliveries d join public.webhook_events v on v.id = d.event_id order by v.type desc $$,
  $$ values ('session.created', 'e0000000-0000-0000-0000-000000000001'::uuid, 'pending', 0),
            ('message.created', 'e0000000-0000-0000-0000-000000000001'::uuid, 'pending', 0) $$,
  'one pending delivery per event, only to the endpoint that subscribed'
);
select ok(
  (select bool_and(id ~ '^msg_[0-9a-f]{32}$') from public.webhook_events),
  'event ids are msg_ and 32 hex digits'
);

-- With no endpoint subscribed, nothing is queued at all.
update public.webhook_endpoints set enabled = false;
insert into public.chat_sessions (id, user_id) values
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222');
select is(
  (select count(*)::int from public.webhook_events where payload->>'user_id' = '22222222-2222-2222-2222-222222222222'),
  0,
  'no enabled endpoint: no event written'
);

select * from finish();
rollback;
