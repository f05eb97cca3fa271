import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppConfig } from '../config/app-config.js';
import { ERROR_STATUS, type ErrorCode } from './app-error.js';

/**
 * What Node's HTTP parser refuses before any route runs: it would answer with a bare status
 * line and no body. We answer in the one error shape instead, so every refusal has a code.
 */
function clientErrorCode(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 'PAYLOAD_TOO_LARGE';
  return 'BAD_REQUEST';
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  REQUEST_TIMEOUT: 'The request took too long to arrive.',
  HEADERS_TOO_LARGE: 'The request headers are too large.',
  PAYLOAD_TOO_LARGE: 'The request is too large.',
  BAD_REQUEST: 'The request is not valid HTTP.',
};

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Node's own handler answers only while nothing of a response has been written.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy(err);
    return;
  }
  const code = clientErrorCode(err);
  const statusCode = ERROR_STATUS[code];
  const requestId = randomUUID();
  const body = JSON.stringify({ statusCode, code, message: MESSAGES[code], requestId });
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Node's defaults let a slow-loris client hold a connection 60 s for its headers and 300 s
 * for its request, checked only every 30 s. These bound receiving the request only; once it
 * is in, a streamed answer is not cut.
 */
export function hardenHttpServer(server: Server & { connectionsCheckingInterval?: number }, config: AppConfig): void {
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  // How often expired connections are looked for; Node reads it when listening starts (untyped in @types/node).
  server.connectionsCheckingInterval = Math.min(1000, server.headersTimeout);
  server.on('clientError', answerClientError);
}
