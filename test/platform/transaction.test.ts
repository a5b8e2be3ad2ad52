import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../clients/typescript/src/types.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, newUser, type TodoClient } from '../helpers/todo-client.js';

// The product's own routes, with faults injected at the driver: the statement really runs in
// PostgreSQL, inside the request's transaction, and only then does the app see the fault. What
// the product must do then (roll back) is checked in the database, from outside the app.

type Callback = (error: Error | null, result?: unknown) => void;
type Query = (this: pg.Client, ...args: unknown[]) => unknown;
/** Runs SQL on the faulted statement's own connection: inside its transaction, if it has one. */
type Run = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;

interface Fault {
  /** Runs on the statement's own connection once the statement ran, before the app sees its result. */
  after?: (run: Run) => Promise<void>;
  /** What the app gets instead of the statement's result. */
  error?: Error;
  /** Set when the fault fired: a test whose fault never fired proves nothing. */
  fired?: boolean;
}

/** Faults keyed by a value the statement carries (a todo's title or id); each fires once. */
const faults = new Map<string, Fault>();
/** Every statement each connection sent, in order. */
const statementsByConnection = new Map<pg.Client, Array<{ text: string; values: unknown[] }>>();
// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be restored, and only ever called with .call/.apply on a client
const originalQuery = pg.Client.prototype.query as unknown as Query;

function installDriverFaults() {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, second] = args;
    const text = typeof config === 'string' ? config : ((config as { text?: string } | undefined)?.text ?? '');
    const values = Array.isArray(second) ? (second as unknown[]) : ((config as { values?: unknown[] } | undefined)?.values ?? []);
    const log = statementsByConnection.get(this) ?? [];
    statementsByConnection.set(this, log);
    log.push({ text, values });
    // Sequelize binds the values of an INSERT or UPDATE, and inlines those of a SELECT.
    const key = [...faults.keys()].find((k) => values.includes(k) || text.includes(k));
    const fault = key === undefined ? undefined : faults.get(key);
    if (key === undefined || !fault) return originalQuery.apply(this, args);
    // Once only: the test's own queries (t.db) name the same value afterwards.
    faults.delete(key);
    fault.fired = true;
    const run: Run = async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
      ((await originalQuery.call(this, sql, params)) as pg.QueryResult<R>).rows;
    const deliver = async (result: unknown) => {
      await fault.after?.(run);
      if (fault.error) throw fault.error;
      return result;
    };
    const callback = args.at(-1);
    if (typeof callback !== 'function') return (originalQuery.apply(this, args) as Promise<unknown>).then(deliver);
    const rest = args.slice(0, -1);
    return originalQuery.call(this, ...rest, (error: Error | null, result: unknown) => {
      if (error) return (callback as Callback)(error);
      deliver(result).then(
        (r) => (callback as Callback)(null, r),
        (e: Error) => (callback as Callback)(e),
      );
    });
  } as unknown as typeof pg.Client.prototype.query;
}

function restoreDriver() {
  pg.Client.prototype.query = originalQuery as unknown as typeof pg.Client.prototype.query;
}

