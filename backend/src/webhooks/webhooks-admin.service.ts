import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isURL } from 'class-validator';
import { AppError } from '../common/app-error.js';
import { WEBHOOK_EVENT_TYPES } from '../config/webhook-settings.js';
import { Database } from '../database/database.js';
import type {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  WebhookEndpointDto,
} from './dto/webhook-endpoint.dto.js';
import type {
  ListWebhookDeliveriesQuery,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
  WebhookDeliveryListDto,
} from './dto/webhook-delivery.dto.js';
import { WebhookWorker } from './webhook-worker.js';
import { type DeliveryRow, type EndpointRow, WebhooksRepository } from './webhooks.repository.js';

/** The site owner's view of webhooks: endpoints, their deliveries and the delivery log. */
@Injectable()
export class WebhooksAdminService {
  constructor(
    private readonly db: Database,
    private readonly webhooks: WebhooksRepository,
    private readonly worker: WebhookWorker,
  ) {}

  async list(): Promise<{ endpoints: WebhookEndpointDto[] }> {
    return { endpoints: (await this.webhooks.listEndpoints(this.db)).map(toEndpoint) };
  }

  async create(input: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    if (!isURL(input.url, { require_tld: false, require_protocol: true, protocols: ['http', 'https'] })) {
      throw new AppError('WEBHOOK_URL_INVALID', 'The URL must be an http:// or https:// URL.', { field: 'url' });
    }
    // 32 random bytes: the key size Standard Webhooks' own libraries generate.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const events = [...new Set(input.events ?? WEBHOOK_EVENT_TYPES)];
    const id = await this.webhooks.createEndpoint(this.db, { url: input.url, secret, events });
    // oxlint-disable-next-line typescript/no-misused-spread -- toEndpoint builds a plain object: no prototype to lose.
    return { ...toEndpoint(await this.found(id)), secret };
  }

  async setEnabled(id: string, enabled: boolean): Promise<WebhookEndpointDto> {
    if (!(await this.webhooks.setEnabled(this.db, id, enabled))) throw endpointNotFound();
    if (enabled) this.worker.wake();
    return toEndpoint(await this.found(id));
  }

  async remove(id: string): Promise<void> {
    if (!(await this.webhooks.deleteEndpoint(this.db, id))) throw endpointNotFound();
  }

  async deliveries(query: ListWebhookDeliveriesQuery): Promise<WebhookDeliveryListDto> {
    const rows = await this.webhooks.listDeliveries(this.db, {
      status: query.status,
      endpointId: query.endpoint_id,
      before: query.before,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      deliveries: page.map(toDelivery),
      next_before: rows.length > query.limit ? page[page.length - 1].id : null,
    };
  }

  async delivery(id: string): Promise<WebhookDeliveryDetailDto> {
    const row = await this.webhooks.delivery(this.db, id);
    if (!row) throw deliveryNotFound();
    // oxlint-disable-next-line typescript/no-misused-spread -- toDelivery builds a plain object: no prototype to lose.
    return { ...toDelivery(row), attempt_log: row.attempt_log };
  }

  /** A dead delivery back to pending, with the full number of attempts again; sent at once. */
  async retry(id: string): Promise<WebhookDeliveryDetailDto> {
    const found = await this.webhooks.retryDead(this.db, id);
    if (!found) throw deliveryNotFound();
    if (!found.retried) {
      throw new AppError(
        'WEBHOOK_DELIVERY_NOT_DEAD',
        `Only a dead delivery can be retried; this one is ${found.status}.`,
      );
    }
    // As it is now, before a worker takes it (one may already have: its answer would say so).
    const retried = await this.delivery(id);
    this.worker.wake();
    return retried;
  }

  private async found(id: string): Promise<EndpointRow> {
    const row = await this.webhooks.endpoint(this.db, id);
    if (!row) throw endpointNotFound();
    return row;
  }
}

const endpointNotFound = () => new AppError('WEBHOOK_NOT_FOUND', 'No webhook endpoint has this id.');
const deliveryNotFound = () => new AppError('WEBHOOK_DELIVERY_NOT_FOUND', 'No webhook delivery has this id.');

function toEndpoint(row: EndpointRow): WebhookEndpointDto {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    enabled: row.enabled,
    source: row.source,
    // Enough to tell two secrets apart, far too little to sign with.
    secret_hint: `${row.secret.slice(0, 'whsec_'.length + 4)}…`,
    deliveries: { pending: row.pending, delivered: row.delivered, dead: row.dead },
    created_at: new Date(row.created_at).toISOString(),
  };
}

function toDelivery(row: DeliveryRow): WebhookDeliveryDto {
  return {
    id: row.id,
    event_id: row.event_id,
    endpoint_id: row.endpoint_id,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: new Date(row.next_attempt_at).toISOString(),
    last_status: row.last_status,
    last_error: row.last_error,
    delivered_at: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
    created_at: new Date(row.created_at).toISOString(),
  };
}
