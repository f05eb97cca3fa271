// Validation of the function's request body; every limit is explicit so that a
// bad client gets a 400 naming the field instead of a confusing upstream error.
import { type ContentPart, PART_LIMITS, validateContentParts } from './content-parts.ts';
import {
  type FunctionTool,
  type ToolCall,
  type ToolChoice,
  toolCallIdProblem,
  validateToolCalls,
  validateToolChoice,
  validateTools,
} from './tools.ts';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export type ChatMessage =
  /** Parts (text and images) only in a user message: a turn with attachments. */
  | { role: 'system' | 'user'; content: string | ContentPart[] }
  /** A turn that called tools may have no text (OpenAI sends null). */
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  /** A tool's result, answering one call of an earlier assistant turn. */
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
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

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

export type ValidationResult = { ok: true; value: ChatRequest } | { ok: false; error: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function validateChatRequest(body: unknown): ValidationResult {
  if (!isObject(body)) return { ok: false, error: 'Request body must be a JSON object' };

  const { messages, system_prompt, temperature, max_tokens, stream, tools, tool_choice } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    return { ok: false, error: 'messages must be a non-empty array' };
  }
  if (messages.length > LIMITS.maxMessages) {
    return { ok: false, error: `messages must hold at most ${LIMITS.maxMessages} entries` };
  }
  const cleanMessages: ChatMessage[] = [];
  let imageChars = 0;
  // Ids of the calls made so far: a tool message must answer one of them, as the upstream insists.
  const callIds = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (!isObject(message)) return { ok: false, error: `messages[${index}] must be an object` };
    if (typeof message.role !== 'string' || !ROLES.has(message.role)) {
      return { ok: false, error: `messages[${index}].role must be one of system, user, assistant, tool` };
    }
    const role = message.role as Role;
    if (message.tool_calls !== undefined && message.tool_calls !== null && role !== 'assistant') {
      return { ok: false, error: `messages[${index}].tool_calls is only allowed in an assistant message` };
    }
    if (message.tool_call_id !== undefined && role !== 'tool') {
      return { ok: false, error: `messages[${index}].tool_call_id is only allowed in a tool message` };
    }
    if (role === 'assistant' && message.tool_calls !== undefined && message.tool_calls !== null) {
      const calls = validateToolCalls(message.tool_calls, `messages[${index}].tool_calls`);
      if (!calls.ok) return calls;
      const content = message.content ?? null;
      if (content !== null && (typeof content !== 'string' || content.length > LIMITS.maxContentChars)) {
        return {
          ok: false,
          error: `messages[${index}].content must be null or a string of at most ${LIMITS.maxContentChars} characters`,
        };
      }
      for (const call of calls.value) callIds.add(call.id);
      cleanMessages.push({ role, content, tool_calls: calls.value });
      continue;
    }
    if (role === 'tool') {
      const problem = toolCallIdProblem(message.tool_call_id);
      if (problem) return { ok: false, error: `messages[${index}].tool_call_id ${problem}` };
      if (!callIds.has(message.tool_call_id as string)) {
        return {
          ok: false,
          error: `messages[${index}].tool_call_id must answer a tool call of an earlier assistant message`,
        };
      }
    }
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
    // Only the fields of the role are forwarded, so clients cannot smuggle other upstream fields.
    cleanMessages.push(
      role === 'tool'
        ? { role, tool_call_id: message.tool_call_id as string, content: message.content }
        : { role, content: message.content },
    );
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
  let cleanTools: FunctionTool[] | undefined;
  if (tools !== undefined && tools !== null) {
    const checked = validateTools(tools);
    if (!checked.ok) return checked;
    // An empty list is no tools: OpenAI refuses `tools: []`.
    if (checked.value.length > 0) cleanTools = checked.value;
  }
  let cleanToolChoice: ToolChoice | undefined;
  if (tool_choice !== undefined && tool_choice !== null) {
    const checked = validateToolChoice(tool_choice);
    if (!checked.ok) return checked;
    if (cleanTools === undefined) return { ok: false, error: 'tool_choice needs tools' };
    cleanToolChoice = checked.value;
  }

  return {
    ok: true,
    value: {
      messages: cleanMessages,
      system_prompt: typeof system_prompt === 'string' && system_prompt !== '' ? system_prompt : undefined,
      temperature: typeof temperature === 'number' ? temperature : undefined,
      max_tokens: typeof max_tokens === 'number' ? max_tokens : undefined,
      stream: stream === true,
      tools: cleanTools,
      tool_choice: cleanToolChoice,
    },
  };
}

/** Puts the system prompt first unless the conversation already opens with a system message. */
export function withSystemPrompt(messages: ChatMessage[], systemPrompt: string | undefined): ChatMessage[] {
  if (systemPrompt === undefined || messages[0]?.role === 'system') return messages;
  return [{ role: 'system', content: systemPrompt }, ...messages];
}
