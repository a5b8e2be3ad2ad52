import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import { startAppWithUser, type TodoClient, expectStatus } from '../helpers/todo-client.js';

// The failures are forced in the database itself: a trigger on todos raises a serialization
// failure or a deadlock for the first N inserts. A sequence counts the attempts, because
// nextval() survives the rollback of the attempt that called it.

describe('a transaction that hits a serialization failure or deadlock is re-run whole', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => {
    // A slow refill, so that the RateLimit header counts this user's requests exactly.
    ({ t, me } = await startAppWithUser({ env: { RATE_LIMIT_REQUESTS: '1000', RATE_LIMIT_WINDOW_SECONDS: '86400' } }));
    await t.db.query(`
      CREATE TABLE fault_plan (sqlstate text NOT NULL, failures int NOT NULL);
      CREATE SEQUENCE fault_attempts;
      CREATE FUNCTION forced_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE plan fault_plan;
      BEGIN
        SELECT * INTO plan FROM fault_plan LIMIT 1;
        IF plan IS NOT NULL AND nextval('fault_attempts') <= plan.failures THEN
          RAISE EXCEPTION 'forced failure' USING ERRCODE = plan.sqlstate;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER forced_fault BEFORE INSERT ON todos FOR EACH ROW EXECUTE FUNCTION forced_fault();
    `);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.db.query("DELETE FROM fault_plan; SELECT setval('fault_attempts', 1, false)");
  });

  const plan = (sqlstate: string, failures: number) => t.db.query('INSERT INTO fault_plan VALUES ($1, $2)', [sqlstate, failures]);
  const attempts = async () => Number((await t.db.query<{ n: string }>('SELECT last_value AS n FROM fault_attempts'))[0]!.n);
  const rows = async (title: string) => (await t.db.query('SELECT id FROM todos WHERE title = $1', [title])).length;

  it.each([
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
  ])('%s (%s) twice: the caller sees one clean 201 and one row', async (sqlstate) => {
    await plan(sqlstate, 2);
    const res = await me.create({ title: `retried ${sqlstate}` }, { 'x-request-id': `retry-${sqlstate}` });
    expectStatus(res, 201);
    expect(res.headers.get('x-request-id')).toBe(`retry-${sqlstate}`);
    expect(res.headers.get('retry-after')).toBeNull();
    // The re-runs skip the rate limiter; the answer still carries the first attempt's headers.
    expect(res.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/);
    expect(res.headers.get('ratelimit-policy')).toMatch(/^"default";q=\d+;w=\d+$/);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await attempts()).toBe(3);
    expect(await rows(`retried ${sqlstate}`)).toBe(1);
  });

  it("re-runs the transaction's work, not the request: the retried write costs the caller one request of the rate limit", async () => {
    const remaining = (res: { headers: Headers }) => Number(/r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1]);
    const before = remaining(await me.list({ limit: 1 }));
    await plan('40P01', 2);
    const created = await me.create({ title: 'counted once' });
    expectStatus(created, 201);
    expect(await attempts()).toBe(3);
    expect(remaining(created)).toBe(before - 1);
    expect(remaining(await me.list({ limit: 1 }))).toBe(before - 2);
  });

  it('a retried write with an Idempotency-Key stores its answer once, and a retry of the request replays it', async () => {
    await plan('40001', 1);
    const first = await me.create({ title: 'idempotent retry' }, { 'idempotency-key': 'retry-key-1' });
    expectStatus(first, 201);
    const replay = await me.create({ title: 'idempotent retry' }, { 'idempotency-key': 'retry-key-1' });
    expectStatus(replay, 201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await rows('idempotent retry')).toBe(1);
  });

  it('gives up after DB_TRANSACTION_RETRIES re-runs: a 503 with Retry-After, and nothing written', async () => {
    await plan('40001', 100);
    const res = await me.create({ title: 'never' });
    expectStatus(res, 503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body.code).toBe('service_unavailable');
    expect(await attempts()).toBe(3);
    expect(await rows('never')).toBe(0);
  });

  it('does not re-run other failures', async () => {
    await plan('23514', 1);
    const res = await me.create({ title: 'check violation' });
    expectStatus(res, 500);
    expect(await attempts()).toBe(1);
  });
});
