/** Shapes of the Pulse API (see backend `/api/chat/*`). */
export interface Session {
  id: string;
  title: string | null;
  system_prompt: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  last_message_at: string | null;
  metadata: Record<string, unknown> | null;
  /** With `?q=`: where the search matched (plain text around the match). */
  match?: { message_id: string | null; snippet: string } | null;
}

export interface Feedback {
  rating: 'up' | 'down';
  comment: string | null;
}

export interface Message {
  id: string;
  session_id: string;
  seq: number;
  role: 'user' | 'assistant' | 'system';
  content: string;
  created_at: string;
  /** Answers: `sources` are the passages of long files the model was given. */
  metadata: {
    interrupted?: boolean;
    sources?: { title: string }[];
    /** The host page's tools the answer called, and what came of each. */
    tool_calls?: StoredToolCall[];
  } | null;
  /** Branches: all versions of this message (same parent and role), oldest first, and its place (1-based). */
  sibling_ids?: string[];
  sibling_index?: number;
  feedback?: Feedback | null;
  /** User messages: the files sent with them. */
  attachments?: Attachment[];
}

/** An uploaded file (POST /api/chat/attachments answers with one). */
export interface Attachment {
  id: string;
  filename: string;
  media_type: string;
  kind: 'image' | 'text' | 'document' | 'audio';
  size_bytes: number;
  created_at: string;
  expires_at: string | null;
  /** `/api/chat/attachments/<id>`: read with the bearer token, like every request. */
  url: string;
  pages?: number;
  tokens?: number;
  /** Audio: what was said. */
  transcript?: string;
}

/** GET /api/chat/attachments/config: what this user may attach. */
export interface AttachmentConfig {
  max_bytes: number;
  per_message: number;
  types: string[];
  image_resize_over_bytes: number;
  quota_bytes: number;
  used_bytes: number;
  /** Whether the model takes images at all. */
  images: boolean;
  speech: boolean;
  transcription: boolean;
}

export interface List<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export type SessionWithMessages = Session & { messages: Message[]; has_more: boolean };

/** A call of a host page's tool as an answer stores it. */
interface StoredToolCall {
  id: string;
  name: string;
  input: unknown;
  state: 'input-available' | 'output-available' | 'output-error' | 'output-denied';
  output?: unknown;
  error?: string;
}

/** The stream parts of a call of a host page's tool (all `dynamic: true`). */
export type ToolPart =
  | { type: 'tool-input-start'; toolCallId: string; toolName: string }
  | { type: 'tool-input-delta'; toolCallId: string; inputTextDelta: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-input-error'; toolCallId: string; toolName: string; input: unknown; errorText: string }
  | { type: 'tool-output-available'; toolCallId: string; output: unknown }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string }
  | { type: 'tool-output-denied'; toolCallId: string };

/**
 * What the chat keeps of an answer's calls: their stream parts as they came, with `at`, where in
 * the answer's text each came; or the stored calls of an answer read back.
 */
export type CallPart = (ToolPart & { at: number }) | StoredToolCall;

/** Parts of the AI SDK UI message stream (v1) that the widget reads. */
export type StreamPart =
  | { type: 'start'; messageId?: string }
  | { type: 'data-session'; data: { session_id: string; title: string | null; user_message_id: string } }
  | { type: 'text-start' | 'text-end'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'data-message'; data: { assistant_message_id: string; finish_reason: string; interrupted: boolean } }
  | { type: 'data-error'; data: { code: string; message: string } }
  | { type: 'source-document'; sourceId: string; mediaType: string; title: string; filename?: string }
  | { type: 'error'; errorText: string }
  | ToolPart
  /** `tool-calls`: the answer waits for the page's tools (POST …/tool-results). */
  | { type: 'finish'; finishReason?: string };
