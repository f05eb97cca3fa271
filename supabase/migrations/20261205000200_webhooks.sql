-- Webhooks: the site owner's endpoints, and an outbox of signed events for them.
--
-- Triggers on the chat tables write each event and one delivery per subscribed endpoint in the
-- same transaction as the change: a rolled-back change sends nothing, a committed one is never
-- lost, and the send path pays no extra round trip. Pulse's worker then claims due deliveries
-- (for update skip locked, so several replicas share the work) and POSTs them, signed per the
-- Standard Webhooks spec. Every table here is the service role's alone.

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  url text not null check (url ~ '^https?://' and char_length(url) <= 2000),
  -- Standard Webhooks' secret format: whsec_ and the base64 key.
  secret text not null check (secret ~ '^whsec_[A-Za-z0-9+/=]+$'),
  events text[] not null check (
    cardinality(events) > 0
    and events <@ array['session.created', 'session.deleted', 'message.created', 'message.feedback']
  ),
  enabled boolean not null default true,
  -- 'settings': kept in step with WEBHOOK_URLS at every start; 'admin': made through the admin API.
  source text not null check (source in ('settings', 'admin')),
  created_at timestamptz not null default now()
);

comment on table public.webhook_endpoints is
  'Where Pulse sends webhooks, with the events each wants and its signing secret. Service role only.';

-- A settings endpoint is found again by its URL at the next start.
create unique index webhook_endpoints_settings_url_key on public.webhook_endpoints (url) where source = 'settings';

create table public.webhook_events (
  -- Standard Webhooks' webhook-id: the same on every attempt, so a receiver can drop repeats.
  id text primary key,
  type text not null,
  -- The body's `data`.
  payload jsonb not null,
  created_at timestamptz not null default now()
);

comment on table public.webhook_events is
  'Events for webhooks, written by triggers in the transaction of the change. Service role only.';

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  event_id text not null references public.webhook_events (id) on delete cascade,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  -- When the next attempt is due; while an attempt is in flight, the end of its lease (a worker
  -- that died mid-attempt leaves the delivery due again once the lease runs out).
  next_attempt_at timestamptz not null default now(),
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  constraint webhook_deliveries_event_endpoint_key unique (event_id, endpoint_id)
);

comment on table public.webhook_deliveries is
  'One event for one endpoint: pending until a 2xx answer (delivered) or the retry limit (dead). Service role only.';

-- The worker's claim: the due pending deliveries, soonest first.
create index webhook_deliveries_due_idx on public.webhook_deliveries (next_attempt_at) where status = 'pending';
-- The admin API's list: an endpoint's (or every) delivery, newest first, by status.
create index webhook_deliveries_endpoint_idx on public.webhook_deliveries (endpoint_id, status, created_at desc);
create index webhook_deliveries_status_idx on public.webhook_deliveries (status, created_at desc, id desc);

create table public.webhook_delivery_attempts (
  id bigint generated always as identity primary key,
  delivery_id uuid not null references public.webhook_deliveries (id) on delete cascade,
  attempted_at timestamptz not null default now(),
  -- The receiver's answer, or null when none came (refused, timed out).
  http_status integer,
  error text,
  duration_ms integer not null
);

comment on table public.webhook_delivery_attempts is 'The delivery log: each attempt, its answer or error, and how long it took.';

create index webhook_delivery_attempts_delivery_idx on public.webhook_delivery_attempts (delivery_id, attempted_at);

-- The retention janitor (WEBHOOK_RETENTION_DAYS): delivered deliveries by age, events by age.
create index webhook_deliveries_delivered_idx on public.webhook_deliveries (delivered_at) where status = 'delivered';
create index webhook_events_created_idx on public.webhook_events (created_at);

alter table public.webhook_endpoints enable row level security;
alter table public.webhook_events enable row level security;
alter table public.webhook_deliveries enable row level security;
alter table public.webhook_delivery_attempts enable row level security;

revoke all on public.webhook_endpoints, public.webhook_events, public.webhook_deliveries,
  public.webhook_delivery_attempts from anon, authenticated;

-- Queues `data` as an event of `event_type` for every enabled endpoint that wants it, and wakes
-- the workers (NOTIFY is delivered at commit, and not at all on rollback). Security definer: the
-- change runs in a user's RLS transaction, which cannot touch these tables itself.
create function public.webhook_enqueue(event_type text, data jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  event_id text := 'msg_' || replace(gen_random_uuid()::text, '-', '');
begin
  insert into public.webhook_events (id, type, payload) values (event_id, event_type, data);
  insert into public.webhook_deliveries (event_id, endpoint_id)
    select event_id, e.id from public.webhook_endpoints e where e.enabled and event_type = any (e.events);
  perform pg_notify('pulse_webhooks', '');
end
$$;

-- Asked first by every trigger, so a change nobody subscribes to costs one look at a tiny table.
create function public.webhook_wanted(event_type text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.webhook_endpoints e where e.enabled and event_type = any (e.events))
$$;

create function public.webhook_session_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if public.webhook_wanted('session.created') then
      perform public.webhook_enqueue('session.created', jsonb_build_object(
        'session_id', new.id, 'user_id', new.user_id, 'title', new.title, 'created_at', new.created_at));
    end if;
    return new;
  end if;
  if public.webhook_wanted('session.deleted') then
    perform public.webhook_enqueue('session.deleted', jsonb_build_object(
      'session_id', old.id, 'user_id', old.user_id, 'deleted_at', now()));
  end if;
  return old;
end
$$;

create function public.webhook_message_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.role in ('user', 'assistant') and public.webhook_wanted('message.created') then
    perform public.webhook_enqueue('message.created', jsonb_build_object(
      'message_id', new.id,
      'session_id', new.session_id,
      'user_id', (select s.user_id from public.chat_sessions s where s.id = new.session_id),
      'role', new.role,
      'content', new.content,
      'parent_id', new.parent_id,
      'created_at', new.created_at,
      -- What an owner's CRM may want of an answer; the rest of metadata is Pulse's own.
      'metadata', jsonb_strip_nulls(jsonb_build_object(
        'provider', new.metadata -> 'provider',
        'model', new.metadata -> 'model',
        'usage', new.metadata -> 'usage',
        'finish_reason', new.metadata -> 'finish_reason',
        'interrupted', new.metadata -> 'interrupted',
        'reply_to', new.metadata -> 'reply_to'
      ))
    ));
  end if;
  return new;
end
$$;

create function public.webhook_feedback_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if public.webhook_wanted('message.feedback') then
    perform public.webhook_enqueue('message.feedback', jsonb_build_object(
      'message_id', new.message_id,
      'session_id', (select m.session_id from public.chat_messages m where m.id = new.message_id),
      'user_id', new.user_id,
      'rating', new.rating,
      'comment', new.comment,
      'created_at', new.created_at,
      'updated_at', new.updated_at
    ));
  end if;
  return new;
end
$$;

revoke all on function public.webhook_enqueue(text, jsonb) from public;
revoke all on function public.webhook_wanted(text) from public;
revoke all on function public.webhook_session_event() from public;
revoke all on function public.webhook_message_event() from public;
revoke all on function public.webhook_feedback_event() from public;

create trigger chat_sessions_webhook
  after insert or delete on public.chat_sessions
  for each row execute function public.webhook_session_event();

create trigger chat_messages_webhook
  after insert on public.chat_messages
  for each row execute function public.webhook_message_event();

create trigger chat_message_feedback_webhook
  after insert or update on public.chat_message_feedback
  for each row execute function public.webhook_feedback_event();
