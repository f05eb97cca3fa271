// Function calling in the OpenAI Chat Completions shape: the tools offered to the model, and the
// calls an assistant turn made. Checked strictly (only the fields OpenAI defines, every size
// bounded) and rebuilt from the checked fields, so nothing else reaches the upstream.

export interface FunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ToolChoice = 'auto' | 'none';

export const TOOL_LIMITS = {
  maxTools: 16,
  maxDescriptionChars: 1024,
  /** The parameters schema as JSON text. */
  maxParametersBytes: 8 * 1024,
  /** Calls of one assistant turn (the backend reads at most 32 from a model). */
  maxCallsPerMessage: 32,
  maxCallIdChars: 256,
  maxCallNameChars: 256,
  /** One call's arguments as the model wrote them (the backend's own bound). */
  maxArgumentsChars: 64 * 1024,
} as const;

/** OpenAI's own rule for function names (it allows 64 characters). */
export const TOOL_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;
const TOOL_CHOICES: ReadonlySet<string> = new Set(['auto', 'none']);

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const onlyKeys = (value: Record<string, unknown>, allowed: string[]) =>
  Object.keys(value).every((key) => allowed.includes(key));

const byteLength = (text: string) => new TextEncoder().encode(text).length;

export function validateTools(tools: unknown): Checked<FunctionTool[]> {
  if (!Array.isArray(tools)) return { ok: false, error: 'tools must be an array' };
  if (tools.length > TOOL_LIMITS.maxTools) {
    return { ok: false, error: `tools must hold at most ${TOOL_LIMITS.maxTools} entries` };
  }
  const clean: FunctionTool[] = [];
  const names = new Set<string>();
  for (const [index, tool] of tools.entries()) {
    const at = `tools[${index}]`;
    if (!isObject(tool) || !onlyKeys(tool, ['type', 'function'])) {
      return { ok: false, error: `${at} must be an object with only type and function` };
    }
    if (tool.type !== 'function') return { ok: false, error: `${at}.type must be function` };
    const fn = tool.function;
    if (!isObject(fn) || !onlyKeys(fn, ['name', 'description', 'parameters'])) {
      return { ok: false, error: `${at}.function must be an object with name, description and parameters only` };
    }
    if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
      return { ok: false, error: `${at}.function.name must match ${TOOL_NAME.source}` };
    }
    if (names.has(fn.name)) return { ok: false, error: `${at}.function.name ${fn.name} is given twice` };
    names.add(fn.name);
    const checked: FunctionTool = { type: 'function', function: { name: fn.name } };
    if (fn.description !== undefined) {
      if (typeof fn.description !== 'string' || fn.description.length > TOOL_LIMITS.maxDescriptionChars) {
        return {
          ok: false,
          error: `${at}.function.description must be a string of at most ${TOOL_LIMITS.maxDescriptionChars} characters`,
        };
      }
      checked.function.description = fn.description;
    }
    if (fn.parameters !== undefined) {
      // A JSON Schema of the arguments object; the upstream compiles it, the size is ours to bound.
      if (!isObject(fn.parameters) || fn.parameters.type !== 'object') {
        return { ok: false, error: `${at}.function.parameters must be a JSON Schema object with type "object"` };
      }
      if (byteLength(JSON.stringify(fn.parameters)) > TOOL_LIMITS.maxParametersBytes) {
        return {
          ok: false,
          error: `${at}.function.parameters must be at most ${TOOL_LIMITS.maxParametersBytes} bytes`,
        };
      }
      checked.function.parameters = fn.parameters;
    }
    clean.push(checked);
  }
  return { ok: true, value: clean };
}

export function validateToolChoice(toolChoice: unknown): Checked<ToolChoice> {
  if (typeof toolChoice !== 'string' || !TOOL_CHOICES.has(toolChoice)) {
    return { ok: false, error: 'tool_choice must be auto or none' };
  }
  return { ok: true, value: toolChoice as ToolChoice };
}

/** The `tool_calls` of an assistant message at `where` (e.g. `messages[3].tool_calls`). */
export function validateToolCalls(calls: unknown, where: string): Checked<ToolCall[]> {
  if (!Array.isArray(calls) || calls.length === 0 || calls.length > TOOL_LIMITS.maxCallsPerMessage) {
    return { ok: false, error: `${where} must be an array of 1 to ${TOOL_LIMITS.maxCallsPerMessage} calls` };
  }
  const clean: ToolCall[] = [];
  for (const [index, call] of calls.entries()) {
    const at = `${where}[${index}]`;
    if (!isObject(call) || !onlyKeys(call, ['id', 'type', 'function'])) {
      return { ok: false, error: `${at} must be an object with only id, type and function` };
    }
    const id = toolCallIdProblem(call.id);
    if (id) return { ok: false, error: `${at}.id ${id}` };
    if (call.type !== 'function') return { ok: false, error: `${at}.type must be function` };
    const fn = call.function;
    if (!isObject(fn) || !onlyKeys(fn, ['name', 'arguments'])) {
      return { ok: false, error: `${at}.function must be an object with name and arguments only` };
    }
    // The name the model wrote, which need not be a tool's: such a call went back to it as an error.
    if (typeof fn.name !== 'string' || fn.name === '' || fn.name.length > TOOL_LIMITS.maxCallNameChars) {
      return {
        ok: false,
        error: `${at}.function.name must be a non-empty string of at most ${TOOL_LIMITS.maxCallNameChars} characters`,
      };
    }
    // The model's own text, possibly not valid JSON: the upstream takes it back as it was written.
    if (typeof fn.arguments !== 'string' || fn.arguments.length > TOOL_LIMITS.maxArgumentsChars) {
      return {
        ok: false,
        error: `${at}.function.arguments must be a string of at most ${TOOL_LIMITS.maxArgumentsChars} characters`,
      };
    }
    clean.push({ id: call.id as string, type: 'function', function: { name: fn.name, arguments: fn.arguments } });
  }
  return { ok: true, value: clean };
}

/** What is wrong with a tool call id, if anything. */
export function toolCallIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '' || id.length > TOOL_LIMITS.maxCallIdChars) {
    return `must be a non-empty string of at most ${TOOL_LIMITS.maxCallIdChars} characters`;
  }
  return undefined;
}
