-- The host page's tools: answers waiting for the results of the calls the model made.
--
-- The answer itself is stored as usual, its calls in metadata.tool_calls; this table says which
-- answers wait, until when, so that any replica can take the results and an expired wait is found
-- without reading every message.
create table public.chat_tool_waits (
  message_id uuid primary key references public.chat_messages (id) on delete cascade,
  session_id uuid not null references public.chat_sessions (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  round integer not null default 1,
  deadline timestamptz not null,
  created_at timestamptz not null default now()
);

comment on table public.chat_tool_waits is 'Answers waiting for the host page''s tool results (metadata.tool_calls), with their deadline (TOOL_RESULT_TIMEOUT_SECONDS).';

create index chat_tool_waits_deadline_idx on public.chat_tool_waits (deadline);
create index chat_tool_waits_session_idx on public.chat_tool_waits (session_id);
create index chat_tool_waits_user_idx on public.chat_tool_waits (user_id);

alter table public.chat_tool_waits enable row level security;
revoke all on public.chat_tool_waits from anon;
grant select, insert, update, delete on public.chat_tool_waits to authenticated;

create policy "Users can read their own waits"
  on public.chat_tool_waits for select to authenticated
  using (user_id = (select public.requesting_user_id()));

create policy "Users can wait on answers in their own sessions"
  on public.chat_tool_waits for insert to authenticated
  with check (
    user_id = (select public.requesting_user_id())
    and exists (
      select 1 from public.chat_sessions s
       where s.id = session_id and s.user_id = (select public.requesting_user_id())
    )
  );

create policy "Users can move their own waits"
  on public.chat_tool_waits for update to authenticated
  using (user_id = (select public.requesting_user_id()))
  with check (user_id = (select public.requesting_user_id()));

create policy "Users can end their own waits"
  on public.chat_tool_waits for delete to authenticated
  using (user_id = (select public.requesting_user_id()));

-- An answer continued after its tools' results is the same message, updated: the tokens of each
-- continuation are counted then (the day's usage, and the activity log's tokens, not as an answer).
alter table public.chat_activity drop constraint chat_activity_kind_check;
alter table public.chat_activity add constraint chat_activity_kind_check
  check (kind in ('question', 'answer', 'continuation', 'session', 'error'));

create or replace function public.chat_messages_account_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  owner uuid := (select s.user_id from public.chat_sessions s where s.id = new.session_id);
  prompt integer := coalesce(public.chat_metadata_int(new.metadata, 'usage', 'prompt_tokens'), 0)
                  - coalesce(public.chat_metadata_int(old.metadata, 'usage', 'prompt_tokens'), 0);
  completion integer := coalesce(public.chat_metadata_int(new.metadata, 'usage', 'completion_tokens'), 0)
                      - coalesce(public.chat_metadata_int(old.metadata, 'usage', 'completion_tokens'), 0);
begin
  if prompt = 0 and completion = 0 then
    return null;
  end if;
  insert into public.chat_activity (kind, user_id, session_id, prompt_tokens, completion_tokens)
  values ('continuation', owner, new.session_id, prompt, completion);
  insert into public.chat_usage_daily as u (user_id, day, prompt_tokens, completion_tokens)
  values (owner, (now() at time zone 'utc')::date, prompt, completion)
  on conflict (user_id, day) do update
    set prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = u.completion_tokens + excluded.completion_tokens;
  return null;
end;
$$;

revoke all on function public.chat_messages_account_update() from public;

create trigger chat_messages_account_update
  after update of metadata on public.chat_messages
  for each row when (new.role = 'assistant' and new.metadata -> 'usage' is distinct from old.metadata -> 'usage')
  execute function public.chat_messages_account_update();
