-- Usage accounting, daily quotas and the activity the admin analytics read.
--
-- Everything here is kept by triggers on the tables the send path already writes, so it is in the
-- same transaction as the change (a rolled-back send counts nothing) and costs the send path no
-- extra round trip. Days are UTC days.

-- The quotas in force: one row, written by Pulse at start from QUOTA_MESSAGES_PER_DAY and
-- QUOTA_TOKENS_PER_DAY (every replica runs with the same settings). 0 = no quota.
create table public.chat_quota_settings (
  id boolean primary key default true check (id),
  messages_per_day integer not null default 0 check (messages_per_day >= 0),
  tokens_per_day bigint not null default 0 check (tokens_per_day >= 0)
);
insert into public.chat_quota_settings (id) values (true) on conflict do nothing;

comment on table public.chat_quota_settings is 'The daily quotas per user (0 = off), one row, set by Pulse from its settings at start.';

-- A user's use per UTC day. `messages` counts the questions admitted (new messages, edits and
-- regenerates); answers and tokens are added when an answer is stored.
create table public.chat_usage_daily (
  user_id uuid not null references public.users (id) on delete cascade,
  day date not null,
  messages integer not null default 0,
  answers integer not null default 0,
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  primary key (user_id, day)
);

comment on table public.chat_usage_daily is 'Questions, answers and tokens per user per UTC day, kept current by triggers in the same transaction as the messages.';

