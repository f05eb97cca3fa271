-- Branches: messages form a tree. Each message follows a parent (null for the first of a
-- session); editing a question or regenerating an answer adds a sibling under the same parent.
-- The session's current_leaf_id is the tip of the active branch, which reads walk up from.

alter table public.chat_messages add column parent_id uuid;

comment on column public.chat_messages.parent_id is
  'The message this one answers or follows; null for the first of a session. Always in the same session.';

-- Existing sessions were linear: each message follows the one before it.
update public.chat_messages m
   set parent_id = prev.parent_id
  from (
    select id, lag(id) over (partition by session_id order by seq) as parent_id
      from public.chat_messages
  ) prev
 where prev.id = m.id and prev.parent_id is not null;

-- The target of the composite foreign keys below: a parent (or a leaf) must be a message of the
-- same session, so neither can point into someone else's session even though foreign key checks
-- bypass row-level security.
alter table public.chat_messages
  add constraint chat_messages_session_id_id_key unique (session_id, id);

alter table public.chat_messages
  add constraint chat_messages_parent_fkey foreign key (session_id, parent_id)
  references public.chat_messages (session_id, id) on delete cascade;

-- The children of a message (siblings, and "the newest child" when a branch is chosen), in
-- creation order; `parent_id is null` finds a session's first messages through it too.
create index chat_messages_parent_idx on public.chat_messages (session_id, parent_id, seq);

alter table public.chat_sessions add column current_leaf_id uuid;

comment on column public.chat_sessions.current_leaf_id is
  'The last message of the active branch; null when the session has no messages.';

update public.chat_sessions s
   set current_leaf_id = (
     select m.id from public.chat_messages m where m.session_id = s.id order by m.seq desc limit 1
   );

alter table public.chat_sessions
  add constraint chat_sessions_current_leaf_fkey foreign key (id, current_leaf_id)
  references public.chat_messages (session_id, id) on delete set null (current_leaf_id);
