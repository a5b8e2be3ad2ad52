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
      // The database really is out of the app's reach: readiness says so.
      expect((await t.request('/health/ready')).status).toBe(503);
      await live();
    } finally {
      await asAdmin(`ALTER DATABASE ${t.db.name} ALLOW_CONNECTIONS true`);
    }
    expect((await t.request('/health/ready')).status).toBe(200);
  });

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
