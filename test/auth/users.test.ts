import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppOpenAPI } from '../../src/lib/types.js';
import { parseEnv } from '../../src/env.js';
import { requireAuth } from '../../src/middleware/auth.js';
import { createAuthenticator } from '../../src/services/auth-service.js';
import { unitOfWork } from '../../src/middleware/unit-of-work.js';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { as, newSubject } from '../helpers/tokens.js';

// The user row behind a token: created on the first request, kept in step with the email claim,
// and cached so that a known user costs no query at all.

interface UserRow {
  id: string;
  subject: string;
  email: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What /__test/whoami answers: the user the auth middleware resolved. */
type Whoami = Pick<UserRow, 'id' | 'subject' | 'email'>;

// Routes that only this file mounts, behind the middleware the product mounts on /v1 (outside /v1, so
// they are not held to the contract): one answers with the resolved user, one fails after auth.
function mountTestRoutes(app: AppOpenAPI) {
  app.use('/__test/*', requireAuth(createAuthenticator(parseEnv(process.env))));
  // A write, so that it runs in a transaction: the statements the spy sees prove it listens.
  app.post(
    '/__test/whoami',
    unitOfWork((c) => c.json(c.get('user'), 200)),
  );
  app.post(
    '/__test/fail',
    unitOfWork(() => {
      throw new Error('failure after authentication');
    }),
  );
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ mount: mountTestRoutes });
});
afterAll(() => t.close());

const rowsFor = (subject: string) => t.db.query<UserRow>('SELECT * FROM users WHERE subject = $1', [subject]);
const whoami = async (claims: Record<string, unknown>) => t.request('/__test/whoami', { ...(await as(claims)), method: 'POST' });

describe('the first request with a new subject', () => {
  it('creates the user row with a UUIDv7 id', async () => {
    const sub = newSubject();
    const res = await whoami({ sub, email: `${sub.replace('|', '.')}@example.com` });
    expect(res.status).toBe(200);
    const body = await json<Whoami>(res);
    const rows = await rowsFor(sub);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: body.id, subject: sub, email: `${sub.replace('|', '.')}@example.com` });
    expect(body).toEqual({ id: rows[0]!.id, subject: sub, email: rows[0]!.email });
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('creates a user without an email when the token has none', async () => {
    const sub = newSubject();
    expect((await whoami({ sub })).status).toBe(200);
    expect((await rowsFor(sub))[0]).toMatchObject({ subject: sub, email: null });
  });

  it('ignores an email claim that is not a plausible address (and accepts the token)', async () => {
    const sub = newSubject();
    const res = await whoami({ sub, email: 'not an email' });
    expect(res.status).toBe(200);
    expect((await json<Whoami>(res)).email).toBeNull();
    expect((await rowsFor(sub))[0]!.email).toBeNull();
  });

  it('keeps the row even when the request fails after authentication', async () => {
    const sub = newSubject();
    const failed = await t.request('/__test/fail', { method: 'POST', ...(await as({ sub, email: `${sub.slice(5)}@fail.example` })) });
    expect(failed.status).toBe(500);
    const rows = await rowsFor(sub);
    expect(rows).toHaveLength(1);
    // The cached id is the committed row's id.
    const again = await whoami({ sub, email: `${sub.slice(5)}@fail.example` });
    expect((await json<Whoami>(again)).id).toBe(rows[0]!.id);
  });

  it('creates exactly one row for 100 concurrent first requests', async () => {
    const sub = newSubject('burst');
    const init = await as({ sub, email: `${sub.slice(6)}@burst.example` });
    const responses = await Promise.all(Array.from({ length: 100 }, () => t.request('/__test/whoami', { ...init, method: 'POST' })));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 200));
    const ids = new Set((await Promise.all(responses.map((r) => json<Whoami>(r)))).map((b) => b.id));
    const rows = await rowsFor(sub);
    expect(rows).toHaveLength(1);
    expect([...ids]).toEqual([rows[0]!.id]);
  });
});

