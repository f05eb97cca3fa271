import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';

/**
 * Deepest nesting of arrays and objects a JSON body may have. Pulse's bodies are flat
 * (depth 1); 32 leaves room without letting class-transformer recurse 100,000 levels
 * (a RangeError, a stack in the log and ~70 ms of CPU per request before auth).
 */
const MAX_JSON_DEPTH = 32;

/**
 * Body size per route: a send carries up to 16,000 + 8,000 characters, which JSON may
 * escape to 6 bytes each; every other body is a few hundred bytes of small fields.
 */
const BODY_LIMITS = { send: '256kb', other: '64kb' } as const;

const SEND_PATH = '/api/chat/send';

/** Thrown from body-parser's `verify` hook; body-parser keeps `status` and `type`, the filter maps them. */
class BodyTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  constructor() {
    super(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
    this.name = 'BodyTooDeepError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/**
 * The nesting depth of a JSON text, read from its bytes without parsing it, stopping as soon
 * as `max` is exceeded (so a hostile body costs one pass over a prefix, never a parse).
 * Brackets inside strings do not count; malformed JSON is left for the parser to refuse.
 */
export function exceedsDepth(body: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (c === QUOTE) {
      i = stringEnd(body, i);
      if (i < 0) return false;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * The index of the quote closing the string opened at `start`, or -1. Text is most of a body,
 * so the quote is first looked for natively; only a string with an escaped quote is walked byte
 * by byte (a native search per escaped quote would make `\"\"\"…` the expensive body).
 */
function stringEnd(body: Uint8Array, start: number): number {
  const end = body.indexOf(QUOTE, start + 1);
  if (end < 0 || body[end - 1] !== BACKSLASH) return end;
  for (let i = start + 1; i < body.length; i += 1) {
    if (body[i] === BACKSLASH) i += 1;
    else if (body[i] === QUOTE) return i;
  }
  return -1;
}

function verifyDepth(_req: IncomingMessage, _res: unknown, body: Buffer): void {
  if (exceedsDepth(body)) throw new BodyTooDeepError();
}

/** One JSON body parser per size class, with the depth check before anything parses the body. */
export function jsonBodyParser(): RequestHandler {
  const send = express.json({ limit: BODY_LIMITS.send, verify: verifyDepth });
  const other = express.json({ limit: BODY_LIMITS.other, verify: verifyDepth });
  return (req, res, next) => (req.path === SEND_PATH ? send : other)(req, res, next);
}
