import type { AiMessage, AiTool } from './ai-provider.js';

// The Chat Completions wire shape of Pulse's messages and tools, shared by the providers that
// speak it: the OpenAI provider to the API itself, the Supabase provider to the edge function,
// which forwards these fields unchanged.

/** A message as the Chat Completions API takes it, a tool-calling turn or a tool's result included. */
export function toChatMessage(m: AiMessage): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  if (m.toolCalls?.length) {
    return {
      role: 'assistant',
      content: m.content === '' ? null : m.content,
      tool_calls: m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      })),
    };
  }
  return { role: m.role, content: m.content };
}

function toFunctionTool(t: AiTool): Record<string, unknown> {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } };
}

/** The request's tools as the API's `tools` and `tool_choice`; nothing at all without tools. */
export function toolFields(tools: AiTool[] | undefined): Record<string, unknown> {
  return tools?.length ? { tools: tools.map(toFunctionTool), tool_choice: 'auto' } : {};
}
