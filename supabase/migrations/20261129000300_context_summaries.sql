-- Running summaries of long chats (CONTEXT_SUMMARY=true): the turns that fell out of the
-- model's window, folded by the model into one text, so the next send still "remembers" them.

create table public.chat_summaries (
  -- The last message the summary covers. The path from a session's first message to any one
  -- message is unique (also once messages form a tree of branches), so a summary keyed by it
  -- is valid on every branch through that message and on no other.
  through_message_id uuid primary key references public.chat_messages (id) on delete cascade,
  session_id uuid not null references public.chat_sessions (id) on delete cascade,
  content text not null,
  -- Its length in the tokenizer's tokens, so the budget is checked without counting it again.
  tokens integer not null check (tokens >= 0),
  created_at timestamptz not null default now()
);

comment on table public.chat_summaries is 'Model-made summaries of a chat up to and including through_message_id, used in place of the turns that no longer fit the context window.';

-- Deleting a session (its cascade) finds its summaries without reading the table.
create index chat_summaries_session_idx on public.chat_summaries (session_id);

alter table public.chat_summaries enable row level security;

revoke all on public.chat_summaries from anon;
-- Summaries are written once and never changed: a newer one gets a row of its own.
grant select, insert, delete on public.chat_summaries to authenticated;

create policy "Users can read summaries of their own sessions"
  on public.chat_summaries for select to authenticated
  using (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ));

create policy "Users can add summaries to their own sessions"
  on public.chat_summaries for insert to authenticated
  with check (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ));

create policy "Users can delete summaries of their own sessions"
  on public.chat_summaries for delete to authenticated
  using (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select public.requesting_user_id())
  ));
