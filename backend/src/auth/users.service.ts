import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { UsersRepository } from './users.repository.js';

const KNOWN_TTL_MS = 60_000;
const KNOWN_MAX = 10_000;

/** Decides whether a verified `sub` may use Pulse, remembering recent answers to spare a query per request. */
@Injectable()
export class UsersService {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {}

  async ensureKnown(id: string): Promise<void> {
    const until = this.known.get(id);
    if (until !== undefined && until > Date.now()) return;
    if (!(await this.users.exists(id))) {
      if (!this.config.auth.autoProvisionUsers) {
        throw new AppError('USER_NOT_FOUND', 'The token is valid but its user is not registered in public.users.');
      }
      await this.users.provision(id);
    }
    this.remember(id);
  }

  async provision(id: string, profile: { email?: string; display_name?: string }): Promise<void> {
    await this.users.provision(id, profile);
    this.remember(id);
  }

  /** Drops the cached answer, so the next request checks public.users again. */
  forget(id: string): void {
    this.known.delete(id);
  }

  private remember(id: string): void {
    if (this.known.size >= KNOWN_MAX) this.known.delete(this.known.keys().next().value as string);
    this.known.set(id, Date.now() + KNOWN_TTL_MS);
  }
}
