-- Attachments: row-level security of chat_attachments, chat_message_attachments and
-- chat_attachment_chunks (everything follows ownership of the attachment, and a link needs
-- both ends to be the user's), the garbage queue no user may touch, the delete trigger that
-- fills it whatever deleted the row, and full-text search over passages.
begin;
select plan(67);

-- Shape and grants ------------------------------------------------------------------------
select policies_are('public', 'chat_attachments', array[
  'Users can read their own attachments',
  'Users can upload their own attachments',
  'Users can update their own attachments',
  'Users can delete their own attachments'
]);
select policies_are('public', 'chat_message_attachments', array[
  'Users can read links of their own attachments',
  'Users can link their own attachments to their own messages',
  'Users can unlink their own attachments'
]);
select policies_are('public', 'chat_attachment_chunks', array[
  'Users can read passages of their own attachments',
  'Users can add passages to their own attachments',
  'Users can delete passages of their own attachments'
]);
select policies_are('public', 'chat_attachment_garbage', array[]::name[]);
select is(
  (select array_agg(relname::text order by relname) from pg_catalog.pg_class
   where relnamespace = 'public'::regnamespace and relrowsecurity
     and relname in ('chat_attachments', 'chat_message_attachments', 'chat_attachment_chunks', 'chat_attachment_garbage')),
  array['chat_attachment_chunks', 'chat_attachment_garbage', 'chat_attachments', 'chat_message_attachments'],
  'row-level security is enabled on all four tables'
);
select table_privs_are('public', 'chat_attachments', 'authenticated', array['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
select table_privs_are('public', 'chat_message_attachments', 'authenticated', array['SELECT', 'INSERT', 'DELETE'],
  'links are added and removed, never changed');
select table_privs_are('public', 'chat_attachment_chunks', 'authenticated', array['SELECT', 'INSERT', 'DELETE'],
  'passages are added and removed, never changed');
select table_privs_are('public', 'chat_attachment_garbage', 'authenticated', array[]::text[],
  'authenticated has no access to the garbage queue');
select table_privs_are('public', 'chat_attachments', 'anon', array[]::text[], 'anon has no access to attachments');
select table_privs_are('public', 'chat_message_attachments', 'anon', array[]::text[], 'anon has no access to links');
select table_privs_are('public', 'chat_attachment_chunks', 'anon', array[]::text[], 'anon has no access to passages');
select table_privs_are('public', 'chat_attachment_garbage', 'anon', array[]::text[], 'anon has no access to the queue');

-- Alice (1111) and Bob (2222), a session and two messages each ------------------------------
insert into public.users (id) values
  ('11111111-1111-1111-1111-111111111111'),
  ('22222222-2222-2222-2222-222222222222');
insert into public.chat_sessions (id, user_id, last_seq) values
  ('a1000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 2),
  ('b1000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 2);
insert into public.chat_messages (id, session_id, seq, role, content) values
  ('a2000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000001', 1, 'user', 'Alice asks'),
  ('a2000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Alice is answered'),
  ('b2000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'user', 'Bob asks'),
  ('b2000000-0000-0000-0000-000000000002', 'b1000000-0000-0000-0000-000000000001', 2, 'assistant', 'Bob is answered');

-- Alice: manual.pdf sent in her session, draft.md uploaded and not used yet. Bob: bob.pdf.
insert into public.chat_attachments
  (id, user_id, session_id, filename, media_type, kind, size_bytes, sha256, storage_key, expires_at) values
  ('a3000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111', 'a1000000-0000-0000-0000-000000000001',
   'manual.pdf', 'application/pdf', 'document', 1000, 'aa', '11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000001', null),
  ('a3000000-0000-0000-0000-000000000002', '11111111-1111-1111-1111-111111111111', null,
   'draft.md', 'text/markdown', 'text', 10, 'ab', '11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000002', now() + interval '1 day'),
  ('b3000000-0000-0000-0000-000000000001', '22222222-2222-2222-2222-222222222222', 'b1000000-0000-0000-0000-000000000001',
   'bob.pdf', 'application/pdf', 'document', 2000, 'ba', '22222222-2222-2222-2222-222222222222/b3000000-0000-0000-0000-000000000001', null);
insert into public.chat_message_attachments (message_id, attachment_id, position) values
  ('a2000000-0000-0000-0000-000000000001', 'a3000000-0000-0000-0000-000000000001', 0),
  ('b2000000-0000-0000-0000-000000000001', 'b3000000-0000-0000-0000-000000000001', 0);
insert into public.chat_attachment_chunks (attachment_id, seq, page, tokens, content) values
  ('a3000000-0000-0000-0000-000000000001', 0, 1, 6, 'Unpacking the pump and its parts'),
  ('a3000000-0000-0000-0000-000000000001', 1, 12, 7, 'Replacing the Impeller: close the valve first'),
  ('b3000000-0000-0000-0000-000000000001', 0, 3, 5, 'Bob''s impeller notes, private');

-- Alice -----------------------------------------------------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

select results_eq(
  $$ select filename from public.chat_attachments order by filename $$,
  $$ values ('draft.md'), ('manual.pdf') $$,
  'select: a user sees exactly their own attachments'
);
select is_empty(
  $$ select * from public.chat_attachments where id = 'b3000000-0000-0000-0000-000000000001' $$,
  'select: another user''s attachment is invisible even by id'
);
select results_eq(
  $$ select message_id, attachment_id from public.chat_message_attachments $$,
  $$ values ('a2000000-0000-0000-0000-000000000001'::uuid, 'a3000000-0000-0000-0000-000000000001'::uuid) $$,
  'select: a user sees only the links of their own attachments'
);
select results_eq(
  $$ select attachment_id, seq from public.chat_attachment_chunks order by seq $$,
  $$ values ('a3000000-0000-0000-0000-000000000001'::uuid, 0), ('a3000000-0000-0000-0000-000000000001'::uuid, 1) $$,
  'select: a user sees only the passages of their own attachments'
);
select results_eq(
  $$ select page, content from public.chat_attachment_chunks
     where search @@ websearch_to_tsquery('simple', 'impeller') $$,
  $$ values (12, 'Replacing the Impeller: close the valve first') $$,
  'full-text search finds a word in the user''s own passages (any case), not in another user''s'
);
select results_eq(
  $$ select seq from public.chat_attachment_chunks
     where search @@ websearch_to_tsquery('simple', 'valve pump') $$,
  $$ select 1 where false $$,
  'full-text search wants every word in one passage'
);

-- insert
select lives_ok(
  $$ insert into public.chat_attachments (id, user_id, session_id, filename, media_type, kind, size_bytes, sha256, storage_key)
     values ('a3000000-0000-0000-0000-000000000003', '11111111-1111-1111-1111-111111111111', 'a1000000-0000-0000-0000-000000000001',
       'photo.png', 'image/png', 'image', 500, 'ac', '11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000003') $$,
  'insert: a user can add an attachment of their own'
);
select throws_ok(
  $$ insert into public.chat_attachments (user_id, filename, media_type, kind, size_bytes, sha256, storage_key)
     values ('22222222-2222-2222-2222-222222222222', 'planted.pdf', 'application/pdf', 'document', 1, 'x',
       '22222222-2222-2222-2222-222222222222/c3000000-0000-0000-0000-000000000001') $$,
  '42501', 'new row violates row-level security policy for table "chat_attachments"',
  'insert: an attachment for another user is refused'
);
select lives_ok(
  $$ insert into public.chat_message_attachments (message_id, attachment_id, position)
     values ('a2000000-0000-0000-0000-000000000001', 'a3000000-0000-0000-0000-000000000003', 1) $$,
  'insert: a user can link their attachment to their own message'
);
select throws_ok(
  $$ insert into public.chat_message_attachments (message_id, attachment_id, position)
     values ('b2000000-0000-0000-0000-000000000001', 'a3000000-0000-0000-0000-000000000002', 1) $$,
  '42501', 'new row violates row-level security policy for table "chat_message_attachments"',
  'insert: linking one''s attachment to another user''s message is refused'
);
select throws_ok(
  $$ insert into public.chat_message_attachments (message_id, attachment_id, position)
     values ('a2000000-0000-0000-0000-000000000001', 'b3000000-0000-0000-0000-000000000001', 2) $$,
  '42501', 'new row violates row-level security policy for table "chat_message_attachments"',
  'insert: linking another user''s attachment to one''s message is refused'
);
select lives_ok(
  $$ insert into public.chat_attachment_chunks (attachment_id, seq, tokens, content)
     values ('a3000000-0000-0000-0000-000000000003', 0, 2, 'A photo') $$,
  'insert: a user can add passages to their own attachment'
);
select throws_ok(
  $$ insert into public.chat_attachment_chunks (attachment_id, seq, tokens, content)
     values ('b3000000-0000-0000-0000-000000000001', 9, 2, 'Planted passage') $$,
  '42501', 'new row violates row-level security policy for table "chat_attachment_chunks"',
  'insert: passages in another user''s attachment are refused'
);

-- update
select results_eq(
  $$ update public.chat_attachments set session_id = 'a1000000-0000-0000-0000-000000000001', expires_at = null
     where id = 'a3000000-0000-0000-0000-000000000002' returning session_id $$,
  $$ values ('a1000000-0000-0000-0000-000000000001'::uuid) $$,
  'update: a user can attach their upload to their own session'
);
select throws_ok(
  $$ update public.chat_attachments set session_id = 'b1000000-0000-0000-0000-000000000001'
     where id = 'a3000000-0000-0000-0000-000000000002' $$,
  '42501', 'new row violates row-level security policy for table "chat_attachments"',
  'update: attaching one''s upload to another user''s session is refused'
);
select throws_ok(
  $$ update public.chat_attachments set user_id = '22222222-2222-2222-2222-222222222222'
     where id = 'a3000000-0000-0000-0000-000000000002' $$,
  '42501', 'new row violates row-level security policy for table "chat_attachments"',
  'update: giving one''s attachment to another user is refused'
);
select is_empty(
  $$ update public.chat_attachments set filename = 'hijacked.pdf'
     where id = 'b3000000-0000-0000-0000-000000000001' returning id $$,
  'update: another user''s attachment is not updated'
);
select throws_ok(
  $$ update public.chat_attachment_chunks set content = 'x' $$,
  '42501', 'permission denied for table chat_attachment_chunks',
  'update: passages are never changed'
);

-- delete
select is_empty(
  $$ delete from public.chat_message_attachments where attachment_id = 'b3000000-0000-0000-0000-000000000001' returning 1 $$,
  'delete: another user''s links are not removed'
);
select is_empty(
  $$ delete from public.chat_attachment_chunks where attachment_id = 'b3000000-0000-0000-0000-000000000001' returning 1 $$,
  'delete: another user''s passages are not removed'
);
select is_empty(
  $$ delete from public.chat_attachments where user_id = '22222222-2222-2222-2222-222222222222' returning id $$,
  'delete: another user''s attachments are not deleted'
);

-- the garbage queue
select throws_ok(
  $$ select * from public.chat_attachment_garbage $$,
  '42501', 'permission denied for table chat_attachment_garbage', 'garbage: a user cannot read the queue'
);
select throws_ok(
  $$ insert into public.chat_attachment_garbage (storage_key) values ('22222222-2222-2222-2222-222222222222/b3000000-0000-0000-0000-000000000001') $$,
  '42501', 'permission denied for table chat_attachment_garbage',
  'garbage: a user cannot queue someone''s file for deletion'
);
select throws_ok(
  $$ delete from public.chat_attachment_garbage $$,
  '42501', 'permission denied for table chat_attachment_garbage', 'garbage: a user cannot empty the queue'
);
select throws_ok(
  $$ select public.chat_attachment_collect() $$,
  '42501', 'permission denied for function chat_attachment_collect',
  'garbage: a user cannot call the trigger function'
);

-- Bob -------------------------------------------------------------------------------------
set local request.jwt.claims to '{"sub":"22222222-2222-2222-2222-222222222222","role":"authenticated"}';

select results_eq(
  $$ select filename from public.chat_attachments $$, $$ values ('bob.pdf') $$,
  'select: the other user sees only their own attachment'
);
select results_eq(
  $$ select content from public.chat_attachment_chunks where search @@ websearch_to_tsquery('simple', 'impeller') $$,
  $$ values ('Bob''s impeller notes, private') $$,
  'full-text search: the other user finds only their own passage'
);
select is_empty(
  $$ delete from public.chat_attachments where id = 'a3000000-0000-0000-0000-000000000002' returning id $$,
  'delete: the check works both ways'
);

-- A token without `sub`, and anon ---------------------------------------------------------
set local request.jwt.claims to '{"role":"authenticated"}';
select is_empty($$ select * from public.chat_attachments $$, 'no sub: no attachments');
select is_empty($$ select * from public.chat_message_attachments $$, 'no sub: no links');
select is_empty($$ select * from public.chat_attachment_chunks $$, 'no sub: no passages');
select is_empty($$ delete from public.chat_attachments returning id $$, 'no sub: delete touches nothing');

reset role;
set local role anon;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"anon"}';
select throws_ok(
  $$ select * from public.chat_attachments $$,
  '42501', 'permission denied for table chat_attachments', 'anon: attachments are denied'
);
select throws_ok(
  $$ select * from public.chat_message_attachments $$,
  '42501', 'permission denied for table chat_message_attachments', 'anon: links are denied'
);
select throws_ok(
  $$ select * from public.chat_attachment_chunks $$,
  '42501', 'permission denied for table chat_attachment_chunks', 'anon: passages are denied'
);

-- What happened, seen past RLS ------------------------------------------------------------
reset role;
select results_eq(
  $$ select filename, user_id from public.chat_attachments order by filename $$,
  $$ values ('bob.pdf', '22222222-2222-2222-2222-222222222222'::uuid),
            ('draft.md', '11111111-1111-1111-1111-111111111111'::uuid),
            ('manual.pdf', '11111111-1111-1111-1111-111111111111'::uuid),
            ('photo.png', '11111111-1111-1111-1111-111111111111'::uuid) $$,
  'every refused attempt left the attachments as they were, nothing was planted'
);
select is(
  (select count(*)::int from public.chat_attachment_chunks where attachment_id = 'b3000000-0000-0000-0000-000000000001'),
  1, 'another user''s passages survived, none was planted'
);
select is(
  (select count(*)::int from public.chat_message_attachments where message_id = 'b2000000-0000-0000-0000-000000000001'),
  1, 'another user''s message carries only its own attachment'
);
select is_empty($$ select * from public.chat_attachment_garbage $$, 'nothing is queued yet');

-- The delete trigger, fired through RLS by the owner --------------------------------------
set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';

-- Back to an upload no message used, and deleted as such.
select lives_ok(
  $$ insert into public.chat_attachments (id, user_id, filename, media_type, kind, size_bytes, sha256, storage_key, expires_at)
     values ('a3000000-0000-0000-0000-000000000004', '11111111-1111-1111-1111-111111111111', 'unused.txt', 'text/plain',
       'text', 3, 'ad', '11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000004', now() + interval '1 day') $$,
  'an upload no message uses'
);
select results_eq(
  $$ delete from public.chat_attachments where id = 'a3000000-0000-0000-0000-000000000004' returning filename $$,
  $$ values ('unused.txt') $$,
  'the owner deletes an unused upload'
);
reset role;
select results_eq(
  $$ select storage_key from public.chat_attachment_garbage $$,
  $$ values ('11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000004') $$,
  'deleting an unused upload queues its file'
);

set local role authenticated;
set local request.jwt.claims to '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}';
select results_eq(
  $$ delete from public.chat_sessions where id = 'a1000000-0000-0000-0000-000000000001' returning id $$,
  $$ values ('a1000000-0000-0000-0000-000000000001'::uuid) $$,
  'the owner deletes their session'
);
select is_empty($$ select * from public.chat_attachments $$, 'the owner has no attachments left');

reset role;
select is_empty(
  $$ select * from public.chat_attachments where user_id = '11111111-1111-1111-1111-111111111111' $$,
  'deleting a session deleted the attachments it used'
);
select is_empty(
  $$ select * from public.chat_attachment_chunks where attachment_id::text like 'a3%' $$,
  'and their passages'
);
select is_empty(
  $$ select * from public.chat_message_attachments where attachment_id::text like 'a3%' $$,
  'and their links'
);
select results_eq(
  $$ select storage_key from public.chat_attachment_garbage order by storage_key $$,
  $$ values ('11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000001'),
            ('11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000002'),
            ('11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000003'),
            ('11111111-1111-1111-1111-111111111111/a3000000-0000-0000-0000-000000000004') $$,
  'deleting a session queued the files of its attachments'
);
select results_eq(
  $$ select filename from public.chat_attachments $$, $$ values ('bob.pdf') $$,
  'another user''s attachment is untouched'
);

-- Whatever deletes the row queues its file: here a deleted user, and a key queued twice.
insert into public.chat_attachment_garbage (storage_key)
  values ('22222222-2222-2222-2222-222222222222/b3000000-0000-0000-0000-000000000001');
select lives_ok(
  $$ delete from public.users where id = '22222222-2222-2222-2222-222222222222' $$,
  'a user is deleted while their file is already queued'
);
select is(
  (select count(*)::int from public.chat_attachment_garbage where storage_key like '22222222-%'),
  1, 'deleting a user queues their files, once'
);
select is((select count(*)::int from public.chat_attachments), 0, 'no attachment is left');

-- The passages' search is served by its index ----------------------------------------------
select has_index('public', 'chat_attachment_chunks', 'chat_attachment_chunks_search_idx',
  'passages have a full-text index');
select is(
  (select amname::text from pg_catalog.pg_class c join pg_catalog.pg_am a on a.oid = c.relam
   where c.oid = 'public.chat_attachment_chunks_search_idx'::regclass),
  'gin', 'the full-text index is a GIN index'
);

select * from finish();
rollback;
