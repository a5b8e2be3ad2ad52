import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedFetch } from '../helpers/contract.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// A client that sends its headers and half a body must hold no database connection: the body is
// read (within BODY_TIMEOUT_MS) before the unit of work takes one. Over real HTTP, on loopback.

const POOL_MAX = 3;
const BODY_TIMEOUT_MS = 2500;

/** Opens a raw connection, sends a POST whose body stops halfway, and collects whatever comes back. */
function halfSentPost(port: number, token: string): { answer: Promise<string>; socket: net.Socket } {
  const body = JSON.stringify({ title: 'never finished' });
  const socket = net.connect(port, '127.0.0.1');
  socket.write(
    `POST /v1/todos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body.slice(0, body.length / 2)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  const answer = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
  return { answer, socket };
}

describe(`${3 * POOL_MAX} clients holding half-sent bodies on a pool of ${POOL_MAX}`, () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp({ poolMax: POOL_MAX, acquireTimeoutMs: 1000, env: { BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) } });
    server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it("starve no one: another user's reads and writes keep answering 2xx at once, and each slow client gets a 408 when its time is up", async () => {
    const port = Number(new URL(base).port);
    const attacker = await signToken({ sub: newSubject('attacker') });
    const victim = { headers: { authorization: `Bearer ${await signToken({ sub: newSubject('victim') })}` } };
    // The attacker's user row exists first, so that the slow requests are all that is left of it.
    expect((await checkedFetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${attacker}` } })).status).toBe(200);
    const slow = Array.from({ length: 3 * POOL_MAX }, () => halfSentPost(port, attacker));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = Date.now();
    const latencies: number[] = [];
    while (Date.now() - started < BODY_TIMEOUT_MS - 500) {
      const t0 = performance.now();
      const created = await checkedFetch(`${base}/v1/todos`, {
        method: 'POST',
        headers: { ...victim.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'still served' }),
      });
      const listed = await checkedFetch(`${base}/v1/todos?limit=1`, victim);
      latencies.push(performance.now() - t0);
      expect(created.status).toBe(201);
      expect(listed.status).toBe(200);
    }
    // A starved pool would make each of these wait the whole acquire timeout (1 s) and then 503.
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(500);

    const answers = await Promise.all(slow.map((s) => s.answer));
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toMatch(/content-type: application\/problem\+json/i);
      expect(answer).toMatch(/connection: close/i);
      expect(answer).toContain('"code":"request_timeout"');
    }
    const rows = await t.db.query<{ n: string }>("SELECT count(*) AS n FROM todos WHERE title = 'never finished'");
    expect(Number(rows[0]!.n)).toBe(0);
  }, 20_000);
});
