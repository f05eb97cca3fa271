-- Pulse chat schema: sessions and messages owned by rows of public.users,
-- protected by row-level security keyed on the JWT's `sub` claim.

-- Roles that Supabase provides; created here so the same SQL runs on any Postgres.
do $$
begin
  -- A concurrent run creating the same role fails on pg_authid's unique index instead.
  begin
    create role anon nologin noinherit;
  exception when duplicate_object or unique_violation then null;
  end;
  begin
    create role authenticated nologin noinherit;
  exception when duplicate_object or unique_violation then null;
  end;
  -- The connecting role must be able to `set role authenticated` (Supabase's postgres already can).
  begin
    execute format('grant authenticated to %I', current_user);
  exception when others then null;
  end;
end
$$;

-- The caller's user id as PostgREST/Supabase expose it: the `sub` claim of request.jwt.claims.
create or replace function public.requesting_user_id()
returns uuid
language sql
stable
set search_path = ''
as $$
  select nullif(
    coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    ),
    ''
  )::uuid
$$;

comment on function public.requesting_user_id() is
  'The id of the user making the request: the sub claim of the JWT that PostgREST or Pulse set in request.jwt.claims.';

-- Our users keep their own table; this minimal one exists only where they have none.
-- Created here, it gets row-level security too: on Supabase, new tables are readable by
-- anon/authenticated through the Data API by default, and emails must not leak.
do $$
begin
  if to_regclass('public.users') is null then
    create table public.users (
      id uuid primary key,
      email text,
      display_name text,
      created_at timestamptz not null default now()
    );
    comment on table public.users is 'Pulse''s minimal user table, used only where the host project has none.';
    alter table public.users enable row level security;
    revoke all on public.users from anon;
    grant select on public.users to authenticated;
    create policy "Users can read their own profile"
      on public.users for select to authenticated
      using (id = (select public.requesting_user_id()));
  end if;
end
$$;

create table public.chat_sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  title text not null default 'New chat',
  system_prompt text,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_message_at timestamptz,
  -- The last message sequence number handed out; bumping it takes the session's row lock,
  -- so concurrent inserts into one session get gapless, commit-consistent positions.
  last_seq bigint not null default 0,
  metadata jsonb not null default '{}'::jsonb
);

comment on table public.chat_sessions is 'A user''s chat sessions. is_active = false archives a session; deleting it removes its messages.';

-- A user's sessions, most recently active first (the list endpoint's keyset order).
create index chat_sessions_user_recent_idx
  on public.chat_sessions (user_id, updated_at desc, id desc);

create table public.chat_messages (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.chat_sessions (id) on delete cascade,
  seq bigint not null,
  role text not null check (role in ('system', 'user', 'assistant')),
  content text not null,
  created_at timestamptz not null default now(),
  metadata jsonb not null default '{}'::jsonb,
  constraint chat_messages_session_seq_key unique (session_id, seq)
);

comment on table public.chat_messages is 'Messages of a chat session, ordered by seq. metadata holds provider, model, token counts, latency and finish reason.';
comment on column public.chat_messages.seq is 'Position in the session, taken from chat_sessions.last_seq under the session''s row lock.';

-- The unique (session_id, seq) index serves "the last N messages of a session" and keyset paging.

alter table public.chat_sessions enable row level security;
alter table public.chat_messages enable row level security;

revoke all on public.chat_sessions, public.chat_messages from anon;
grant usage on schema public to authenticated;
grant select, insert, update, delete on public.chat_sessions, public.chat_messages to authenticated;
grant execute on function public.requesting_user_id() to authenticated;

create policy "Users can read their own sessions"
  on public.chat_sessions for select to authenticated
  using (user_id = (select public.requesting_user_id()));

create policy "Users can create their own sessions"
  on public.chat_sessions for insert to authenticated
  with check (user_id = (select public.requesting_user_id()));

create policy "Users can update their own sessions"
  on public.chat_sessions for update to authenticated
  using (user_id = (select public.requesting_user_id()))
  with check (user_id = (select public.requesting_user_id()));

create policy "Users can delete their own sessions"
  on public.chat_sessions for delete to authenticated
  using (user_id = (select public.requesting_user_id()));

create policy "Users can read messages of their own sessions"
  on public.chat_messages for select to authenticated
  using (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ));

create policy "Users can add messages to their own sessions"
  on public.chat_messages for insert to authenticated
  with check (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ));

create policy "Users can update messages of their own sessions"
  on public.chat_messages for update to authenticated
  using (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ))
  with check (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ));

create policy "Users can delete messages of their own sessions"
  on public.chat_messages for delete to authenticated
  using (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ));
