import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { SessionChanges } from '../sessions/session-changes.js';
import { KnownWindows } from './known-windows.js';

/**
 * Keeps this process's remembered windows true: a session changed other than by a send (here, or
 * on another replica) is forgotten. Replicas announce the sessions they change on the Redis
 * channel `<prefix>windows` as `<replica> <session>`; each forgets its own window of them.
 */
@Injectable()
export class KnownWindowsSync implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(KnownWindowsSync.name);
  private subscriber?: Redis;

  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly config: AppConfig,
    private readonly known: KnownWindows,
    private readonly changes: SessionChanges,
  ) {}

  async onModuleInit(): Promise<void> {
    this.changes.listen((sessionId) => this.known.forget(sessionId));
    if (!this.redis) return;
    const redis = this.redis;
    const channel = `${this.config.redis.keyPrefix}windows`;
    // A replica hears its own announcements too; they name it, so it leaves its own windows be.
    const replica = randomUUID();
    this.subscriber = redis.duplicate({ keyPrefix: '' });
    this.subscriber.on('message', (_channel: string, message: string) => {
      if (!message.startsWith(replica)) this.known.forgetAnnounced(message.slice(message.indexOf(' ') + 1));
    });
    await this.subscriber.subscribe(channel);
    this.known.announceTo((sessionId) => {
      redis.publish(channel, `${replica} ${sessionId}`).catch((err: unknown) => {
        this.logger.warn({ err }, 'could not announce a changed session');
      });
    });
  }

  beforeApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
