-- Attachments: files, images and voice messages a user uploads and sends with a message.
-- The bytes live in a store (a folder, or an S3-compatible bucket); these tables hold what Pulse
-- knows of them, owned by the uploader and protected by row-level security like the messages.

create table public.chat_attachments (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  -- Set by the first message that uses it; the attachment goes away with that session.
  session_id uuid references public.chat_sessions (id) on delete cascade,
  filename text not null check (char_length(filename) between 1 and 255),
  media_type text not null,
  kind text not null check (kind in ('image', 'text', 'document', 'audio')),
  size_bytes bigint not null check (size_bytes > 0),
  sha256 text not null,
  storage_key text not null unique,
  created_at timestamptz not null default now(),
  -- An upload no message used is deleted after this; null once a message uses it.
  expires_at timestamptz,
  -- pages, tokens, transcript, duration: what was read from the file.
  metadata jsonb not null default '{}'::jsonb
);

comment on table public.chat_attachments is
  'Files users uploaded. The bytes are in the attachment store under storage_key; deleting a row queues its file for deletion.';

create index chat_attachments_user_idx on public.chat_attachments (user_id, created_at);
create index chat_attachments_session_idx on public.chat_attachments (session_id) where session_id is not null;
create index chat_attachments_expiry_idx on public.chat_attachments (expires_at) where expires_at is not null;

-- Which messages carry which attachments, in the order they were sent.
create table public.chat_message_attachments (
  message_id uuid not null references public.chat_messages (id) on delete cascade,
  attachment_id uuid not null references public.chat_attachments (id) on delete cascade,
  position smallint not null,
  primary key (message_id, attachment_id)
);

create index chat_message_attachments_attachment_idx on public.chat_message_attachments (attachment_id);

-- The text of a document or text file in passages, each with its page, searched when a file is
-- longer than the model is given whole (ATTACHMENT_TEXT_MAX_TOKENS).
create table public.chat_attachment_chunks (
  attachment_id uuid not null references public.chat_attachments (id) on delete cascade,
  seq integer not null,
  page integer,
  tokens integer not null,
  content text not null,
  search tsvector generated always as (to_tsvector('simple', content)) stored,
  primary key (attachment_id, seq)
);

create index chat_attachment_chunks_search_idx on public.chat_attachment_chunks using gin (search);

-- Files whose row is gone, waiting for the store to delete them. Written by a trigger, so a
-- deleted session, user or upload never leaves its file behind, whatever deleted it.
create table public.chat_attachment_garbage (
  storage_key text primary key,
  deleted_at timestamptz not null default now()
);

comment on table public.chat_attachment_garbage is
  'Store keys of deleted attachments; Pulse deletes the files and then these rows. Not readable by users.';

create or replace function public.chat_attachment_collect()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.chat_attachment_garbage (storage_key) values (old.storage_key)
    on conflict (storage_key) do nothing;
  return old;
end
$$;

revoke all on function public.chat_attachment_collect() from public;

create trigger chat_attachments_collect
  after delete on public.chat_attachments
  for each row execute function public.chat_attachment_collect();

alter table public.chat_attachments enable row level security;
alter table public.chat_message_attachments enable row level security;
alter table public.chat_attachment_chunks enable row level security;
alter table public.chat_attachment_garbage enable row level security;

revoke all on public.chat_attachments, public.chat_message_attachments, public.chat_attachment_chunks,
  public.chat_attachment_garbage from anon;
revoke all on public.chat_attachment_garbage from authenticated;
grant select, insert, update, delete on public.chat_attachments to authenticated;
grant select, insert, delete on public.chat_message_attachments, public.chat_attachment_chunks to authenticated;

create policy "Users can read their own attachments"
  on public.chat_attachments for select to authenticated
  using (user_id = (select public.requesting_user_id()));

create policy "Users can upload their own attachments"
  on public.chat_attachments for insert to authenticated
  with check (user_id = (select public.requesting_user_id()));

-- Linking to a session: only to one of the user's own.
create policy "Users can update their own attachments"
  on public.chat_attachments for update to authenticated
  using (user_id = (select public.requesting_user_id()))
  with check (
    user_id = (select public.requesting_user_id())
    and (session_id is null or exists (
      select 1 from public.chat_sessions s
      where s.id = session_id and s.user_id = (select public.requesting_user_id())
    ))
  );

create policy "Users can delete their own attachments"
  on public.chat_attachments for delete to authenticated
  using (user_id = (select public.requesting_user_id()));

create policy "Users can read links of their own attachments"
  on public.chat_message_attachments for select to authenticated
  using (exists (
    select 1 from public.chat_attachments a
    where a.id = attachment_id and a.user_id = (select public.requesting_user_id())
  ));

-- Both ends must be the user's: their attachment on a message of their own session.
create policy "Users can link their own attachments to their own messages"
  on public.chat_message_attachments for insert to authenticated
  with check (
    exists (
      select 1 from public.chat_attachments a
      where a.id = attachment_id and a.user_id = (select public.requesting_user_id())
    )
    and exists (
      select 1 from public.chat_messages m join public.chat_sessions s on s.id = m.session_id
      where m.id = message_id and s.user_id = (select public.requesting_user_id())
    )
  );

create policy "Users can unlink their own attachments"
  on public.chat_message_attachments for delete to authenticated
  using (exists (
    select 1 from public.chat_attachments a
    where a.id = attachment_id and a.user_id = (select public.requesting_user_id())
  ));

create policy "Users can read passages of their own attachments"
  on public.chat_attachment_chunks for select to authenticated
  using (exists (
    select 1 from public.chat_attachments a
    where a.id = attachment_id and a.user_id = (select public.requesting_user_id())
  ));

create policy "Users can add passages to their own attachments"
  on public.chat_attachment_chunks for insert to authenticated
  with check (exists (
    select 1 from public.chat_attachments a
    where a.id = attachment_id and a.user_id = (select public.requesting_user_id())
  ));

create policy "Users can delete passages of their own attachments"
  on public.chat_attachment_chunks for delete to authenticated
  using (exists (
    select 1 from public.chat_attachments a
    where a.id = attachment_id and a.user_id = (select public.requesting_user_id())
  ));
