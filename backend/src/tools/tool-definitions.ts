import { Injectable } from '@nestjs/common';
import { Ajv, type ValidateFunction } from 'ajv';
import type { AiTool } from '../ai/ai-provider.js';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import type { ClientToolDto } from './dto/client-tool.dto.js';

const MAX_SCHEMA_BYTES = 8 * 1024;
const MAX_SCHEMA_DEPTH = 10;
/** Compiled schemas kept (a page sends the same few with every send): oldest dropped past this. */
const COMPILED_KEPT = 256;

/** The page's tools of one send, checked: what the model is offered, and how to check its calls. */
export interface ToolSet {
  definitions: AiTool[];
  /** Checks a call's parsed arguments against its tool's schema. */
  validators: Map<string, ValidateFunction>;
}

function depthOf(value: unknown, depth = 0): number {
  if (depth > MAX_SCHEMA_DEPTH) return depth;
  if (typeof value !== 'object' || value === null) return depth;
  let max = depth;
  for (const child of Object.values(value)) max = Math.max(max, depthOf(child, depth + 1));
  return max;
}

const invalid = (index: number, field: string, message: string) =>
  new AppError('TOOL_DEFINITION_INVALID', message, {
    field: `tools[${index}].${field}`,
    errors: [{ field: `tools[${index}].${field}`, code: 'toolDefinition', message }],
  });

/**
 * Checks the tools a page sends (count, allowlist, unique names, schema size, depth and
 * validity) before anything is stored, and compiles their schemas for checking the model's calls.
 */
@Injectable()
export class ToolDefinitions {
  // No remote $refs, no formats that need code: a page's schema is data, never a fetch or a regex
  // bomb's host. addUsedSchema off: a schema's `$id` does not register it (a second send with the
  // same `$id` would be refused as a duplicate).
  private readonly ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false, addUsedSchema: false });
  /**
   * By the schema's text: compiling costs milliseconds per tool, and every send and continuation
   * brings the same schemas as new objects (which ajv's own cache, keyed by object, would keep forever).
   */
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly config: AppConfig) {}

  check(tools: ClientToolDto[] | undefined): ToolSet | undefined {
    if (!tools?.length) return undefined;
    const { maxPerSend, allowed } = this.config.tools;
    if (maxPerSend === 0) {
      throw new AppError('TOOL_NOT_ALLOWED', 'Page tools are turned off on this server (MAX_CLIENT_TOOLS=0).', {
        field: 'tools',
      });
    }
    if (tools.length > maxPerSend) {
      throw new AppError('TOOL_DEFINITION_INVALID', `A send may carry at most ${maxPerSend} tools.`, {
        field: 'tools',
      });
    }
    const definitions: AiTool[] = [];
    const validators = new Map<string, ValidateFunction>();
    tools.forEach((tool, i) => {
      if (allowed && !allowed.has(tool.name)) {
        throw new AppError('TOOL_NOT_ALLOWED', `The tool ${tool.name} is not in this server's ALLOWED_CLIENT_TOOLS.`, {
          field: `tools[${i}].name`,
        });
      }
      if (validators.has(tool.name)) throw invalid(i, 'name', `Two tools are named ${tool.name}.`);
      const schema = tool.parameters;
      if (schema.type !== 'object')
        throw invalid(i, 'parameters', 'parameters must be a JSON Schema with type "object".');
      if (Buffer.byteLength(JSON.stringify(schema)) > MAX_SCHEMA_BYTES) {
        throw invalid(i, 'parameters', `parameters may be at most ${MAX_SCHEMA_BYTES} bytes of JSON.`);
      }
      if (depthOf(schema) > MAX_SCHEMA_DEPTH) {
        throw invalid(i, 'parameters', `parameters may nest at most ${MAX_SCHEMA_DEPTH} levels deep.`);
      }
      if (JSON.stringify(schema).includes('"$ref":"http')) {
        throw invalid(i, 'parameters', 'parameters may not refer to remote schemas.');
      }
      let validate: ValidateFunction;
      try {
        validate = this.compile(schema);
      } catch (err) {
        throw invalid(
          i,
          'parameters',
          `parameters is not a valid JSON Schema: ${(err as Error).message.slice(0, 200)}`,
        );
      }
      validators.set(tool.name, validate);
      definitions.push({ name: tool.name, description: tool.description, parameters: schema });
    });
    return { definitions, validators };
  }

  private compile(schema: Record<string, unknown>): ValidateFunction {
    const key = JSON.stringify(schema);
    const known = this.compiled.get(key);
    if (known) {
      // Most recently used last: the map's order is the eviction order.
      this.compiled.delete(key);
      this.compiled.set(key, known);
      return known;
    }
    const validate = this.ajv.compile(schema);
    // Out of ajv's own cache: ours holds it, by its text.
    this.ajv.removeSchema(schema);
    this.compiled.set(key, validate);
    if (this.compiled.size > COMPILED_KEPT) this.compiled.delete(this.compiled.keys().next().value as string);
    return validate;
  }
}
