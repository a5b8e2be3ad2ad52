import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Problem } from '../../clients/typescript/src/types.js';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';

/** Runs SQL as the cluster's admin, on another database: for switching the app's database off and on. */
async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('live answers 200 without touching the database: no statement sent, and 200 while the database refuses the app', async () => {
    const live = async () => {
      const res = await t.request('/health/live');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await json(res)).toEqual({ status: 'ok' });
    };
    const spy = spyOnStatements();
    spy.install();
    try {
      await live();
      expect(spy.sent).toEqual([]);
    } finally {
      spy.restore();
    }
    try {
      // The database stops taking connections, and the app's open ones are cut.
      await asAdmin(`ALTER DATABASE ${t.db.name} ALLOW_CONNECTIONS false`);
      await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${t.db.name}' AND application_name = 'todo-api'`);
      // The database really is out of the app's reach: readiness says so (no earlier result was cached).
      expect((await t.request('/health/ready')).status).toBe(503);
      await live();
    } finally {
      await asAdmin(`ALTER DATABASE ${t.db.name} ALLOW_CONNECTIONS true`);
    }
    // A readiness result is served for up to about a second: the 503 above turns back to 200 by then.
    expect(await readyWithin(3000, 200)).toBeLessThan(2500);
  });

  it('100 concurrent readiness probes send at most a couple of statements (issue 11, item 10)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past any cached result
    const spy = spyOnStatements();
    spy.install();
    let answers: Response[];
    try {
      answers = await Promise.all(Array.from({ length: 100 }, () => t.request('/health/ready')));
    } finally {
      spy.restore();
    }
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 200));
    expect(spy.sent.length).toBeGreaterThanOrEqual(1);
    expect(spy.sent.length).toBeLessThanOrEqual(2);
  });

  it('a readiness result is never older than about a second: 503 within ~1-2 s of the database going away, and back (issue 11, item 10)', async () => {
    expect((await t.request('/health/ready')).status).toBe(200);
    try {
      await asAdmin(`ALTER DATABASE ${t.db.name} ALLOW_CONNECTIONS false`);
      await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${t.db.name}' AND application_name = 'todo-api'`);
      const down = await readyWithin(5000, 503);
      console.log(`readiness turned 503 ${down} ms after the database went away`);
      expect(down).toBeLessThan(2500);
    } finally {
      await asAdmin(`ALTER DATABASE ${t.db.name} ALLOW_CONNECTIONS true`);
    }
    const up = await readyWithin(5000, 200);
    console.log(`readiness turned 200 ${up} ms after the database came back`);
    expect(up).toBeLessThan(2500);
  });

  /** Polls /health/ready every 50 ms until it answers `status`; how long that took. */
  async function readyWithin(maxMs: number, status: number): Promise<number> {
    const start = performance.now();
    while (performance.now() - start < maxMs) {
      if ((await t.request('/health/ready')).status === status) return Math.round(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`/health/ready did not answer ${status} within ${maxMs} ms`);
  }

  it('ready answers 200 when the database answers and every migration ran', async () => {
    const res = await t.request('/health/ready');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });
});

describe('health on a database that was never migrated', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ empty: true });
  });
  afterAll(() => t.close());

  it('ready is a 503 problem that says migrations are pending', async () => {
    const res = await t.request('/health/ready');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = await json<Problem>(res);
    expect(body).toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(body.detail).toMatch(/migration/);
  });
});
