import { Webhook } from 'standardwebhooks';

/** An event as its receiver gets it, and where it is going. */
export interface OutgoingEvent {
  /** webhook-id: the same on every attempt, so the receiver can drop a repeat. */
  id: string;
  type: string;
  /** When the change happened (the body's `timestamp`). */
  createdAt: Date;
  data: unknown;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * The request of one attempt, per the Standard Webhooks spec: the body `{ type, timestamp, data }`,
 * and webhook-id, webhook-timestamp (this attempt's time, which receivers hold to a tolerance of
 * minutes, so it is signed anew each time) and webhook-signature (`v1,` HMAC-SHA256 of
 * `id.timestamp.body` with the endpoint's whsec_ secret).
 */
export function signEvent(secret: string, event: OutgoingEvent, now: Date = new Date()): SignedRequest {
  const body = JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.data });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Pulse-Webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(event.id, now, body),
    },
  };
}
