// What every endpoint of the OpenAI stub shares: OpenAI's error body and plain HTTP helpers.
// Plain ESM on node: built-ins so Node and Deno (node compat) can both import it.

export const JSON_HEADERS = { 'content-type': 'application/json' };

const ERROR_TYPES = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
};

/** OpenAI's error body; `overrides` may name the type, code and param. */
export function errorBody(status, message, overrides = {}) {
  const [type, code] = ERROR_TYPES[status] ?? ['server_error', null];
  return {
    error: {
      message: message ?? `The upstream stub answered with status ${status}.`,
      type: overrides.type ?? type,
      param: overrides.param ?? null,
      code: overrides.code === undefined ? code : overrides.code,
    },
  };
}

export function readRaw(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (part) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export async function readBody(req) {
  return (await readRaw(req)).toString('utf8');
}

export function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Marks the record aborted when the connection closes before the answer was complete. */
export function watchAbort(res, record) {
  res.on('close', () => {
    if (!res.writableFinished) record.aborted = true;
  });
}
