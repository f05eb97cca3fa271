import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { WebhookEventType } from '../config/webhook-settings.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface EndpointRow {
  id: string;
  url: string;
  secret: string;
  events: WebhookEventType[];
  enabled: boolean;
  source: 'settings' | 'admin';
  created_at: Date;
  pending: number;
  delivered: number;
  dead: number;
}

/** A delivery a worker holds the lease of, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  event_id: string;
  type: string;
  payload: unknown;
  event_created_at: Date;
  url: string;
  secret: string;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

export interface AttemptRow {
  /** From jsonb: already an ISO string. */
  attempted_at: string;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
}

/** What one attempt came to, for the delivery log. */
export interface AttemptOutcome {
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

const ENDPOINT_COLUMNS = `e.id, e.url, e.secret, e.events, e.enabled, e.source, e.created_at,
  (select count(*) from public.webhook_deliveries d where d.endpoint_id = e.id and d.status = 'pending')::int as pending,
  (select count(*) from public.webhook_deliveries d where d.endpoint_id = e.id and d.status = 'delivered')::int as delivered,
  (select count(*) from public.webhook_deliveries d where d.endpoint_id = e.id and d.status = 'dead')::int as dead`;

const DELIVERY_COLUMNS = `d.id, d.event_id, d.endpoint_id, v.type, d.status, d.attempts, d.next_attempt_at, d.last_status,
  d.last_error, d.delivered_at, d.created_at`;

/** SQL of the webhook tables; the service role's alone (no user may read them). */
@Injectable()
export class WebhooksRepository {
  /**
   * Makes the settings' endpoints those with source 'settings': each URL added or updated (and
   * enabled), and any other settings endpoint disabled (kept, with its delivery log).
   */
  async syncSettings(
    db: Queryable,
    endpoints: Array<{ url: string; secret: string; events: string[] }>,
  ): Promise<void> {
    await db.query(
      `with wanted as (
         select * from jsonb_to_recordset($1::jsonb) as w(url text, secret text, events text[])
       ), upserted as (
         insert into public.webhook_endpoints (url, secret, events, enabled, source)
         select url, secret, events, true, 'settings' from wanted
         on conflict (url) where source = 'settings'
         do update set secret = excluded.secret, events = excluded.events, enabled = true
       )
       update public.webhook_endpoints e set enabled = false
        where e.source = 'settings' and e.enabled and e.url not in (select url from wanted)`,
      [JSON.stringify(endpoints)],
    );
  }

  /**
   * Takes up to `limit` due deliveries of enabled endpoints and leases them for `leaseMs`: a
   * replica that dies mid-attempt leaves them due again once the lease ends. SKIP LOCKED lets
   * several replicas claim at once without taking the same delivery; the statement is its own
   * short transaction, so no lock is held while the receiver is called.
   */
  async claimDue(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const { rows } = await db.query<ClaimedDelivery>(
      `with due as (
         select d.id from public.webhook_deliveries d
           join public.webhook_endpoints p on p.id = d.endpoint_id and p.enabled
          where d.status = 'pending' and d.next_attempt_at <= now()
          order by d.next_attempt_at
          limit $1
          for update of d skip locked
       )
       update public.webhook_deliveries d
          set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
         from due, public.webhook_events v, public.webhook_endpoints p
        where d.id = due.id and v.id = d.event_id and p.id = d.endpoint_id
       returning d.id, d.attempts, v.id as event_id, v.type, v.payload, v.created_at as event_created_at, p.url, p.secret`,
      [limit, leaseMs],
    );
    return rows;
  }

  /** Milliseconds until the next pending delivery is due (or its lease ends); undefined when none waits. */
  async nextDueInMs(db: Queryable): Promise<number | undefined> {
    const { rows } = await db.query<{ ms: number | null }>(
      `select (extract(epoch from min(d.next_attempt_at) - now()) * 1000)::float8 as ms
         from public.webhook_deliveries d join public.webhook_endpoints p on p.id = d.endpoint_id and p.enabled
        where d.status = 'pending'`,
    );
    // An aggregate: always one row, null when nothing is pending.
    const ms = rows[0].ms;
    return ms === null ? undefined : Math.max(0, ms);
  }

  /** A 2xx: delivered, whoever's lease it is now (the receiver has it either way). */
  async markDelivered(db: Queryable, id: string, outcome: AttemptOutcome): Promise<void> {
    await db.query(
      `with logged as (
         insert into public.webhook_delivery_attempts (delivery_id, http_status, error, duration_ms)
         values ($1, $2, null, $3)
       )
       update public.webhook_deliveries
          set status = 'delivered', delivered_at = now(), last_status = $2, last_error = null
        where id = $1 and status = 'pending'`,
      [id, outcome.httpStatus, outcome.durationMs],
    );
  }

  /**
   * A failed attempt: due again in `retryInMs`, or dead when `dead`. Only while the delivery is
   * still this attempt's (pending, same count): a worker whose lease ran out and whose delivery
   * another replica already took or delivered does not overwrite it.
   */
  async markFailed(
    db: Queryable,
    id: string,
    attempts: number,
    outcome: AttemptOutcome,
    next: { dead: boolean; retryInMs: number },
  ): Promise<void> {
    await db.query(
      `with logged as (
         insert into public.webhook_delivery_attempts (delivery_id, http_status, error, duration_ms)
         values ($1, $3, $4, $5)
       )
       update public.webhook_deliveries
          set status = case when $6::boolean then 'dead' else 'pending' end,
              next_attempt_at = now() + make_interval(secs => $7::double precision / 1000),
              last_status = $3, last_error = $4
        where id = $1 and status = 'pending' and attempts = $2`,
      [id, attempts, outcome.httpStatus, outcome.error, outcome.durationMs, next.dead, next.retryInMs],
    );
  }

