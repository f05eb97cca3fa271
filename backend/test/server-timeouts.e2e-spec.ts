import { partsOf, readSse } from '@pulse/testkit';
import { connect, type Socket } from 'node:net';
import { send, storedMessages } from './support/chat.js';
import { useChatApp } from './support/test-app.js';

interface SlowClient {
  /** What the server wrote before it closed the connection. */
  answer: string;
  elapsedMs: number;
}

/**
 * Opens a raw connection, writes `opening` and then one more piece every 200 ms (as a
 * slow-loris client does) until the server closes the connection.
 */
function slowClient(url: string, opening: string, piece: string): Promise<SlowClient> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answer = '';
    const socket: Socket = connect(Number(port), '127.0.0.1', () => socket.write(opening));
    const drip = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(piece);
    }, 200);
    socket.on('data', (d) => (answer += String(d)));
    socket.on('error', () => {}); // a reset after the 408 is still a close
    socket.on('close', () => {
      clearInterval(drip);
      resolve({ answer, elapsedMs: performance.now() - started });
    });
    socket.setTimeout(20_000, () => {
      clearInterval(drip);
      socket.destroy();
      reject(new Error('the server kept a slow connection open for 20 s'));
    });
  });
}

describe('slow clients: header and request timeouts close them, streamed answers are not cut', () => {
  const { t, upstream } = useChatApp({
    HTTP_HEADERS_TIMEOUT_SECONDS: '1',
    HTTP_REQUEST_TIMEOUT_SECONDS: '1.5',
    SSE_HEARTBEAT_SECONDS: '0.2',
  });

  it('closes a connection whose headers trickle in with 408 after HTTP_HEADERS_TIMEOUT_SECONDS', async () => {
    const client = await slowClient(t.url, 'GET /health HTTP/1.1\r\nHost: pulse\r\n', 'X-Slow: 1\r\n');
    expect(client.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(client.answer).toContain('"code":"REQUEST_TIMEOUT"');
    // Node's default would have held it for 60 s or more.
    expect(client.elapsedMs).toBeLessThan(10_000);
  });

  it('closes a connection whose body trickles in with 408 after HTTP_REQUEST_TIMEOUT_SECONDS', async () => {
    const u = await t.user();
    const client = await slowClient(
      t.url,
      `POST /api/chat/sessions HTTP/1.1\r\nHost: pulse\r\nAuthorization: ${u.auth.Authorization}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"title": "',
      'x',
    );
    expect(client.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(client.answer).toContain('"code":"REQUEST_TIMEOUT"');
    expect(client.elapsedMs).toBeLessThan(10_000);
  });

  it('answers headers over 16 KB and unparsable requests in the one error shape', async () => {
    const big = await fetch(`${t.url}/api/chat/sessions`, { headers: { 'X-Big': 'b'.repeat(20_000) } });
    expect([big.status, ((await big.json()) as { code: string }).code]).toEqual([431, 'HEADERS_TOO_LARGE']);
    const garbage = await slowClient(t.url, 'NOT HTTP AT ALL\r\n\r\n', '');
    expect(garbage.answer).toMatch(/^HTTP\/1\.1 400/);
    expect(garbage.answer).toContain('"code":"BAD_REQUEST"');
  });

  it('streams an answer for longer than both timeouts without cutting it', async () => {
    const u = await t.user();
    const words = Array.from({ length: 12 }, (_, i) => `w${i} `);
    // 12 deltas 300 ms apart: about 3.3 s, more than twice HTTP_REQUEST_TIMEOUT_SECONDS.
    upstream.enqueue({ kind: 'text', chunks: words, chunkDelayMs: 300 });

    const res = await send(t, u.auth, { message: 'Take your time' }, { stream: true });
    const parts = partsOf(await readSse(res.body!));

    const text = parts
      .filter((p) => p.type === 'text-delta')
      .map((p) => p.delta)
      .join('');
    expect(text).toBe(words.join(''));
    expect(parts.at(-1)).toEqual(expect.objectContaining({ type: 'finish' }));
    const sessionId = (parts.find((p) => p.type === 'data-session')!.data as { session_id: string }).session_id;
    expect((await storedMessages(t, u.auth, sessionId)).map((m) => m.content)).toEqual([
      'Take your time',
      words.join(''),
    ]);
  });
});
