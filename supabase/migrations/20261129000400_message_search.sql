-- Search at the level of messages: every matching message of the caller's sessions, newest first.

-- The caller's matching messages (websearch syntax, so no input is a syntax error), newest first,
-- keyset after (after_created_at, after_id), each with its session's title; a session whose title
-- matches while none of its messages does is a hit too, with a null message (dated by the
-- session's creation, which never moves, so pages stay stable). All versions of a message count
-- (edits and regenerations off the active branch too): the client can open one with
-- POST /api/chat/sessions/{id}/branch.
--
-- Security definer for the reason search_chat_sessions() is (see 20261129000200): under
-- row-level security the non-leakproof @@ would make Postgres read every message before the
-- index. Ownership is checked here instead, against requesting_user_id(), the policies' own test.
--
-- Probes of chat_messages_search_idx with the caller's session ids (array overlap, which the
-- index's array_ops column serves) and the query: the bitmaps hold the caller's matches only,
-- never another user's, and a top-N sort keeps `max_rows` of them. Newest first over full text
-- needs every match before the first row (a GIN index has no order), so the cost follows the
-- number of the caller's matching messages (measured in the README's Search section), never the
-- table's size; only the page's rows have their text read.
create function public.search_chat_messages(
  query text,
  include_archived boolean default false,
  after_created_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 21
)
returns table (
  session_id uuid,
  session_title text,
  message_id uuid,
  role text,
  created_at timestamptz,
  content text
)
language sql
stable
security definer
set search_path = ''
-- As for search_chat_sessions(): compiling would take longer than the search.
set jit = off
as $$
  with mine as materialized (
    select s.id, s.title, s.created_at from public.chat_sessions s
     where s.user_id = (select public.requesting_user_id())
       and (include_archived or s.is_active)
  ),
  x as (select websearch_to_tsquery('simple', query) as q),
  -- Every matching message of the caller's, without its text: the order needs them all, and the
  -- title hits need to know which sessions have one.
  -- The caller's sessions in groups of up to 100: GIN checks a row against every id of an
  -- overlap, so one probe with 10,000 ids costs a second on a common word, 10,000 one-id probes
  -- cost a second on any word, and probes of 100 cost tens of milliseconds.
  batches as (
    select array_agg(b.id) as ids
      from (select mine.id, (row_number() over ()) / 100 as n from mine) b
     group by b.n
  ),
  hits as materialized (
    select m.id, m.session_id, m.role, m.created_at
      from batches
     cross join x
     cross join lateral (
       select m.id, m.session_id, m.role, m.created_at from public.chat_messages m
        where array[m.session_id] && batches.ids and to_tsvector('simple', m.content) @@ x.q
     ) m
  ),
  page as (
    select h.session_id, h.title, h.id as message_id, h.role, h.created_at, h.id as key
      from (
        select h.session_id, s.title, h.id, h.role, h.created_at from hits h join mine s on s.id = h.session_id
        union all
        select s.id, s.title, null, null, s.created_at
          from mine s
         cross join x
         where to_tsvector('simple', s.title) @@ x.q
           and not exists (select 1 from hits h where h.session_id = s.id)
      ) h
     -- Without a cursor the bound is above every row.
     where (h.created_at, h.id) < (coalesce(after_created_at, 'infinity'::timestamptz),
                                   coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid))
     order by h.created_at desc, h.id desc
     limit least(greatest(max_rows, 1), 51)
  )
  -- The text of the page's messages only, by primary key.
  select p.session_id, p.title, p.message_id, p.role, p.created_at,
         coalesce((select m.content from public.chat_messages m where m.id = p.message_id), p.title)
    from page p
   order by p.created_at desc, p.key desc
$$;

comment on function public.search_chat_messages(text, boolean, timestamptz, uuid, integer) is
  'Full-text search of the caller''s own messages (and titles of sessions with no matching message), newest first, keyset paged.';

revoke all on function public.search_chat_messages(text, boolean, timestamptz, uuid, integer) from public, anon;
grant execute on function public.search_chat_messages(text, boolean, timestamptz, uuid, integer) to authenticated;
