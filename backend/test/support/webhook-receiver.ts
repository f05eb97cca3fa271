// A site owner's webhook receiver for the e2e specs: a real HTTP server that verifies each
// request's Standard Webhooks signature with the standardwebhooks package, and answers as the
// test tells it to: 2xx, an error status, or not at all (hang until the sender gives up).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  headers: Record<string, string>;
  /** How this request was answered. */
  answer: number | 'hang';
}

/** What to answer a request: a status, or 'hang' (hold it open until the sender gives up or the test releases it). */
type Behaviour = (event: ReceivedWebhook, attempt: number) => number | 'hang';

export interface WebhookReceiver {
  url: string;
  /** Every verified request, in arrival order, repeats included. */
  requests: ReceivedWebhook[];
  /** Requests that failed signature verification (should stay empty). */
  rejected: string[];
  /** Verified requests answered 2xx: what the receiver acknowledged. */
  acknowledged(): ReceivedWebhook[];
  /** Verifies with this secret from now on (an endpoint made through the admin API has its own). */
  useSecret(secret: string): void;
  /** Sets how requests are answered from now on (default: 204 to all). */
  behave(behaviour: Behaviour): void;
  /** Requests held open ('hang') whose sender has not given up yet. */
  hanging(): number;
  /** Stops accepting connections (the receiver is down); held requests are cut. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  let verifier = new Webhook(secret);
  const requests: ReceivedWebhook[] = [];
  const rejected: string[] = [];
  const held = new Set<ServerResponse>();
  let behaviour: Behaviour = () => 204;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    let parsed: { type: string; timestamp: string; data: Record<string, unknown> };
    try {
      parsed = verifier.verify(body, headers) as typeof parsed;
    } catch (err) {
      rejected.push(`${(err as Error).message}: ${body.slice(0, 200)}`);
      res.writeHead(400).end();
      return;
    }
    const event: ReceivedWebhook = { id: headers['webhook-id'], ...parsed, headers, answer: 204 };
    const attempt = requests.filter((r) => r.id === event.id).length + 1;
    event.answer = behaviour(event, attempt);
    requests.push(event);
    if (event.answer === 'hang') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    res.writeHead(event.answer).end();
  };

  let server: Server;
  let port = 0;
  const listen = async () => {
    server = createServer((req, res) => void handle(req, res));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}/hooks/pulse`,
    requests,
    rejected,
    acknowledged: () => requests.filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300),
    useSecret: (s) => {
      verifier = new Webhook(s);
    },
    behave: (b) => {
      behaviour = b;
    },
    hanging: () => held.size,
    down: stop,
    up: listen,
    close: stop,
  };
}
