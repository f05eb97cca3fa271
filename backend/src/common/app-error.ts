/**
 * The one error vocabulary of the API. Modules throw AppError with a stable code;
 * HttpErrorFilter turns it into `{ statusCode, code, message, requestId }`.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_ID: 400,
  INVALID_CURSOR: 400,
  INVALID_MESSAGE_ROLE: 400,
  MALFORMED_JSON: 400,
  BODY_TOO_DEEP: 400,
  BAD_REQUEST: 400,
  WEBHOOK_URL_INVALID: 400,
  ATTACHMENT_EMPTY: 400,
  ATTACHMENT_TYPE_NOT_ALLOWED: 400,
  ATTACHMENT_TYPE_MISMATCH: 400,
  ATTACHMENT_ACTIVE_CONTENT: 400,
  ATTACHMENT_ENCRYPTED: 400,
  ATTACHMENT_NO_TEXT: 400,
  ATTACHMENT_UNREADABLE: 400,
  ATTACHMENT_TOO_MANY_PAGES: 400,
  ATTACHMENT_UPLOAD_INVALID: 400,
  ATTACHMENT_NOT_SUPPORTED: 400,
  TOO_MANY_ATTACHMENTS: 400,
  TOOL_DEFINITION_INVALID: 400,
  TOOL_NOT_ALLOWED: 400,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_MALFORMED: 401,
  TOKEN_WITHOUT_EXPIRY: 401,
  INVALID_API_KEY: 401,
  ADMIN_KEY_INVALID: 401,
  USER_NOT_FOUND: 403,
  FORBIDDEN: 403,
  ADMIN_REQUIRED: 403,
  CONVERSATIONS_HIDDEN: 403,
  SESSION_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  ATTACHMENT_NOT_FOUND: 404,
  SPEECH_NOT_CONFIGURED: 404,
  NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  ATTACHMENT_IN_OTHER_SESSION: 409,
  ATTACHMENT_IN_USE: 409,
  TOOL_CALL_NOT_PENDING: 409,
  TOOL_CALL_EXPIRED: 409,
  WEBHOOK_DELIVERY_NOT_DEAD: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  ATTACHMENT_TOO_LARGE: 413,
  ATTACHMENT_QUOTA_EXCEEDED: 413,
  TOOL_RESULT_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOO_MANY_AUTH_FAILURES: 429,
  QUOTA_EXCEEDED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  UPSTREAM_BAD_RESPONSE: 502,
  TRANSCRIPTION_FAILED: 502,
  DATABASE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  ANSWER_LOST: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Every code, in one list: the OpenAPI `Error` schema's `code` enum is made from it. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** Extra fields of the error body: the offending field, or where a failed send's question is stored. */
export interface ErrorDetails {
  field?: string;
  errors?: FieldError[];
  /** A send that failed after storing the question: send again with this session_id to retry. */
  session_id?: string;
  user_message_id?: string;
  /** A refused send over a daily quota: which one, its limit, and when it resets (ISO 8601, UTC midnight). */
  quota?: 'messages' | 'tokens';
  limit?: number;
  resets_at?: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    /** Headers the refusal carries, such as Retry-After on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}
