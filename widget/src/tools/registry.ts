/**
 * The host page's tools (issue 24): what `registerTool` takes and checks. Part of the bubble's
 * script, so a page can register its tools before the panel has loaded; running them and
 * showing their calls is the lazily loaded `tools.ts`.
 */

/** A function of the host page the assistant may call. */
export interface PulseTool<Input = never> {
  /** What it does, for the model (1 to 1024 characters). */
  description: string;
  /** JSON Schema of its arguments: an object schema (`type: 'object'`), at most 8 KB as JSON. */
  parameters: Record<string, unknown>;
  /**
   * Runs in the page, with the page's rights only, and its result (JSON, at most 16 KB) goes
   * back to the model; a throw goes back as the call's error.
   */
  execute(input: Input): unknown;
  /** Ask the visitor first (Allow / Deny) at every call. */
  needsApproval?: boolean;
}

/** A tool as every send gives it to the server: never its function. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** The server's limits on a definition, and `MAX_CLIENT_TOOLS`: refused here with an error that says which. */
const NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

/**
 * Adds `tool` to `tools` under `name` (replacing one of that name), or throws a TypeError that
 * says what is wrong. The tool is copied: changing the object afterwards changes nothing.
 */
export function addTool(tools: Map<string, PulseTool>, name: string, tool: Partial<PulseTool> | undefined): void {
  // Typed for TypeScript callers, but a page's script may pass anything.
  const { description: d, parameters: p, execute, needsApproval } = tool ?? {};
  let schema: string | undefined;
  try {
    schema = JSON.stringify(p);
  } catch {
    // Reported below: a schema that is no JSON is no schema.
  }
  const why = !NAME.test(typeof name == 'string' ? name : '')
    ? `the name must match ${NAME}`
    : typeof execute != 'function'
      ? 'execute must be a function'
      : typeof d != 'string' || !d || d.length > 1024
        ? 'description must be 1 to 1024 characters'
        : p?.type !== 'object' || !schema || schema.length > 8192
          ? 'parameters must be a JSON Schema of type "object", at most 8 KB'
          : !tools.has(name) && tools.size > 15 && 'at most 16 tools';
  if (why) throw new TypeError(`Pulse registerTool(${JSON.stringify(name)}): ${why}`);
  tools.set(name, {
    description: d!,
    parameters: JSON.parse(schema!) as Record<string, unknown>,
    execute: execute!.bind(tool),
    needsApproval: !!needsApproval,
  });
}
