import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/services/rate-limit-service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, newSubject, signToken } from '../helpers/tokens.js';

describe('the token bucket', () => {
  it('allows the quota, refuses the next, and refills continuously', () => {
    let now = 0;
    const limiter = new RateLimiter({ requests: 3, windowSeconds: 30 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('u').allowed)).toEqual([true, true, true]);
    const refused = limiter.take('u');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 10 });
    expect(limiter.take('someone else').allowed).toBe(true);
    now = 10_000;
    expect(limiter.take('u')).toMatchObject({ allowed: true, remaining: 0 });
    now = 40_000;
    expect(limiter.take('u')).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 10 });
  });
});

// In-process apps built with the setting under test: no server process needed to change a number.
describe('rate limiting with RATE_LIMIT_REQUESTS=5 per 60 s', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(() => t.close());
  const get = (token: string) => t.request('/v1/todos', bearer(token));

  it('answers 429 with Retry-After and the draft RateLimit headers once a user spends the quota', async () => {
    const alice = await signToken({ sub: newSubject() });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await get(alice);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"default";q=5;w=60');
      remaining.push(res.headers.get('ratelimit')!.split(';')[1]!);
    }
    expect(remaining).toEqual(['r=4', 'r=3', 'r=2', 'r=1', 'r=0']);
    const refused = await get(alice);
    expect(refused.status).toBe(429);
    // One token comes back every 12 s; some of it has already refilled while the five ran.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(12);
    expect(refused.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
    expect(((await refused.json()) as { code: string }).code).toBe('rate_limited');
    // Per user: someone else is not affected.
    expect((await get(await signToken({ sub: newSubject() }))).status).toBe(200);
  });
});

// Issue 14: a batch counts as one request per operation.
describe('a batch against RATE_LIMIT_REQUESTS=10 per 60 s', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_REQUESTS: '10', RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(() => t.close());
  const labels = (n: number, prefix: string) => ({ operations: Array.from({ length: n }, (_, i) => ({ op: 'create', type: 'label', data: { name: `${prefix} ${i}` } })) });
  const send = (token: string, body: unknown) =>
    t.request('/v1/batch', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const labelCount = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM labels'))[0]!.n);

  it('takes one token per operation, and refuses a batch that does not fit whole, running none of it', async () => {
    const token = await signToken({ sub: newSubject() });
    const four = await send(token, labels(4, 'four'));
    expect(four.status).toBe(200);
    expect(four.headers.get('ratelimit')).toMatch(/^"default";r=6;/);
    const before = await labelCount();
    const seven = await send(token, labels(7, 'seven'));
    expect(seven.status).toBe(429);
    expect(Number(seven.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await seven.json()) as { detail: string }).detail).toMatch(/counts as 7 \(one per operation\)/);
    expect(await labelCount()).toBe(before);
    // What is left still serves smaller requests.
    expect((await send(token, labels(5, 'five'))).status).toBe(200);
    expect(await labelCount()).toBe(before + 5);
  });

  it('a batch of more operations than the limit allows is refused and says so', async () => {
    const res = await send(await signToken({ sub: newSubject() }), labels(11, 'eleven'));
    expect(res.status).toBe(429);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/more than the limit allows at all/);
  });
});

describe('rate limiting with RATE_LIMIT_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_REQUESTS: '1' } });
  });
  afterAll(() => t.close());

  it('turns it off', async () => {
    const token = await signToken({ sub: newSubject() });
    for (let i = 0; i < 3; i += 1) {
      const res = await t.request('/v1/todos', bearer(token));
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit')).toBeNull();
    }
  });
});