describe('the email claim of a known user', () => {
  it('updates the row when it changes, keeping id and created_at', async () => {
    const sub = newSubject();
    await whoami({ sub, email: `old.${sub.slice(5)}@example.com` });
    const [before] = await rowsFor(sub);
    const res = await whoami({ sub, email: `new.${sub.slice(5)}@example.com` });
    expect(res.status).toBe(200);
    expect((await json<Whoami>(res)).email).toBe(`new.${sub.slice(5)}@example.com`);
    const [after] = await rowsFor(sub);
    expect(after).toMatchObject({ id: before!.id, email: `new.${sub.slice(5)}@example.com`, created_at: before!.created_at });
    expect(after!.updated_at.getTime()).toBeGreaterThan(before!.updated_at.getTime());
  });

  it('keeps the stored email when a token carries none', async () => {
    const sub = newSubject();
    await whoami({ sub, email: `kept.${sub.slice(5)}@example.com` });
    const res = await whoami({ sub });
    expect((await json<Whoami>(res)).email).toBe(`kept.${sub.slice(5)}@example.com`);
    expect((await rowsFor(sub))[0]!.email).toBe(`kept.${sub.slice(5)}@example.com`);
  });

  it('is 409 for a new subject whose email belongs to another user, and nothing changes', async () => {
    const owner = newSubject();
    const email = `taken.${owner.slice(5)}@example.com`;
    await whoami({ sub: owner, email });
    const [ownerBefore] = await rowsFor(owner);
    const intruder = newSubject();
    const res = await t.request('/v1/me', await as({ sub: intruder, email }));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(res)).toMatchObject({ status: 409, code: 'conflict', detail: 'This email address belongs to another user.' });
    expect(await rowsFor(intruder)).toHaveLength(0);
    expect(await rowsFor(owner)).toEqual([ownerBefore]);
  });

  it('is 409 for a known user changing to an email of another user, and nothing changes', async () => {
    const owner = newSubject();
    const other = newSubject();
    const email = `owned.${owner.slice(5)}@example.com`;
    await whoami({ sub: owner, email });
    await whoami({ sub: other, email: `mine.${other.slice(5)}@example.com` });
    const [otherBefore] = await rowsFor(other);
    const res = await whoami({ sub: other, email });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ code: 'conflict' });
    expect(await rowsFor(other)).toEqual([otherBefore]);
    // The user still works with the email they have.
    expect((await whoami({ sub: other, email: otherBefore!.email })).status).toBe(200);
  });
});

describe('the user cache', () => {
  const spy = spyOnStatements();
  const sent = spy.sent;
  beforeAll(() => spy.install());
  afterEach(() => spy.reset());
  afterAll(() => spy.restore());
  const usersQueries = () => sent.filter((sql) => /\busers\b/i.test(sql));

  it('sees the queries of a first request (the measurement works)', async () => {
    const res = await whoami({ sub: newSubject() });
    expect(res.status).toBe(200);
    expect(usersQueries().length).toBeGreaterThan(0);
  });

  it('issues no query against users for further requests of a known user with the same email', async () => {
    const sub = newSubject();
    const email = `cached.${sub.slice(5)}@example.com`;
    await whoami({ sub, email });
    sent.length = 0;
    const responses = await Promise.all(Array.from({ length: 25 }, () => whoami({ sub, email })));
    for (const res of responses) expect(res.status).toBe(200);
    expect(usersQueries()).toEqual([]);
    // The requests themselves did reach the database (their transactions), so the spy was listening.
    expect(sent.length).toBeGreaterThan(0);
  });

  it('issues no query for a known user whose later tokens carry no email', async () => {
    const sub = newSubject();
    await whoami({ sub, email: `quiet.${sub.slice(5)}@example.com` });
    sent.length = 0;
    expect((await whoami({ sub })).status).toBe(200);
    expect(usersQueries()).toEqual([]);
  });

  it('goes back to the database when the email changes', async () => {
    const sub = newSubject();
    await whoami({ sub, email: `a.${sub.slice(5)}@example.com` });
    sent.length = 0;
    await whoami({ sub, email: `b.${sub.slice(5)}@example.com` });
    expect(usersQueries().length).toBeGreaterThan(0);
  });
});
