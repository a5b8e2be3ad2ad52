import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A tiny HTTP proxy in front of the app: it answers the next requests with the faults a test
// queues (an error status with Retry-After, a dropped connection, or a response lost after the
// app handled the request), then forwards again, and it records every request it saw, so a
// test can assert what the client really sent.

/**
 * `drop`: the connection closes before the app sees the request; `lose-response`: after the app
 * answered; `stall-body`: the app's status and headers and one byte of its body come, then nothing;
 * `{ delayMs }`: forwarded after that wait.
 */
export type Fault = 'drop' | 'lose-response' | 'stall-body' | { delayMs: number } | { status: 409 | 429 | 500 | 503; retryAfter?: string; rateLimit?: string; rateLimitPolicy?: string };

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface FaultProxy {
  url: string;
  seen: SeenRequest[];
  /** Failures while forwarding, e.g. a response that breaks the contract. */
  errors: string[];
  failNext(...faults: Fault[]): void;
  reset(): void;
  close(): Promise<void>;
}

const CODES = { 409: 'idempotency_key_in_use', 429: 'rate_limited', 500: 'internal_error', 503: 'service_unavailable' } as const;
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** A problem details body like the server's own, so the client sees what a real 429/503 looks like. */
function faultBody(status: keyof typeof CODES, path: string) {
  return JSON.stringify({ type: `/problems/${CODES[status].replaceAll('_', '-')}`, title: 'Injected fault', status, detail: 'Injected by the test proxy.', instance: path, code: CODES[status], request_id: 'fault-proxy' });
}

const toHeaders = (incoming: IncomingHttpHeaders) =>
  new Headers(Object.entries(incoming).flatMap(([name, value]): Array<[string, string]> => (HOP_BY_HOP.has(name) || value === undefined ? [] : [[name, String(value)]])));

/** Starts the proxy; `forward` answers every request that is not given a fault. */
export async function startFaultProxy(forward: (path: string, init: RequestInit) => Promise<Response>): Promise<FaultProxy> {
  const faults: Fault[] = [];
  const seen: SeenRequest[] = [];
  const errors: string[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const path = req.url ?? '/';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({ method: req.method ?? 'GET', path, headers: req.headers, at });
    const fault = faults.shift();
    if (fault === 'drop') return req.socket.destroy();
    if (typeof fault === 'object' && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    else if (typeof fault === 'object') {
      res.writeHead(fault.status, { 'content-type': 'application/problem+json', 'x-request-id': 'fault-proxy', ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
        ...(fault.rateLimit === undefined ? {} : { ratelimit: fault.rateLimit }),
        ...(fault.rateLimitPolicy === undefined ? {} : { 'ratelimit-policy': fault.rateLimitPolicy }),
      });
      return res.end(faultBody(fault.status, path));
    }
    try {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const response = await forward(path, { method: req.method, headers: toHeaders(req.headers), body });
      const payload = Buffer.from(await response.arrayBuffer());
      if (fault === 'lose-response') return req.socket.destroy();
      if (req.socket.destroyed) return; // the client gave up waiting
      res.writeHead(response.status, [...response.headers].filter(([name]) => !HOP_BY_HOP.has(name)));
      if (fault === 'stall-body') return void res.write(payload.subarray(0, 1));
      res.end(payload);
    } catch (error) {
      errors.push(`${req.method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
      res.writeHead(502, { 'content-type': 'text/plain' }).end(String(error));
    }
  };
  // A request the proxy could not even read (the client went away) is recorded, not left as an unhandled rejection.
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      errors.push(`${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      req.socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    errors,
    failNext: (...more) => void faults.push(...more),
    reset: () => {
      faults.length = 0;
      seen.length = 0;
      errors.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
