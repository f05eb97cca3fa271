/** Detail payloads of the events `<pulse-chat>` dispatches (all bubble and are composed). */
export interface PulseMessageSentDetail {
  text: string;
  sessionId: string | null;
  idempotencyKey: string;
}
export interface PulseMessageReceivedDetail {
  text: string;
  sessionId: string | null;
  messageId: string | null;
  interrupted: boolean;
}
export interface PulseErrorDetail {
  code: string;
  message: string;
}
export interface PulseSessionChangeDetail {
  sessionId: string | null;
}
export interface PulseRequestSendDetail {
  text: string;
}

/** Every event `<pulse-chat>` dispatches; `emit()` is typed against it. */
export interface PulseEventMap {
  'pulse-open': CustomEvent<void>;
  'pulse-close': CustomEvent<void>;
  /** Cancelable: call `preventDefault()` to stop the message from being sent. */
  'pulse-request-send': CustomEvent<PulseRequestSendDetail>;
  'pulse-message-sent': CustomEvent<PulseMessageSentDetail>;
  'pulse-message-received': CustomEvent<PulseMessageReceivedDetail>;
  'pulse-error': CustomEvent<PulseErrorDetail>;
  'pulse-session-change': CustomEvent<PulseSessionChangeDetail>;
}

declare global {
  // Merges the map into the DOM's own, so addEventListener('pulse-…') is typed too.
  interface GlobalEventHandlersEventMap extends PulseEventMap {}
}
