import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';

/**
 * public.users belongs to the host site; Pulse only checks membership and, when
 * allowed, adds a minimal row. These run as the service role, outside any user's RLS scope.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: Database) {}

  async exists(id: string): Promise<boolean> {
    const { rows } = await this.db.query('select 1 from public.users where id = $1', [id]);
    return rows.length > 0;
  }

  async provision(id: string, profile: { email?: string; display_name?: string } = {}): Promise<void> {
    await this.db.query(
      `insert into public.users (id, email, display_name) values ($1, $2, $3)
       on conflict (id) do nothing`,
      [id, profile.email ?? null, profile.display_name ?? null],
    );
  }
}
