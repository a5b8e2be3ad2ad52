import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got: the raw body, as a Standard Webhooks verifier must see it. */
export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** How the receiver answers a request; the default answers 204. */
export type Responder = (request: Received, response: ServerResponse) => void;

/**
 * A webhook receiver on loopback: records every request, answers with `respond` (replaceable at
 * any time), and counts TCP connections (a refused target must never get one).
 */
export async function startReceiver(respond: Responder = (_, res) => res.writeHead(204).end()) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  let connections = 0;
  let responder = respond;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(entry);
      for (const wake of waiters.splice(0)) wake();
      responder(entry, res);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    connections: () => connections,
    respondWith(next: Responder) {
      responder = next;
    },
    /** Resolves once `count` requests (in all) have arrived; rejects after `timeoutMs`. */
    async waitFor(count: number, timeoutMs = 15_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the receiver got ${received.length} requests, not ${count}, in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
