import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('live answers 200 without touching the database', async () => {
    const res = await t.request('/health/live');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await json(res)).toEqual({ status: 'ok' });
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
    const body = await json(res);
    expect(body).toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(body.detail).toMatch(/migration/);
  });
});