const marker = (what: string) => `${what}-${randomUUID()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets a held statement's result through once the test says so. */
function holdUntilReleased(): { fault: Fault; release: () => void } {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  return { fault: { after: () => released }, release };
}

/** POSTs a todo to the app served over real HTTP; `hangUp` closes the socket while the handler still runs. */
async function createOverHttp(t: TestApp, token: string, title: string, { hangUp, release }: { hangUp: boolean; release: () => void }): Promise<number | 'gone'> {
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const body = JSON.stringify({ title });
  try {
    return await new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/todos',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (error) => (hangUp ? resolve('gone') : reject(error)));
      req.end(body);
      setTimeout(() => {
        if (hangUp) req.destroy();
        // The INSERT's result reaches the app after the hang-up: the app sees the closed socket.
        setTimeout(release, 100);
      }, 200);
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The transactions (START TRANSACTION ... COMMIT/ROLLBACK on one connection) and the todo titles each inserted. */
function transactionsWithInserts(): { inserts: Map<string, number | null>; transactions: number } {
  const inserts = new Map<string, number | null>();
  let transactions = 0;
  for (const log of statementsByConnection.values()) {
    let current: number | null = null;
    for (const { text, values } of log) {
      if (/^(START TRANSACTION|BEGIN)\b/i.test(text)) current = transactions++;
      else if (/^(COMMIT|ROLLBACK)\b/i.test(text)) current = null;
      else if (/^INSERT INTO "?todos"?/i.test(text)) {
        for (const v of values) if (typeof v === 'string' && v.startsWith('cls-')) inserts.set(v, current);
      }
    }
  }
  return { inserts, transactions };
}

describe('one managed transaction per write, through the product routes', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => {
    t = await startTestApp({ statementTimeoutMs: 4321 });
    me = await newUser(t);
    installDriverFaults();
  });
  afterEach(() => {
    faults.clear();
    statementsByConnection.clear();
  });
  afterAll(async () => {
    restoreDriver();
    await t.close();
  });

  const todosTitled = (title: string) => t.db.query('SELECT id FROM todos WHERE title = $1', [title]);

  it('commits what a successful POST wrote', async () => {
    const title = marker('committed');
    expectStatus(await me.create({ title }), 201);
    expect(await todosTitled(title)).toHaveLength(1);
  });

  it('leaves no row when the POST fails after its INSERT ran, and the 500 leaks nothing', async () => {
    const title = marker('thrown');
    const seenInside: number[] = [];
    const fault: Fault = {
      // The write happened: the transaction sees its row.
      after: async (run) => void seenInside.push(...(await run<{ n: number }>('SELECT count(*)::int AS n FROM todos WHERE title = $1', [title])).map((r) => r.n)),
      error: new Error('boom after writing: SELECT secret FROM users WHERE password = 1'),
    };
    faults.set(title, fault);
    const res = await t.request('/v1/todos', {
      method: 'POST',
      headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    });
    expect(fault.fired).toBe(true);
    expect(seenInside).toEqual([1]);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const text = await res.text();
    expect(text).not.toMatch(/boom|SELECT|password|users|at .*\.ts/);
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: 'internal_error', instance: '/v1/todos' });
    expect(await todosTitled(title)).toHaveLength(0);
  });

  it('leaves the row as it was when a PATCH fails after its UPDATE ran', async () => {
    const created = await me.created({ title: 'before the patch' });
    const title = marker('patched');
    const seenInside: unknown[] = [];
    const fault: Fault = {
      after: async (run) => void seenInside.push(...(await run('SELECT title, version FROM todos WHERE id = $1', [created.id]))),
      error: new Error('failure after the update'),
    };
    faults.set(title, fault);
    const res = await me.patch(created.id, { title });
    expect(fault.fired).toBe(true);
    expect(seenInside).toEqual([{ title, version: 2 }]);
    expectStatus(res, 500);
    expect(await t.db.query('SELECT title, version FROM todos WHERE id = $1', [created.id])).toEqual([{ title: 'before the patch', version: 1 }]);
  });

  it('leaves no row when the write is followed by an error the product answers as a 503', async () => {
    const title = marker('timed-out');
    const fault: Fault = { error: Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }) };
    faults.set(title, fault);
    const res = await me.create({ title });
    expect(fault.fired).toBe(true);
    expectStatus(res, 503);
    expect(res.body).toMatchObject({ code: 'service_unavailable' });
    expect(await todosTitled(title)).toHaveLength(0);
  });

  it('leaves no row when the client hung up before the answer, and commits when it waited', async () => {
    const waited = marker('waited');
    const heldWaited = holdUntilReleased();
    faults.set(waited, heldWaited.fault);
    expect(await createOverHttp(t, me.token!, waited, { hangUp: false, release: heldWaited.release })).toBe(201);
    expect(await todosTitled(waited)).toHaveLength(1);

    const hungUp = marker('hung-up');
    const heldHungUp = holdUntilReleased();
    faults.set(hungUp, heldHungUp.fault);
    expect(await createOverHttp(t, me.token!, hungUp, { hangUp: true, release: heldHungUp.release })).toBe('gone');
    expect(heldHungUp.fault.fired).toBe(true);
    // The handler finishes after the hang-up; give its transaction time to end.
    await sleep(300);
    expect(await todosTitled(hungUp)).toHaveLength(0);
  });

  it('keeps 50 concurrent POSTs each in its own transaction (CLS isolation)', async () => {
    const titles = Array.from({ length: 50 }, (_, i) => `cls-${i}-${randomUUID()}`);
    const responses = await Promise.all(titles.map((title) => me.create({ title })));
    expect(responses.map((r) => r.status)).toEqual(titles.map(() => 201));
    const { inserts } = transactionsWithInserts();
    // Every INSERT ran on its connection between that connection's START TRANSACTION and COMMIT...
    expect(titles.map((title) => typeof inserts.get(title))).toEqual(titles.map(() => 'number'));
    // ...and no two requests shared one transaction.
    expect(new Set(titles.map((title) => inserts.get(title))).size).toBe(50);
    expect(await t.db.query("SELECT id FROM todos WHERE title LIKE 'cls-%'")).toHaveLength(50);
  });

  it('rolls back only the failing requests when failures and successes run at once', async () => {
    const titles = Array.from({ length: 20 }, (_, i) => marker(`mix-${i}`));
    titles.forEach((title, i) => i % 2 === 1 && faults.set(title, { error: new Error('failure after writing') }));
    const results = await Promise.all(titles.map((title) => me.create({ title })));
    expect(results.map((r) => r.status)).toEqual(titles.map((_, i) => (i % 2 === 0 ? 201 : 500)));
    const rows = await t.db.query<{ title: string }>("SELECT title FROM todos WHERE title LIKE 'mix-%'");
    expect(rows.map((r) => r.title).sort()).toEqual(titles.filter((_, i) => i % 2 === 0).sort());
  });

  it('gives every session the configured timeouts as role defaults, so reads outside a transaction have them too', async () => {
    const created = await me.created({ title: 'timeouts' });
    const inside: string[] = [];
    faults.set(created.id, { after: async (run) => void inside.push(...(await run<{ statement_timeout: string }>('SHOW statement_timeout')).map((r) => r.statement_timeout)) });
    expectStatus(await me.get(created.id), 200);
    expect(inside).toEqual(['4321ms']);
    const [row] = await t.db.query<{ s: string; i: string }>(
      "SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i",
    );
    expect(row).toEqual({ s: '4321ms', i: '4321ms' });
  });
});

describe('timeouts set in every transaction (DB_ROLE_TIMEOUTS=false)', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => {
    t = await startTestApp({ statementTimeoutMs: 1234, roleTimeouts: false });
    me = await newUser(t);
    installDriverFaults();
  });
  afterAll(async () => {
    restoreDriver();
    faults.clear();
    statementsByConnection.clear();
    await t.close();
  });

  it('sets them with set_config(..., true): inside the request only, not for the session', async () => {
    const title = marker('per-transaction');
    const inside: string[] = [];
    faults.set(title, { after: async (run) => void inside.push(...(await run<{ statement_timeout: string }>('SHOW statement_timeout')).map((r) => r.statement_timeout)) });
    expectStatus(await me.create({ title }), 201);
    expect(inside).toEqual(['1234ms']);
    const [row] = await t.db.query<{ s: string }>("SELECT current_setting('statement_timeout') AS s");
    expect(row!.s).toBe('0');
  });
});

describe('a pool that is exhausted', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => {
    t = await startTestApp({ poolMax: 1, acquireTimeoutMs: 300 });
    me = await newUser(t);
    installDriverFaults();
  });
  afterAll(async () => {
    restoreDriver();
    faults.clear();
    await t.close();
  });

  it('answers 503 with Retry-After within the acquire timeout instead of hanging', async () => {
    // The first POST holds the only connection, inside its transaction, until released.
    const title = marker('holder');
    const held = holdUntilReleased();
    faults.set(title, held.fault);
    const holder = me.create({ title });
    for (const deadline = Date.now() + 5000; !held.fault.fired && Date.now() < deadline; ) await sleep(10);
    expect(held.fault.fired).toBe(true);
    const started = Date.now();
    const res = await t.request('/v1/todos', {
      method: 'POST',
      headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'waits for a connection' }),
    });
    const waited = Date.now() - started;
    held.release();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await json<Problem>(res)).toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(waited).toBeLessThan(900);
    expect((await holder).status).toBe(201);
  });
});
