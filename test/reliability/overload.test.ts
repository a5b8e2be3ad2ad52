import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSlowRoute, startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type TodoClient, expectStatus } from '../helpers/todo-client.js';

describe('overload: DB_POOL_MAX=2 and 50 concurrent slow requests', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => {
    t = await startTestApp({
      poolMax: 2,
      acquireTimeoutMs: 500,
      mount: (app) => mountSlowRoute(app, { method: 'get', seconds: 0.3 }),
    });
    me = await newUser(t);
  });
  afterAll(() => t.close());

  it('the excess gets 503 with Retry-After in bounded time, and the service serves normally afterwards', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const started = performance.now();
        const res = await t.request('/__test/slow');
        return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started, body: await res.json() };
      }),
    );
    const served = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 503);
    expect(served.length + refused.length).toBe(50);
    expect(served.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(30);
    for (const r of refused) {
      expect(r.retryAfter).toMatch(/^\d+$/);
      expect((r.body as { code: string }).code).toBe('service_unavailable');
      // Bounded by the acquire timeout (500 ms), plus scheduling slack on a loaded 2-core machine.
      expect(r.ms).toBeLessThan(2500);
    }
    const after = await me.create({ title: 'after the storm' });
    expectStatus(after, 201);
    expect((await me.list()).status).toBe(200);
  });
});

describe('statement timeout', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => {
    t = await startTestApp({ statementTimeoutMs: 300 });
    me = await newUser(t);
    // A slow insert, forced in the database: the product route runs over DB_STATEMENT_TIMEOUT_MS.
    await t.db.query(`
      CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.title = 'slow' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$;
      CREATE TRIGGER slow_insert BEFORE INSERT ON todos FOR EACH ROW EXECUTE FUNCTION slow_insert();
    `);
  });
  afterAll(() => t.close());

  it('cancels a statement over the limit, rolls its transaction back, and answers with a problem', async () => {
    const started = performance.now();
    const res = await me.create({ title: 'slow' });
    expect(performance.now() - started).toBeLessThan(1500);
    expectStatus(res, 503);
    expect(res.body.code).toBe('service_unavailable');
    expect(await t.db.query("SELECT id FROM todos WHERE title = 'slow'")).toEqual([]);
    expect((await me.create({ title: 'fast' })).status).toBe(201);
  });
});