  /** An attempt cut short by this replica's shutdown: due again now, and not counted against the limit. */
  async release(db: Queryable, id: string, attempts: number, outcome: AttemptOutcome): Promise<void> {
    await db.query(
      `with logged as (
         insert into public.webhook_delivery_attempts (delivery_id, http_status, error, duration_ms)
         values ($1, null, $3, $4)
       )
       update public.webhook_deliveries
          set attempts = attempts - 1, next_attempt_at = now(), last_error = $3
        where id = $1 and status = 'pending' and attempts = $2`,
      [id, attempts, outcome.error, outcome.durationMs],
    );
  }

  /**
   * Deletes deliveries delivered more than `days` ago (their log goes with them), then the events
   * no delivery refers to any more that are as old. Pending and dead deliveries are kept. The
   * number of deliveries deleted.
   */
  async purgeDelivered(db: Queryable, days: number): Promise<number> {
    const { rowCount } = await db.query(
      `delete from public.webhook_deliveries where status = 'delivered' and delivered_at < now() - make_interval(days => $1)`,
      [days],
    );
    await db.query(
      `delete from public.webhook_events e
        where e.created_at < now() - make_interval(days => $1)
          and not exists (select 1 from public.webhook_deliveries d where d.event_id = e.id)`,
      [days],
    );
    return rowCount;
  }

  async listEndpoints(db: Queryable): Promise<EndpointRow[]> {
    const { rows } = await db.query<EndpointRow>(
      `select ${ENDPOINT_COLUMNS} from public.webhook_endpoints e order by e.created_at, e.id`,
    );
    return rows;
  }

  async endpoint(db: Queryable, id: string): Promise<EndpointRow | undefined> {
    const { rows } = await db.query<EndpointRow>(
      `select ${ENDPOINT_COLUMNS} from public.webhook_endpoints e where e.id = $1`,
      [id],
    );
    return rows[0];
  }

  async createEndpoint(db: Queryable, input: { url: string; secret: string; events: string[] }): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `insert into public.webhook_endpoints (url, secret, events, source) values ($1, $2, $3, 'admin') returning id`,
      [input.url, input.secret, input.events],
    );
    return rows[0].id;
  }

  async setEnabled(db: Queryable, id: string, enabled: boolean): Promise<boolean> {
    const { rowCount } = await db.query('update public.webhook_endpoints set enabled = $2 where id = $1', [
      id,
      enabled,
    ]);
    return rowCount > 0;
  }

  /** Deletes the endpoint with its deliveries and their log; events no endpoint waits for go too. */
  async deleteEndpoint(db: Queryable, id: string): Promise<boolean> {
    const { rows } = await db.query<{ deleted: number }>(
      `with gone as (
         delete from public.webhook_endpoints where id = $1 returning id
       ), orphans as (
         delete from public.webhook_events v
          where v.id in (select d.event_id from public.webhook_deliveries d where d.endpoint_id in (select id from gone))
            and not exists (
              select 1 from public.webhook_deliveries o
               where o.event_id = v.id and o.endpoint_id not in (select id from gone)
            )
       )
       select count(*)::int as deleted from gone`,
      [id],
    );
    return rows[0].deleted > 0;
  }

  /** Deliveries newest first, optionally of one status or endpoint, after the delivery `before` (keyset). */
  async listDeliveries(
    db: Queryable,
    filter: { status?: DeliveryStatus; endpointId?: string; before?: string; limit: number },
  ): Promise<DeliveryRow[]> {
    const { rows } = await db.query<DeliveryRow>(
      `select ${DELIVERY_COLUMNS}
         from public.webhook_deliveries d join public.webhook_events v on v.id = d.event_id
        where ($1::text is null or d.status = $1)
          and ($2::uuid is null or d.endpoint_id = $2)
          and ($3::uuid is null or (d.created_at, d.id) < (select b.created_at, b.id from public.webhook_deliveries b where b.id = $3))
        order by d.created_at desc, d.id desc
        limit $4`,
      [filter.status ?? null, filter.endpointId ?? null, filter.before ?? null, filter.limit],
    );
    return rows;
  }

  async delivery(db: Queryable, id: string): Promise<(DeliveryRow & { attempt_log: AttemptRow[] }) | undefined> {
    const { rows } = await db.query<DeliveryRow & { attempt_log: AttemptRow[] }>(
      `select ${DELIVERY_COLUMNS},
              coalesce((select jsonb_agg(jsonb_build_object('attempted_at', a.attempted_at, 'http_status', a.http_status,
                                          'error', a.error, 'duration_ms', a.duration_ms) order by a.attempted_at, a.id)
                          from public.webhook_delivery_attempts a where a.delivery_id = d.id), '[]'::jsonb) as attempt_log
         from public.webhook_deliveries d join public.webhook_events v on v.id = d.event_id
        where d.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** A dead delivery back to pending with a fresh set of attempts: whether it was (undefined when missing), and its status before. */
  async retryDead(db: Queryable, id: string): Promise<{ retried: boolean; status: DeliveryStatus } | undefined> {
    const { rows } = await db.query<{ status: DeliveryStatus; retried: boolean }>(
      `with found as (
         select id, status from public.webhook_deliveries where id = $1 for update
       ), retried as (
         update public.webhook_deliveries d
            set status = 'pending', attempts = 0, next_attempt_at = now()
           from found where d.id = found.id and found.status = 'dead'
         returning d.id
       )
       select found.status, exists (select 1 from retried) as retried from found`,
      [id],
    );
    return rows[0];
  }
}
