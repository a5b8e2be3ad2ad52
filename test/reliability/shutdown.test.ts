import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markShuttingDown } from '../../src/lib/lifecycle.js';
import { checkedFetch } from '../helpers/contract.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { startTestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { newSubject, signToken } from '../helpers/tokens.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds a row lock on a todo from outside the service, so that a PATCH of it stays in flight. */
async function lockTodo(db: TestDatabase, id: string) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT id FROM todos WHERE id = $1 FOR UPDATE', [id]);
  return {
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

async function waitForLockWait(db: TestDatabase) {
  for (let i = 0; i < 100; i += 1) {
    const rows = await db.query("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()");
    if (rows.length > 0) return;
    await sleep(50);
  }
  throw new Error('the PATCH never waited on the lock');
}

describe('graceful shutdown on SIGTERM', () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-shutdown-'));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startWithTodo(env: Record<string, string> = {}) {
    const server = spawnServer({ DATABASE_URL: db.url, DATA_DIR: dataDir, ...env });
    const url = await server.ready;
    const auth = { authorization: `Bearer ${await signToken({ sub: newSubject() })}`, 'content-type': 'application/json' };
    const created = await checkedFetch(`${url}/v1/todos`, { method: 'POST', headers: auth, body: JSON.stringify({ title: 'before' }) });
    const { id } = (await created.json()) as { id: string };
    return { server, url, auth, id };
  }

  it('finishes the request in flight, refuses new connections, closes the pool and exits 0', async () => {
    const { server, url, auth, id } = await startWithTodo();
    const lock = await lockTodo(db, id);
    const inFlight = checkedFetch(`${url}/v1/todos/${id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ title: 'during shutdown' }) });
    await waitForLockWait(db);

    server.process.kill('SIGTERM');
    await sleep(300);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    expect(server.process.exitCode).toBeNull();

    await lock.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(await db.query('SELECT title FROM todos WHERE id = $1', [id])).toEqual([{ title: 'during shutdown' }]);
    expect(server.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    const connections = await db.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'todo-api' AND datname = current_database()");
    expect(connections).toEqual([]);
  });

  it('answers with Connection: close once draining, so a busy keep-alive connection ends with its request in flight and the server exits long before SHUTDOWN_TIMEOUT_MS', async () => {
    const { server, url, auth, id } = await startWithTodo({ SHUTDOWN_TIMEOUT_MS: '20000' });
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => {});
    await once(socket, 'connect');
    const raw = (method: string, path: string, body: string) =>
      [
        `${method} ${path} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        `Authorization: ${auth.authorization}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
    const create = raw('POST', '/v1/todos', JSON.stringify({ title: 'again' }));
    const patch = raw('PATCH', `/v1/todos/${id}`, JSON.stringify({ title: 'in flight at SIGTERM' }));

    // One request at a time on this one connection, each sent as soon as the last is answered;
    // the 21st waits on a row lock, so that it is in flight when the drain starts.
    const answers: Array<{ status: number; close: boolean; afterSignal: boolean }> = [];
    let signalled = false;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.subarray(end + 4 + length);
        answers.push({ status: Number(head.split(' ')[1]), close: /\r\nconnection: *close/i.test(head), afterSignal: signalled });
        // Bounded, so that a server that keeps serving fails the test rather than hold it for 20 s.
        if (answers.filter((a) => a.afterSignal).length < 50) socket.write(answers.length === 20 ? patch : create);
      }
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const lock = await lockTodo(db, id);
    socket.write(create);
    await waitForLockWait(db);
    expect(answers).toHaveLength(20);
    server.process.kill('SIGTERM');
    signalled = true;
    const signalledAt = performance.now();
    await server.waitForLog((l) => l.msg === 'shutting down');
    await lock.release();
    await closed;
    const code = await server.exited;
    const exitedAfterMs = performance.now() - signalledAt;

    expect(answers.slice(0, 20).every((a) => a.status === 201 && !a.close)).toBe(true);
    // The request in flight is answered, saying Connection: close; the connection ends there.
    expect(answers.filter((a) => a.afterSignal)).toEqual([{ status: 200, close: true, afterSignal: true }]);
    expect(code).toBe(0);
    expect(exitedAfterMs).toBeLessThan(10_000);
  }, 60_000);

  it('does not wait longer than SHUTDOWN_TIMEOUT_MS for a request that will not finish', async () => {
    const { server, url, auth, id } = await startWithTodo({ SHUTDOWN_TIMEOUT_MS: '500' });
    const lock = await lockTodo(db, id);
    const inFlight = fetch(`${url}/v1/todos/${id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ title: 'never' }) }).catch((e: unknown) => e);
    await waitForLockWait(db);
    const t0 = performance.now();
    server.process.kill('SIGTERM');
    // The client loses its connection once the timeout closes it.
    expect(await inFlight).toBeInstanceOf(Error);
    expect(performance.now() - t0).toBeLessThan(3000);
    await lock.release();
    await server.exited;
    expect(performance.now() - t0).toBeLessThan(8000);
    expect(await db.query('SELECT title FROM todos WHERE id = $1', [id])).toEqual([{ title: 'before' }]);
  });
});

describe('readiness during a shutdown', () => {
  it('turns 503 as soon as the shutdown starts', async () => {
    const t = await startTestApp();
    try {
      expect((await t.request('/health/ready')).status).toBe(200);
      markShuttingDown();
      const res = await t.request('/health/ready');
      expect(res.status).toBe(503);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/shutting down/);
    } finally {
      await t.close();
    }
  });
});
