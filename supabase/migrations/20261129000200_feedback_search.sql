-- Feedback on answers, and full-text search over one's own sessions.

-- Feedback ------------------------------------------------------------------------------
create table public.chat_message_feedback (
  -- One rating per message: its owner changes it in place.
  message_id uuid primary key references public.chat_messages (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  rating text not null check (rating in ('up', 'down')),
  comment text check (char_length(comment) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table public.chat_message_feedback is 'Thumbs up or down, with an optional comment, on an assistant message; one row per message, owned by the session''s user.';

-- Deleting a user cascades through user_id: without an index that would read the whole table.
create index chat_message_feedback_user_idx on public.chat_message_feedback (user_id);

alter table public.chat_message_feedback enable row level security;

revoke all on public.chat_message_feedback from anon;
grant select, insert, update, delete on public.chat_message_feedback to authenticated;

create policy "Users can read their own feedback"
  on public.chat_message_feedback for select to authenticated
  using (user_id = (select public.requesting_user_id()));

-- Only on assistant messages of the user's own sessions.
create policy "Users can rate answers in their own sessions"
  on public.chat_message_feedback for insert to authenticated
  with check (
    user_id = (select public.requesting_user_id())
    and exists (
      select 1 from public.chat_messages m join public.chat_sessions s on s.id = m.session_id
       where m.id = message_id and m.role = 'assistant' and s.user_id = (select public.requesting_user_id())
    )
  );

create policy "Users can change their own feedback"
  on public.chat_message_feedback for update to authenticated
  using (user_id = (select public.requesting_user_id()))
  with check (
    user_id = (select public.requesting_user_id())
    and exists (
      select 1 from public.chat_messages m join public.chat_sessions s on s.id = m.session_id
       where m.id = message_id and m.role = 'assistant' and s.user_id = (select public.requesting_user_id())
    )
  );

create policy "Users can delete their own feedback"
  on public.chat_message_feedback for delete to authenticated
  using (user_id = (select public.requesting_user_id()));

-- Search --------------------------------------------------------------------------------
-- The 'simple' configuration: no stemming and no stop words, so it behaves the same for every
-- language (an English stemmer would mangle French or Japanese text).
--
-- The session is part of the index, as a one-element array (GIN's built-in array_ops, so no
-- btree_gin extension, which PGlite would have to load separately): a search probes one
-- session's matches, and its cost follows the caller's own data, not the whole table's.
-- The (session_id, seq) btree cannot serve `array[session_id] @> ...`, so the planner cannot
-- choose it and filter a 100,000-message session row by row.
-- fastupdate off: with GIN's pending list (up to 4 MB of unsorted new entries) every probe
-- would read the whole list, about 8 ms per session measured, so a user with 10,000 sessions
-- would wait over a minute; a chat stores a message every few seconds, so inserting straight
-- into the index costs little.
create index chat_messages_search_idx
  on public.chat_messages using gin ((array[session_id]), to_tsvector('simple', content))
  with (fastupdate = off);

comment on index public.chat_messages_search_idx is 'Full-text search of messages (''simple'' configuration), probed one session at a time by search_chat_sessions().';

-- The caller's sessions whose title or any message matches `query` (websearch syntax, so quotes,
-- OR and -word work and no input is a syntax error), most recently active first, keyset after
-- (after_updated_at, after_id), with one matching message each (null when only the title matched).
--
-- Security definer because row-level security would defeat the index: the full-text operator @@
-- is not leakproof, so under RLS Postgres must check each row's policy before trying the match
-- and reads every message of every session instead of the index. The function therefore
-- checks ownership itself, against the same requesting_user_id() the policies use; it cannot be
-- pointed at another user's sessions.
create function public.search_chat_sessions(
  query text,
  include_archived boolean default false,
  after_updated_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 21
)
returns table (
  id uuid,
  title text,
  system_prompt text,
  is_active boolean,
  created_at timestamptz,
  updated_at timestamptz,
  last_message_at timestamptz,
  metadata jsonb,
  current_leaf_id uuid,
  match_message_id uuid,
  match_content text
)
language sql
stable
security definer
set search_path = ''
-- Its cost estimate (a probe per session) crosses the JIT threshold, and compiling takes
-- longer (about 30 ms) than the search itself.
set jit = off
as $$
  select s.id, s.title, s.system_prompt, s.is_active, s.created_at, s.updated_at, s.last_message_at, s.metadata,
         s.current_leaf_id, h.id, h.content
    from public.chat_sessions s
   cross join (select websearch_to_tsquery('simple', query) as q) x
    left join lateral (
      select m.id, m.content from public.chat_messages m
       where array[m.session_id] @> array[s.id] and to_tsvector('simple', m.content) @@ x.q
       limit 1
    ) h on true
   where s.user_id = (select public.requesting_user_id())
     and (include_archived or s.is_active)
     -- Without a cursor the bound is above every row, so it stays one index condition either way.
     and (s.updated_at, s.id) < (coalesce(after_updated_at, 'infinity'::timestamptz),
                                 coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid))
     and (h.id is not null or to_tsvector('simple', s.title) @@ x.q)
   order by s.updated_at desc, s.id desc
   limit least(greatest(max_rows, 1), 101)
$$;

comment on function public.search_chat_sessions(text, boolean, timestamptz, uuid, integer) is
  'Full-text search of the caller''s own sessions (title and messages), newest activity first, keyset paged.';

revoke all on function public.search_chat_sessions(text, boolean, timestamptz, uuid, integer) from public, anon;
grant execute on function public.search_chat_sessions(text, boolean, timestamptz, uuid, integer) to authenticated;
