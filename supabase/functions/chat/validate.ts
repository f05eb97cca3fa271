// Validation of the function's request body; every limit is explicit so that a
// bad client gets a 400 naming the field instead of a confusing upstream error.
import { type ContentPart, PART_LIMITS, validateContentParts } from './content-parts.ts';

export type Role = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: Role;
  /** Parts (text and images) only in a user message: a turn with attachments. */
  content: string | ContentPart[];
}

export interface ChatRequest {
  messages: ChatMessage[];
  system_prompt?: string;
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
}

export const LIMITS = {
  maxMessages: 500,
  maxContentChars: 100_000,
  maxSystemPromptChars: 20_000,
  minTemperature: 0,
  maxTemperature: 2,
  minMaxTokens: 1,
  maxMaxTokens: 32_000,
} as const;

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

export type ValidationResult = { ok: true; value: ChatRequest } | { ok: false; error: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function validateChatRequest(body: unknown): ValidationResult {
  if (!isObject(body)) return { ok: false, error: 'Request body must be a JSON object' };

  const { messages, system_prompt, temperature, max_tokens, stream } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    return { ok: false, error: 'messages must be a non-empty array' };
  }
  if (messages.length > LIMITS.maxMessages) {
    return { ok: false, error: `messages must hold at most ${LIMITS.maxMessages} entries` };
  }
  const cleanMessages: ChatMessage[] = [];
  let imageChars = 0;
  for (const [index, message] of messages.entries()) {
    if (!isObject(message)) return { ok: false, error: `messages[${index}] must be an object` };
    if (typeof message.role !== 'string' || !ROLES.has(message.role)) {
      return { ok: false, error: `messages[${index}].role must be one of system, user, assistant` };
    }
    const role = message.role as Role;
    if (Array.isArray(message.content) && role === 'user') {
      const parts = validateContentParts(message.content, `messages[${index}].content`);
      if (!parts.ok) return parts;
      imageChars += parts.imageChars;
      if (imageChars > PART_LIMITS.maxImageCharsPerRequest) {
        return { ok: false, error: `images must total at most ${PART_LIMITS.maxImageCharsPerRequest} characters` };
      }
      // Rebuilt from the checked fields only, which for a valid request is the same parts.
      cleanMessages.push({ role, content: parts.parts });
      continue;
    }
    if (typeof message.content !== 'string') {
      const parts = role === 'user' ? 'a string or an array of text and image_url parts' : 'a string';
      return { ok: false, error: `messages[${index}].content must be ${parts}` };
    }
    if (message.content.length > LIMITS.maxContentChars) {
      return { ok: false, error: `messages[${index}].content must be at most ${LIMITS.maxContentChars} characters` };
    }
    // Only role and content are forwarded, so clients cannot smuggle other upstream fields.
    cleanMessages.push({ role, content: message.content });
  }

  if (system_prompt !== undefined && system_prompt !== null) {
    if (typeof system_prompt !== 'string') return { ok: false, error: 'system_prompt must be a string' };
    if (system_prompt.length > LIMITS.maxSystemPromptChars) {
      return { ok: false, error: `system_prompt must be at most ${LIMITS.maxSystemPromptChars} characters` };
    }
  }
  if (temperature !== undefined && temperature !== null) {
    if (
      typeof temperature !== 'number' ||
      !Number.isFinite(temperature) ||
      temperature < LIMITS.minTemperature ||
      temperature > LIMITS.maxTemperature
    ) {
      return {
        ok: false,
        error: `temperature must be a number from ${LIMITS.minTemperature} to ${LIMITS.maxTemperature}`,
      };
    }
  }
  if (max_tokens !== undefined && max_tokens !== null) {
    if (
      typeof max_tokens !== 'number' ||
      !Number.isInteger(max_tokens) ||
      max_tokens < LIMITS.minMaxTokens ||
      max_tokens > LIMITS.maxMaxTokens
    ) {
      return {
        ok: false,
        error: `max_tokens must be an integer from ${LIMITS.minMaxTokens} to ${LIMITS.maxMaxTokens}`,
      };
    }
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return { ok: false, error: 'stream must be a boolean' };
  }

  return {
    ok: true,
    value: {
      messages: cleanMessages,
      system_prompt: typeof system_prompt === 'string' && system_prompt !== '' ? system_prompt : undefined,
      temperature: typeof temperature === 'number' ? temperature : undefined,
      max_tokens: typeof max_tokens === 'number' ? max_tokens : undefined,
      stream: stream === true,
    },
  };
}

/** Puts the system prompt first unless the conversation already opens with a system message. */
export function withSystemPrompt(messages: ChatMessage[], systemPrompt: string | undefined): ChatMessage[] {
  if (systemPrompt === undefined || messages[0]?.role === 'system') return messages;
  return [{ role: 'system', content: systemPrompt }, ...messages];
}
