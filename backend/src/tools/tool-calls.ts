import type { AiMessage, AiToolCall } from '../ai/ai-provider.js';
import type { ToolSet } from './tool-definitions.js';

export type ToolCallState = 'input-available' | 'input-error' | 'output-available' | 'output-error' | 'output-denied';

/** A call the model made, as stored with its answer (metadata.tool_calls) and as it stands. */
export interface StoredToolCall {
  id: string;
  name: string;
  /** The parsed arguments; the raw text when they were not JSON. */
  input: unknown;
  state: ToolCallState;
  /** 1 for the answer's first calls, 2 for those after their results, … */
  round: number;
  output?: unknown;
  error?: string;
}

/** A call still waiting for the page: its arguments were given to it, or refused and its error is due. */
export const isPending = (c: StoredToolCall) => c.state === 'input-available' || c.state === 'input-error';

/**
 * The model's calls, checked: a call of a tool the page did not register, or with arguments that
 * are not JSON or fail the tool's schema, is an `input-error` (the page is not asked to run it; it
 * answers with the error, and the model hears it).
 */
export function checkCalls(calls: AiToolCall[], tools: ToolSet | undefined, round: number): StoredToolCall[] {
  return calls.map((call) => {
    const base = { id: call.id, name: call.name, round };
    const validate = tools?.validators.get(call.name);
    let input: unknown;
    try {
      input = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      return { ...base, input: call.arguments, state: 'input-error', error: 'The arguments are not valid JSON.' };
    }
    if (!validate) return { ...base, input, state: 'input-error', error: `There is no tool named ${call.name}.` };
    if (!validate(input)) {
      const first = validate.errors?.[0];
      const where = first?.instancePath || '(root)';
      return {
        ...base,
        input,
        state: 'input-error',
        error: `The arguments do not fit the tool: ${where} ${first?.message ?? ''}`.trim(),
      };
    }
    return { ...base, input, state: 'input-available' };
  });
}

/**
 * A result as the model reads it: untrusted text the page returned, never instructions of ours.
 * Outputs are JSON; errors and refusals are said in words.
 */
export function resultText(call: StoredToolCall): string {
  if (call.state === 'output-available') return JSON.stringify(call.output ?? null);
  if (call.state === 'output-denied') return JSON.stringify({ error: 'The visitor denied this action.' });
  return JSON.stringify({ error: call.error ?? 'The tool failed.' });
}

/** The calls of every round and their results, as the turns the model reads after the question. */
export function toolTurns(text: string, calls: StoredToolCall[]): AiMessage[] {
  const rounds = [...new Set(calls.map((c) => c.round))].sort((a, b) => a - b);
  const turns: AiMessage[] = [];
  rounds.forEach((round, i) => {
    const inRound = calls.filter((c) => c.round === round);
    turns.push({
      role: 'assistant',
      // The text written so far goes with the first round's calls (it came before them).
      content: i === 0 ? text : '',
      toolCalls: inRound.map((c) => ({
        id: c.id,
        name: c.name,
        arguments: typeof c.input === 'string' ? c.input : JSON.stringify(c.input),
      })),
    });
    for (const c of inRound) turns.push({ role: 'tool', toolCallId: c.id, content: resultText(c) });
  });
  return turns;
}
