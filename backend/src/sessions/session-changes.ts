import { Injectable } from '@nestjs/common';

/**
 * Tells whoever keeps something of a session in memory (the send path's remembered windows) that
 * the session changed other than by a send: a branch chosen, its settings edited, cleared,
 * deleted. Sessions sit below chat, so they announce instead of calling into it.
 */
@Injectable()
export class SessionChanges {
  private readonly listeners: Array<(sessionId: string) => void> = [];
  private readonly removedListeners: Array<(sessionId: string) => void> = [];

  listen(listener: (sessionId: string) => void): void {
    this.listeners.push(listener);
  }

  changed(sessionId: string): void {
    for (const listener of this.listeners) listener(sessionId);
  }

  /** After a session's deletion committed (its attachments' files can go): `changed` comes before it. */
  listenRemoved(listener: (sessionId: string) => void): void {
    this.removedListeners.push(listener);
  }

  removed(sessionId: string): void {
    for (const listener of this.removedListeners) listener(sessionId);
  }
}
