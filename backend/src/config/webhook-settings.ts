// Here, below both config and the webhooks module, so the settings and the admin API's DTOs
// accept the same events and secrets.

/** The events Pulse sends, as Standard Webhooks `type`s. */
export const WEBHOOK_EVENT_TYPES = [
  'session.created',
  'session.deleted',
  'message.created',
  'message.feedback',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Standard Webhooks' secret: whsec_ and a base64 key of 24 to 64 bytes (32 to 88 base64 characters). */
export const WEBHOOK_SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){8,21}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
