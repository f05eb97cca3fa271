// The admin API's answers, as backend/src/admin/dto/ and backend/src/webhooks/dto/ describe them.

export interface Numbers {
  messages: number;
  questions: number;
  answers: number;
  active_users: number;
  new_sessions: number;
  prompt_tokens: number;
  completion_tokens: number;
  tokens: number;
  errors: number;
  error_rate: number | null;
  ttft_ms_p50: number | null;
  ttft_ms_p95: number | null;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
}

export interface TopSession {
  session_id: string;
  user_id: string;
  messages: number;
  last_message_at: string;
  title?: string | null;
}

export interface Analytics {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  totals: Numbers;
  series: (Numbers & { at: string })[];
  errors_by_code: { code: string; count: number }[];
  feedback: { up: number; down: number; ratio: number | null };
  top_sessions: TopSession[];
  conversations_visible: boolean;
}

export interface Conversation {
  session_id: string;
  messages: { id: string; role: string; content: string; created_at: string }[];
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  source: 'settings' | 'admin';
  secret_hint: string;
  deliveries: Record<DeliveryStatus, number>;
  created_at: string;
}

export interface WebhookDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

export interface AdminToken {
  token: string;
  expires_at: string;
}
