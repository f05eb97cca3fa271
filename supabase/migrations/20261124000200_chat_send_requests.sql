-- Idempotency for POST /api/chat/send: one row per (user, Idempotency-Key), so a retried
-- send returns the first result and never stores the user's message twice.

create table public.chat_send_requests (
  user_id uuid not null references public.users (id) on delete cascade,
  idempotency_key text not null check (char_length(idempotency_key) between 1 and 255),
  -- sha256 of the request body: the same key with a different body is refused.
  request_hash text not null,
  session_id uuid references public.chat_sessions (id) on delete cascade,
  user_message_id uuid references public.chat_messages (id) on delete set null,
  status text not null default 'pending' check (status in ('pending', 'completed', 'failed')),
  -- The JSON answer as first returned, replayed for retries once completed.
  response jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, idempotency_key)
);

comment on table public.chat_send_requests is 'Idempotency keys of chat sends: what a retried request with the same key gets back.';

create index chat_send_requests_created_idx on public.chat_send_requests (created_at);

alter table public.chat_send_requests enable row level security;

revoke all on public.chat_send_requests from anon;
grant select, insert, update, delete on public.chat_send_requests to authenticated;

create policy "Users can read their own send requests"
  on public.chat_send_requests for select to authenticated
  using (user_id = (select public.requesting_user_id()));

create policy "Users can create their own send requests"
  on public.chat_send_requests for insert to authenticated
  with check (user_id = (select public.requesting_user_id()));

create policy "Users can update their own send requests"
  on public.chat_send_requests for update to authenticated
  using (user_id = (select public.requesting_user_id()))
  with check (user_id = (select public.requesting_user_id()));

create policy "Users can delete their own send requests"
  on public.chat_send_requests for delete to authenticated
  using (user_id = (select public.requesting_user_id()));
