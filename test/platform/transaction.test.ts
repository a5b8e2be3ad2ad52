import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../../src/db/database.js';
import { User } from '../../src/db/models/index.js';
import { ApiError } from '../../src/lib/errors.js';
import type { AppOpenAPI } from '../../src/lib/types.js';
import { requestTransaction } from '../../src/middleware/transaction.js';
import { json, mountSlowRoute, startTestApp, type TestApp } from '../helpers/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function currentTxid(): Promise<string> {
  const [row] = await database().query<{ txid: string }>('SELECT txid_current()::text AS txid', { type: QueryTypes.SELECT });
  return row!.txid;
}

let releaseSlowWrite: () => void = () => {};

/** POSTs to the app served over real HTTP; `hangUp` closes the socket while the handler still runs. */
async function postOverHttp(app: AppOpenAPI, path: string, hangUp: boolean): Promise<number | 'gone'> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (error) => (hangUp ? resolve('gone') : reject(error)));
      req.end();
      setTimeout(() => {
        if (hangUp) req.destroy();
        // The handler answers after the hang-up; the transaction middleware sees the closed socket.
        setTimeout(() => releaseSlowWrite(), 100);
      }, 200);
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

// Routes that only this file mounts: they write through the models with no transaction passed.
function mountTestRoutes(app: AppOpenAPI) {
  // Outside /v1 so that no token is needed: the same middleware the product mounts on /v1.
  app.use('/__test/*', requestTransaction);
  app.post('/__test/users/:subject', async (c) => {
    const subject = c.req.param('subject');
    const txidBefore = await currentTxid();
    await User.create({ id: randomUUID(), subject });
    await sleep(Math.random() * 30);
    const found = await User.findOne({ where: { subject } });
    const txidAfter = await currentTxid();
    const [timeout] = await database().query<{ statement_timeout: string }>('SHOW statement_timeout', { type: QueryTypes.SELECT });
    return c.json({ txidBefore, txidAfter, found: found?.subject ?? null, statementTimeout: timeout?.statement_timeout }, 200);
  });
  app.post('/__test/throw/:subject', async (c) => {
    await User.create({ id: randomUUID(), subject: c.req.param('subject') });
    throw new Error('boom after writing: SELECT secret FROM users WHERE password = 1');
  });
  // Writes, then answers only once the test says so: the client may have hung up by then.
  app.post('/__test/slow-write/:subject', async (c) => {
    await User.create({ id: randomUUID(), subject: c.req.param('subject') });
    await new Promise<void>((resolve) => (releaseSlowWrite = resolve));
    return c.json({ ok: true }, 200);
  });
  app.post('/__test/reject/:subject', async (c) => {
    await User.create({ id: randomUUID(), subject: c.req.param('subject') });
    throw new ApiError('conflict', { detail: 'refused after writing' });
  });
}

describe('one managed transaction per request', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mount: mountTestRoutes, statementTimeoutMs: 4321 });
  });
  afterAll(() => t.close());

  const usersNamed = async (subject: string) => t.db.query('SELECT id FROM users WHERE subject = $1', [subject]);

  it('commits what a successful request wrote', async () => {
    const res = await t.request('/__test/users/committed', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.found).toBe('committed');
    expect(body.txidBefore).toBe(body.txidAfter);
    expect(await usersNamed('committed')).toHaveLength(1);
  });

  it('gives every session the configured timeouts as role defaults, so reads outside a transaction have them too', async () => {
    const res = await t.request('/__test/users/timeout-check', { method: 'POST' });
    expect((await json(res)).statementTimeout).toBe('4321ms');
    const [row] = await t.db.query<{ s: string; i: string }>(
      "SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i",
    );
    expect(row).toEqual({ s: '4321ms', i: '4321ms' });
  });

  it('leaves no row when the handler throws after writing, and the 500 leaks nothing', async () => {
    const res = await t.request('/__test/throw/thrown', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const text = await res.text();
    expect(text).not.toMatch(/boom|SELECT|password|users|at .*\.ts/);
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: 'internal_error', instance: '/__test/throw/thrown' });
    expect(await usersNamed('thrown')).toHaveLength(0);
  });

  it('leaves no row when the handler answers with an error after writing', async () => {
    const res = await t.request('/__test/reject/rejected', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ code: 'conflict', detail: 'refused after writing' });
    expect(await usersNamed('rejected')).toHaveLength(0);
  });

  it('leaves no row when the client hung up before the answer, and commits when it waited', async () => {
    expect(await postOverHttp(t.app, '/__test/slow-write/waited', false)).toBe(200);
    expect(await usersNamed('waited')).toHaveLength(1);
    expect(await postOverHttp(t.app, '/__test/slow-write/hung-up', true)).toBe('gone');
    // The handler finishes after the hang-up; give its transaction time to end.
    await sleep(300);
    expect(await usersNamed('hung-up')).toHaveLength(0);
  });

  it('keeps 50 concurrent requests each in its own transaction (CLS isolation)', async () => {
    const subjects = Array.from({ length: 50 }, (_, i) => `cls-${i}`);
    const responses = await Promise.all(subjects.map((s) => t.request(`/__test/users/${s}`, { method: 'POST' })));
    const bodies = await Promise.all(responses.map(json));
    expect(responses.map((r) => r.status)).toEqual(subjects.map(() => 200));
    bodies.forEach((body, i) => {
      expect(body.found).toBe(subjects[i]);
      // Every query of a request ran in that request's transaction...
      expect(body.txidAfter).toBe(body.txidBefore);
    });
    // ...and no two requests shared one.
    expect(new Set(bodies.map((b) => b.txidBefore)).size).toBe(50);
    const rows = await t.db.query("SELECT subject FROM users WHERE subject LIKE 'cls-%'");
    expect(rows).toHaveLength(50);
  });

  it('rolls back only the failing requests when failures and successes run at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.request(i % 2 === 0 ? `/__test/users/mix-${i}` : `/__test/throw/mix-${i}`, { method: 'POST' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 200 : 500)));
    const rows = await t.db.query<{ subject: string }>("SELECT subject FROM users WHERE subject LIKE 'mix-%' ORDER BY subject");
    expect(rows.map((r) => r.subject).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `mix-${i * 2}`).sort(),
    );
  });
});

describe('timeouts set in every transaction (DB_ROLE_TIMEOUTS=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mount: mountTestRoutes, statementTimeoutMs: 1234, roleTimeouts: false });
  });
  afterAll(() => t.close());

  it('sets them with set_config(..., true): inside the request only, not for the session', async () => {
    const res = await t.request('/__test/users/per-transaction', { method: 'POST' });
    expect((await json(res)).statementTimeout).toBe('1234ms');
    const [row] = await t.db.query<{ s: string }>("SELECT current_setting('statement_timeout') AS s");
    expect(row!.s).toBe('0');
  });
});

describe('a pool that is exhausted', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      poolMax: 1,
      acquireTimeoutMs: 300,
      mount: (app) => mountSlowRoute(app, { method: 'post', seconds: 1 }),
    });
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After within the acquire timeout instead of hanging', async () => {
    const slow = t.request('/__test/slow', { method: 'POST' });
    await sleep(100);
    const started = Date.now();
    const res = await t.request('/__test/slow', { method: 'POST' });
    const waited = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await json(res)).toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(waited).toBeLessThan(900);
    expect((await slow).status).toBe(200);
  });
});
