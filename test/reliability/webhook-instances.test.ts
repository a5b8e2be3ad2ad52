import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkedFetch } from '../helpers/contract.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { newSubject, signToken } from '../helpers/tokens.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

// Webhook workers in separate server processes on one database: each event is claimed by one
// instance at a time (exactly one delivery to a healthy receiver), and a worker killed mid-delivery
// loses nothing (its leases end, and another instance delivers).

const WORKER_ENV = { WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_CONCURRENCY: '4', WEBHOOK_TIMEOUT_MS: '1000' };

describe('webhook workers in several instances', () => {
  let db: TestDatabase;
  let receiver: Receiver | undefined;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
    await receiver?.close();
  });
  afterAll(() => db.drop());

  async function start(): Promise<string> {
    const server = spawnServer({ DATABASE_URL: db.url, ...WORKER_ENV });
    servers.push(server);
    return server.ready;
  }

  async function userOn(base: string) {
    const token = await signToken({ sub: newSubject() });
    const send = async (url: string, method: string, path: string, body?: unknown) => {
      const res = await checkedFetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
    };
    const hook = await send(base, 'POST', '/v1/webhooks', { url: receiver!.url, events: ['todo.created'] });
    expect(hook.status).toBe(201);
    return { send, webhookId: hook.body!.id as string };
  }

  const distinctIds = () => new Set(receiver!.received.map((r) => r.headers['webhook-id'])).size;

  async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('two instances with workers on: each event is delivered exactly once', { timeout: 120_000 }, async () => {
    receiver = await startReceiver();
    const [a, b] = await Promise.all([start(), start()]);
    const user = await userOn(a);
    const count = 120;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => user.send(i % 2 === 0 ? a : b, 'POST', '/v1/todos', { title: `todo ${i}` })),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    await until(() => distinctIds() >= count, 60_000, `${count} distinct events`);
    // Time for a duplicate to show up, if a second instance were to send one.
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received).toHaveLength(count);
    expect(distinctIds()).toBe(count);
    const [row] = await db.query<{ attempts: number; pending: number }>(
      `SELECT (SELECT count(*)::int FROM webhook_attempts WHERE webhook_id = $1) AS attempts,
              (SELECT count(*)::int FROM webhook_deliveries WHERE webhook_id = $1 AND status <> 'succeeded') AS pending`,
      [user.webhookId],
    );
    expect(row).toEqual({ attempts: count, pending: 0 });
  });

  it('a server killed with SIGKILL mid-delivery: after a restart every event is delivered, none lost', { timeout: 120_000 }, async () => {
    // The receiver holds its first requests open, so that deliveries are in flight at the kill.
    let answering = false;
    receiver = await startReceiver((_, res) => {
      if (answering) res.writeHead(204).end();
    });
    const first = await start();
    const user = await userOn(first);
    const count = 20;
    for (let i = 0; i < count; i += 1) expect((await user.send(first, 'POST', '/v1/todos', { title: `todo ${i}` })).status).toBe(201);
    await receiver.waitFor(1, 20_000);
    const killed = servers.pop()!;
    expect(await killed.stop('SIGKILL')).toBeNull();
    const [inFlight] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND lease IS NOT NULL`, [user.webhookId]);
    expect(inFlight!.n).toBeGreaterThan(0);

    answering = true;
    await start();
    await until(
      async () => {
        const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'succeeded'`, [user.webhookId]);
        return row!.n === count;
      },
      60_000,
      'every delivery to succeed',
    );
    const events = await db.query<{ id: string }>(`SELECT event_id AS id FROM webhook_deliveries WHERE webhook_id = $1`, [user.webhookId]);
    const seen = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    for (const { id } of events) expect(seen.has(id)).toBe(true);
    expect(events).toHaveLength(count);
  });

  it('WEBHOOK_WORKER=false leaves delivery to `npm run worker` (src/cli/worker.ts), which delivers on its own', { timeout: 120_000 }, async () => {
    receiver = await startReceiver();
    const api = spawnServer({ DATABASE_URL: db.url, ...WORKER_ENV, WEBHOOK_WORKER: 'false' });
    servers.push(api);
    const base = await api.ready;
    const user = await userOn(base);
    expect((await user.send(base, 'POST', '/v1/todos', { title: 'queued' })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received).toHaveLength(0);

    const worker = spawnServer({ DATABASE_URL: db.url, ...WORKER_ENV }, 'src/cli/worker.ts');
    servers.push(worker);
    await worker.waitForLog((line) => line.msg === 'webhook worker started');
    await receiver.waitFor(1, 20_000);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'todo.created', data: { object: { title: 'queued' } } });
    expect(await worker.stop('SIGTERM')).toBe(0);
  });

  it('`npm run worker` without DATABASE_URL says what it needs and exits 1', async () => {
    const worker = spawnServer({ DATABASE_URL: '' }, 'src/cli/worker.ts');
    expect(await worker.exited).toBe(1);
    expect(worker.stderr()).toMatch(/needs DATABASE_URL/);
  });
});
