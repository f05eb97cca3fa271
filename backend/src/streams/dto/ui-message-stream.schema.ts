import type { SchemaObject } from '../../common/api-errors.decorator.js';
import { ERROR_CODES } from '../../common/app-error.js';

/** An object schema whose `type` is the one literal that tells the parts apart. */
const part = (type: string, properties: Record<string, SchemaObject>, description: string): SchemaObject => ({
  type: 'object',
  description,
  required: ['type', ...Object.keys(properties)],
  properties: { type: { type: 'string', enum: [type] }, ...properties },
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const text = { type: 'string' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

/**
 * The parts of the `text/event-stream` answer of POST /api/chat/send (ui-message-stream.ts
 * writes them): the AI SDK's UI message stream protocol v1. Each SSE event is
 * `id: <n>` and `data: <one part as JSON>`; the stream ends with `data: [DONE]`.
 */
const PARTS: Record<string, SchemaObject> = {
  UiStartPart: part('start', { messageId: uuid }, 'Opens the answer; messageId is the assistant message id.'),
  UiSessionPart: part(
    'data-session',
    {
      data: {
        type: 'object',
        required: ['session_id', 'title', 'created_session', 'user_message_id'],
        properties: { session_id: uuid, title: text, created_session: { type: 'boolean' }, user_message_id: uuid },
      },
    },
    'The session the answer belongs to, and the stored user message.',
  ),
  UiSourceDocumentPart: part(
    'source-document',
    { sourceId: text, mediaType: text, title: text, filename: text },
    'An attached file (or a page of a long one) the model was given: `sourceId` is the attachment id, with ' +
      '`:p<page>` for a page.',
  ),
  UiTextStartPart: part('text-start', { id: text }, 'A text block begins.'),
  UiTextDeltaPart: part('text-delta', { id: text, delta: text }, 'The next piece of the answer.'),
  UiTextEndPart: part('text-end', { id: text }, 'The text block ends.'),
  UiToolInputStartPart: part(
    'tool-input-start',
    { toolCallId: text, toolName: text, dynamic: { type: 'boolean', enum: [true] } },
    "The model began a call of one of the page's tools (the send's `tools`).",
  ),
  UiToolInputDeltaPart: part(
    'tool-input-delta',
    { toolCallId: text, inputTextDelta: text },
    "A piece of the call's JSON arguments.",
  ),
  UiToolInputAvailablePart: part(
    'tool-input-available',
    { toolCallId: text, toolName: text, input: {}, dynamic: { type: 'boolean', enum: [true] } },
    "The call's arguments, whole and fitting the tool's schema: the page runs it and posts its result to POST " +
      '/api/chat/sessions/{id}/tool-results.',
  ),
  UiToolInputErrorPart: part(
    'tool-input-error',
    { toolCallId: text, toolName: text, input: {}, errorText: text, dynamic: { type: 'boolean', enum: [true] } },
    'A call Pulse refused (a tool the page did not register, arguments not JSON or not fitting the schema): the ' +
      'page does not run it and posts `error` (this errorText) as its result.',
  ),
  UiToolOutputAvailablePart: part(
    'tool-output-available',
    { toolCallId: text, output: {}, dynamic: { type: 'boolean', enum: [true] } },
    'What the page returned for a call (opens a continued answer).',
  ),
  UiToolOutputErrorPart: part(
    'tool-output-error',
    { toolCallId: text, errorText: text, dynamic: { type: 'boolean', enum: [true] } },
    'The call failed in the page, was stopped, or was not answered in time.',
  ),
  UiToolOutputDeniedPart: part('tool-output-denied', { toolCallId: text }, 'The visitor denied the call.'),
  UiStartStepPart: part('start-step', {}, "A continued answer's own step begins (after the tools' results)."),
  UiMessagePart: part(
    'data-message',
    {
      data: {
        type: 'object',
        required: ['assistant_message_id', 'finish_reason', 'interrupted', 'usage', 'provider', 'model', 'replayed'],
        properties: {
          assistant_message_id: uuid,
          finish_reason: text,
          interrupted: { type: 'boolean' },
          usage: { type: 'object', allOf: [ref('UsageDto')], nullable: true },
          provider: { type: 'string', enum: ['supabase', 'openai', 'demo'] },
          model: text,
          replayed: { type: 'boolean' },
          tool_calls: { type: 'array', items: ref('ToolCallDto') },
          awaiting_tool_results: { type: 'boolean' },
        },
      },
    },
    'The stored answer, as in the JSON result.',
  ),
  UiFinishPart: part(
    'finish',
    {
      finishReason: {
        type: 'string',
        enum: ['stop', 'length', 'content-filter', 'tool-calls', 'error', 'interrupted', 'other'],
      },
    },
    'The answer is complete.',
  ),
  UiDataErrorPart: part(
    'data-error',
    {
      data: {
        type: 'object',
        required: ['code', 'message', 'requestId'],
        properties: { code: { type: 'string', enum: ERROR_CODES }, message: text, requestId: text },
      },
    },
    'The answer failed after the stream opened; the same code as the JSON error body.',
  ),
  UiErrorPart: part('error', { errorText: text }, "The AI SDK's own error part, after data-error."),
};

const MAPPING: Record<string, string> = Object.fromEntries(
  Object.entries(PARTS).map(([name, schema]) => [
    String((schema.properties!.type as SchemaObject).enum![0]),
    `#/components/schemas/${name}`,
  ]),
);

export const UI_MESSAGE_STREAM_SCHEMAS: Record<string, SchemaObject> = {
  ...PARTS,
  UiMessageStreamPart: {
    description:
      'One `data:` line of the event stream. Events carry `id:` numbers; `: ping` comments keep the ' +
      'connection open; `data: [DONE]` ends it.',
    oneOf: Object.keys(PARTS).map(ref),
    discriminator: { propertyName: 'type', mapping: MAPPING },
  },
};