-- What happened when, narrow and append-only, for the admin analytics: a question, an answer (with
-- its tokens and latencies), a session opened, a send that failed (with its code). No text. Kept
-- when a chat is deleted (the site's usage happened); deleted with the user.
create table public.chat_activity (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  kind text not null check (kind in ('question', 'answer', 'session', 'error')),
  user_id uuid not null references public.users (id) on delete cascade,
  session_id uuid,
  code text,
  prompt_tokens integer,
  completion_tokens integer,
  latency_ms integer,
  ttft_ms integer
);

comment on table public.chat_activity is 'Questions, answers, new sessions and failed sends with their numbers (never text), for the admin analytics.';

-- Analytics read a time range: with every column it needs in the index, a range is an
-- index-only scan of the rows in it, at any table size.
create index chat_activity_at_idx on public.chat_activity (at)
  include (kind, user_id, session_id, code, prompt_tokens, completion_tokens, latency_ms, ttft_ms);
-- Deleting a user cascades through user_id.
create index chat_activity_user_idx on public.chat_activity (user_id);

alter table public.chat_quota_settings enable row level security;
alter table public.chat_usage_daily enable row level security;
alter table public.chat_activity enable row level security;
revoke all on public.chat_quota_settings, public.chat_usage_daily, public.chat_activity from anon, authenticated;
grant select on public.chat_usage_daily to authenticated;

create policy "Users can read their own usage"
  on public.chat_usage_daily for select to authenticated
  using (user_id = (select public.requesting_user_id()));

-- Counts a question of the session's user against today's quotas; raises when over one. The
-- upsert takes the (user, day) row's lock, so concurrent sends of one user, on any replica, are
-- admitted one after the other and the count is exact. A send that rolls back uncounts itself.
create or replace function public.chat_admit_question(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  q public.chat_quota_settings;
  used public.chat_usage_daily;
  today date := (now() at time zone 'utc')::date;
  resets text := to_char(((now() at time zone 'utc')::date + 1)::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
begin
  insert into public.chat_usage_daily as u (user_id, day, messages) values (p_user_id, today, 1)
  on conflict (user_id, day) do update set messages = u.messages + 1
  returning * into used;
  select * into q from public.chat_quota_settings where id;
  if q.messages_per_day > 0 and used.messages > q.messages_per_day then
    raise exception 'QUOTA_EXCEEDED' using errcode = 'PQ001',
      detail = json_build_object('quota', 'messages', 'limit', q.messages_per_day, 'resets_at', resets)::text;
  end if;
  if q.tokens_per_day > 0 and used.prompt_tokens + used.completion_tokens >= q.tokens_per_day then
    raise exception 'QUOTA_EXCEEDED' using errcode = 'PQ001',
      detail = json_build_object('quota', 'tokens', 'limit', q.tokens_per_day, 'resets_at', resets)::text;
  end if;
end;
$$;

revoke all on function public.chat_admit_question(uuid) from public;
-- Called by a regenerate (which stores no new question) in the user's own transaction, for themself only.
create or replace function public.chat_admit_regenerate()
returns void
language sql
security definer
set search_path = ''
as $$
  select public.chat_admit_question(public.requesting_user_id())
$$;
revoke all on function public.chat_admit_regenerate() from public;
grant execute on function public.chat_admit_regenerate() to authenticated;

create or replace function public.chat_messages_admit()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  owner uuid := (select s.user_id from public.chat_sessions s where s.id = new.session_id);
  caller uuid := public.requesting_user_id();
begin
  -- Row-level security is checked after BEFORE triggers: a message into a missing session, or
  -- into another user's, is left for the policy to refuse, and counts (and reveals) nothing.
  if owner is null or (caller is not null and caller <> owner) then
    return new;
  end if;
  perform public.chat_admit_question(owner);
  return new;
end;
$$;

create trigger chat_messages_admit
  before insert on public.chat_messages
  for each row when (new.role = 'user')
  execute function public.chat_messages_admit();

-- An int from the answer's metadata, or null when absent or not a number.
create or replace function public.chat_metadata_int(m jsonb, variadic path text[])
returns integer
language sql
immutable
set search_path = ''
as $$
  select case when jsonb_typeof(m #> path) = 'number' then least((m #>> path)::numeric, 2147483647)::integer end
$$;

create or replace function public.chat_messages_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  owner uuid := (select s.user_id from public.chat_sessions s where s.id = new.session_id);
  prompt integer := coalesce(public.chat_metadata_int(new.metadata, 'usage', 'prompt_tokens'), 0);
  completion integer := coalesce(public.chat_metadata_int(new.metadata, 'usage', 'completion_tokens'), 0);
begin
  if new.role = 'user' then
    insert into public.chat_activity (at, kind, user_id, session_id) values (new.created_at, 'question', owner, new.session_id);
  elsif new.role = 'assistant' then
    insert into public.chat_activity (at, kind, user_id, session_id, prompt_tokens, completion_tokens, latency_ms, ttft_ms)
    values (new.created_at, 'answer', owner, new.session_id, prompt, completion,
            public.chat_metadata_int(new.metadata, 'latency_ms'), public.chat_metadata_int(new.metadata, 'ttft_ms'));
    insert into public.chat_usage_daily as u (user_id, day, answers, prompt_tokens, completion_tokens)
    values (owner, (new.created_at at time zone 'utc')::date, 1, prompt, completion)
    on conflict (user_id, day) do update
      set answers = u.answers + 1,
          prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,
          completion_tokens = u.completion_tokens + excluded.completion_tokens;
  end if;
  return null;
end;
$$;

create trigger chat_messages_account
  after insert on public.chat_messages
  for each row when (new.role in ('user', 'assistant'))
  execute function public.chat_messages_account();

create or replace function public.chat_sessions_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.chat_activity (at, kind, user_id, session_id) values (new.created_at, 'session', new.user_id, new.id);
  return null;
end;
$$;

create trigger chat_sessions_account
  after insert on public.chat_sessions
  for each row execute function public.chat_sessions_account();

revoke all on function public.chat_messages_admit(), public.chat_messages_account(), public.chat_sessions_account() from public;

-- The analytics' feedback ratio reads the ratings given or changed in a range.
create index chat_message_feedback_updated_idx on public.chat_message_feedback (updated_at);

-- Active users per day for the analytics: the days' usage rows (one per user active that day).
create index chat_usage_daily_day_idx on public.chat_usage_daily (day);

-- The analytics per closed UTC hour, rolled up once from chat_activity and kept (also after the
-- activity's users are deleted: the counts name no one). Latencies are kept as histograms of
-- 60 log-spaced bins from 1 ms to 10 minutes (each 25% wider than the last), so hours merge
-- into days and ranges and their percentiles are read within about 12%.
create table public.chat_activity_hours (
  hour timestamptz primary key,
  questions integer not null,
  answers integer not null,
  errors integer not null,
  new_sessions integer not null,
  prompt_tokens bigint not null,
  completion_tokens bigint not null,
  ttft_hist jsonb not null,
  latency_hist jsonb not null,
  errors_by_code jsonb not null,
  rolled_up_at timestamptz not null default now()
);

comment on table public.chat_activity_hours is 'chat_activity summed per closed UTC hour (latencies as log-spaced histograms), for the admin analytics.';

alter table public.chat_activity_hours enable row level security;
revoke all on public.chat_activity_hours from anon, authenticated;

-- chat_activity per UTC hour of [p_from, p_to), every hour present (idle ones as zeros): what
-- chat_activity_hours keeps for closed hours, and what the analytics read live for open ones.
create or replace function public.chat_activity_rollup(p_from timestamptz, p_to timestamptz)
returns setof public.chat_activity_hours
language sql
stable
set search_path = ''
as $$
  with a as (
    select date_bin('1 hour', at, '2000-01-01T00:00:00Z') as hour, kind, code, prompt_tokens, completion_tokens,
           width_bucket(ln(greatest(ttft_ms, 1)::float8), 0, ln(600000::float8), 60) as ttft_bin,
           width_bucket(ln(greatest(latency_ms, 1)::float8), 0, ln(600000::float8), 60) as latency_bin
      from public.chat_activity
     where at >= p_from and at < p_to
  ),
  sums as (
    select hour,
           count(*) filter (where kind = 'question')::int as questions,
           count(*) filter (where kind = 'answer')::int as answers,
           count(*) filter (where kind = 'error')::int as errors,
           count(*) filter (where kind = 'session')::int as new_sessions,
           coalesce(sum(prompt_tokens), 0)::bigint as prompt_tokens,
           coalesce(sum(completion_tokens), 0)::bigint as completion_tokens
      from a group by hour
  ),
  ttft as (
    select hour, jsonb_object_agg(ttft_bin, n) as hist
      from (select hour, ttft_bin, count(*) as n from a where kind = 'answer' and ttft_bin is not null group by 1, 2) b
     group by hour
  ),
  latency as (
    select hour, jsonb_object_agg(latency_bin, n) as hist
      from (select hour, latency_bin, count(*) as n from a where kind = 'answer' and latency_bin is not null group by 1, 2) b
     group by hour
  ),
  codes as (
    select hour, jsonb_object_agg(code, n) as by_code
      from (select hour, code, count(*) as n from a where kind = 'error' group by 1, 2) c
     group by hour
  )
  select h.hour, coalesce(s.questions, 0), coalesce(s.answers, 0), coalesce(s.errors, 0), coalesce(s.new_sessions, 0),
         coalesce(s.prompt_tokens, 0), coalesce(s.completion_tokens, 0),
         coalesce(t.hist, '{}'), coalesce(l.hist, '{}'), coalesce(c.by_code, '{}'), now()
    from generate_series(date_bin('1 hour', p_from, '2000-01-01T00:00:00Z'), p_to - interval '1 microsecond', interval '1 hour') h (hour)
    left join sums s using (hour)
    left join ttft t using (hour)
    left join latency l using (hour)
    left join codes c using (hour)
$$;

revoke all on function public.chat_activity_rollup(timestamptz, timestamptz) from public;
