import type { AiMessage } from '../ai/ai-provider.js';

export interface StoredTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * What the model sees: the system prompt, then the stored window (the last
 * MAX_CONTEXT_MESSAGES turns before the new message, and the new message), oldest first.
 */
export function buildContext(systemPrompt: string, window: StoredTurn[]): AiMessage[] {
  const messages: AiMessage[] = [];
  if (systemPrompt.trim()) messages.push({ role: 'system', content: systemPrompt });
  for (const turn of window) messages.push({ role: turn.role, content: turn.content });
  return messages;
}

/** A session title from the first message: its first line, whitespace collapsed, at most 60 characters. */
export function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0].replace(/\s+/g, ' ').trim();
  if (line.length <= 60) return line || 'New chat';
  const cut = line.slice(0, 59);
  const space = cut.lastIndexOf(' ');
  return `${space > 30 ? cut.slice(0, space) : cut}…`;
}
