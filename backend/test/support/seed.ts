// Rows for specs that need data but do not test the HTTP path that makes it: written with SQL
// through the backend's repositories, inside the owner's RLS transaction, as the services write
// them. A spec that tests creating a session or sending a message still goes through the API.
import { randomUUID } from 'node:crypto';
import { MessagesRepository, type Role } from '../../src/sessions/messages.repository.js';
import { SessionsRepository } from '../../src/sessions/sessions.repository.js';
import type { TestApp } from './test-app.js';

export type SeedUser = Awaited<ReturnType<TestApp['user']>>;

/** Seed factories on `t`'s database (`t` may be the handle of useTestApp, read when called). */
export function seed(t: TestApp) {
  const sessions = new SessionsRepository();
  const messages = new MessagesRepository();

  /**
   * Stores `contents` in the fresh session `sessionId` as one branch (each message under the one
   * before, the leaf following), without asking a model. Resolves with their ids, oldest first.
   */
  const branch = (userId: string, sessionId: string, contents: [Role, string][]): Promise<string[]> =>
    t.db.asUser(userId, async (tx) => {
      const ids: string[] = [];
      let leaf: string | null = null;
      for (const [role, content] of contents) {
        const id = randomUUID();
        if (!(await messages.append(tx, sessionId, role, content, {}, id, { parentId: leaf, ifLeaf: leaf }))) {
          throw new Error(`session ${sessionId} is missing`);
        }
        ids.push(id);
        leaf = id;
      }
      return ids;
    });

  return {
    /** A user in public.users with a valid token. */
    user: (): Promise<SeedUser> => t.user(),

    /** A session of `user` titled `title` (the default title if none) holding `contents` as one branch. */
    session: async (
      user: { id: string },
      title?: string,
      contents: [Role, string][] = [],
    ): Promise<{ id: string; messages: string[] }> => {
      const { id } = await t.db.asUser(user.id, (tx) => sessions.create(tx, user.id, { title }));
      return { id, messages: await branch(user.id, id, contents) };
    },

    branch,

    /** `count` messages (`message 1`, `message 2`…, user and assistant in turn) as one branch. */
    messages: (user: { id: string }, sessionId: string, count: number): Promise<string[]> =>
      branch(
        user.id,
        sessionId,
        Array.from({ length: count }, (_, i): [Role, string] => [i % 2 ? 'assistant' : 'user', `message ${i + 1}`]),
      ),
  };
}
