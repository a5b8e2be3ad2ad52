import { createHash, createHmac, randomBytes } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../src/db/database.js';
import { resolveUser } from '../../src/services/user-service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// Values a caller crafts so that they reach SQL and make it fail, or make two identities one:
// each is a 4xx (never a 5xx), and cursors only this service can issue are accepted.

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

async function send(t: TestApp, token: string, method: string, path: string, options: { body?: unknown; ifMatch?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
  const res = await t.request(path, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const SORTS = ['created_at', '-created_at', 'due_at', '-due_at', 'priority', '-priority', 'updated_at', '-updated_at'] as const;
type Sort = (typeof SORTS)[number];

/** The cursor format, written out here: `base64url(JSON [key, id]) . base64url(first 16 bytes of the tag)`. */
function mint(key: unknown, id: string, userId: string, sort: Sort, sign: (data: string) => Buffer): string {
  const payload = Buffer.from(JSON.stringify([key, id])).toString('base64url');
  // The binding of a listing without filters: [user, sort, []].
  const tag = sign(`${payload}\n${JSON.stringify([userId, sort, []])}`).subarray(0, 16);
  return `${payload}.${tag.toString('base64url')}`;
}
const hmacUnder = (secret: Buffer) => (data: string) => createHmac('sha256', secret).update(data).digest();
/** The scheme before cursors were keyed: anyone could compute it. */
const unkeyedSha256 = (data: string) => createHash('sha256').update(data).digest();

const cursorSecret = async (db: TestDatabase): Promise<Buffer> => {
  const [row] = await db.query<{ secret: Buffer }>("SELECT secret FROM service_secrets WHERE name = 'cursor'");
  return row!.secret;
};

const keyOf = (cursor: string): [string, string] => JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8')) as [string, string];

const expectCursorRejected = (res: Answer) => {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'query.cursor', message: expect.any(String) as string }] });
};

describe('crafted input', () => {
  let t: TestApp;
  let token: string;
  let userId: string;
  let secret: Buffer;
  let todoId: string;
  const list = (sort: Sort, cursor: string) => send(t, token, 'GET', `/v1/todos?${new URLSearchParams({ sort, limit: '1', cursor }).toString()}`);

  beforeAll(async () => {
    t = await startTestApp();
    token = await signToken({ sub: newSubject('crafted') });
    userId = (await send(t, token, 'GET', '/v1/me')).body!.id as string;
    for (const [title, priority] of [['a', 'low'], ['b', 'high'], ['c', 'urgent']]) {
      const created = await send(t, token, 'POST', '/v1/todos', { body: { title, priority, due_at: '2026-12-01T17:00:00Z' } });
      expect(created.status).toBe(201);
      todoId = created.body!.id as string;
    }
    secret = await cursorSecret(t.db);
  });
  afterAll(() => t.close());

  describe('cursors', () => {
    it('are the HMAC of the format above under the database secret (so the cursors minted below are well-formed)', async () => {
      const page = await send(t, token, 'GET', '/v1/todos?sort=priority&limit=1');
      const issued = page.body!.next_cursor as string;
      const [key, id] = keyOf(issued);
      expect(mint(key, id, userId, 'priority', hmacUnder(secret))).toBe(issued);
      expect((await list('priority', mint('2', id, userId, 'priority', hmacUnder(secret)))).status).toBe(200);
      expect((await list('due_at', mint('infinity', id, userId, 'due_at', hmacUnder(secret)))).status).toBe(200);
      expect((await list('-created_at', mint('0001-01-01 00:00:00+00', id, userId, '-created_at', hmacUnder(secret)))).status).toBe(200);
    });

    it('minted with the old unkeyed SHA-256 is a 422', async () => {
      expectCursorRejected(await list('priority', mint('2', todoId, userId, 'priority', unkeyedSha256)));
      expectCursorRejected(await list('-created_at', mint('2026-11-22 09:30:00.123+00', todoId, userId, '-created_at', unkeyedSha256)));
    });

    it('signed with another key is a 422', async () => {
      expectCursorRejected(await list('priority', mint('2', todoId, userId, 'priority', hmacUnder(randomBytes(32)))));
    });

    it.each<[Sort, unknown]>([
      ['priority', '99999'],
      ['-priority', '5'],
      ['priority', '-1'],
      ['priority', '1.5'],
      ['priority', 2],
      ['priority', ['2']],
      ['priority', null],
      ['due_at', '9999-99-99 99:99:99+00'],
      ['due_at', '2026-02-29 00:00:00+00'],
      ['-due_at', '0000-01-01 00:00:00+00'],
      ['-due_at', '10000-01-01 00:00:00+00'],
      ['due_at', '2026-12-01 24:00:00+00'],
      ['due_at', '2026-12-01 12:00:00+16'],
      ['due_at', '-infinity'],
      ['due_at', 'now'],
      ['created_at', 'infinity'],
      ['-updated_at', '2026-12-01T12:00:00Z'],
      ['updated_at', 1764590400000],
      ['created_at', { key: '2026-12-01 12:00:00+00' }],
    ])('signed with the real secret but sort=%s and key %j is a 422', async (sort, key) => {
      expectCursorRejected(await list(sort, mint(key, todoId, userId, sort, hmacUnder(secret))));
    });

    const digits = (n: number) => fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, '0'));
    const timestampLike = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.option(fc.stringMatching(/^\.\d{1,7}$/)), fc.constantFrom('+', '-'), digits(2), fc.option(digits(2)))
      .map(([y, mo, d, h, mi, s, frac, sign, oh, om]) => `${y}-${mo}-${d} ${h}:${mi}:${s}${frac ?? ''}${sign}${oh}${om === null ? '' : `:${om}`}`);
    const realTimestamp = fc
      .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
      .map((d) => d.toISOString().replace('T', ' ').replace('Z', '+00'));
    const key = fc.oneof(
      fc.integer({ min: -40000, max: 40000 }).map(String),
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
      timestampLike,
      realTimestamp,
      fc.constantFrom('infinity', '-infinity', 'epoch', 'now', 'NaN', '', ' 1', '1 ', '0x10', '1e3', 'allballs'),
      fc.string({ maxLength: 30 }),
      fc.jsonValue(),
    );
    const id = fc.oneof(fc.uuid(), fc.constant('00000000-0000-0000-0000-000000000000'), fc.string({ maxLength: 40 }));

    test.prop([fc.constantFrom(...SORTS), key, id], { numRuns: 300 })('any key signed with the real secret is a 200 or a 422, never a 5xx', async (sort, k, i) => {
      const res = await list(sort, mint(k, i, userId, sort, hmacUnder(secret)));
      expect([200, 422], `sort=${sort} key=${JSON.stringify(k)} id=${JSON.stringify(i)}: ${JSON.stringify(res.body)}`).toContain(res.status);
    });
  });

  describe('If-Match versions', () => {
    let stranger: string;
    beforeAll(async () => {
      stranger = await signToken({ sub: newSubject('stranger') });
    });
    const create = async () => (await send(t, token, 'POST', '/v1/todos', { body: { title: 'target' } })).body!.id as string;

    it('beyond a 32-bit integer match nothing: 404 on another user\'s todo, 412 on one\'s own', async () => {
      const target = await create();
      for (const ifMatch of ['"2147483648"', '"99999999999"', '"4294967297"', '"2147483648", "9999999999"']) {
        expect((await send(t, stranger, 'PATCH', `/v1/todos/${target}`, { body: { title: 'x' }, ifMatch })).status).toBe(404);
        expect((await send(t, stranger, 'DELETE', `/v1/todos/${target}`, { ifMatch })).status).toBe(404);
        expect((await send(t, token, 'PATCH', `/v1/todos/${target}`, { body: { title: 'x' }, ifMatch })).status).toBe(412);
        expect((await send(t, token, 'DELETE', `/v1/todos/${target}`, { ifMatch })).status).toBe(412);
      }
      expect((await send(t, token, 'GET', `/v1/todos/${target}`)).body).toMatchObject({ title: 'target', version: 1 });
      // The largest version a row can have is still compared; an out-of-range tag beside the current one does not hide it.
      expect((await send(t, token, 'PATCH', `/v1/todos/${target}`, { body: { title: 'y' }, ifMatch: '"2147483647"' })).status).toBe(412);
      expect((await send(t, token, 'PATCH', `/v1/todos/${target}`, { body: { title: 'y' }, ifMatch: '"99999999999", "1"' })).status).toBe(200);
    });

    const ifMatch = fc.oneof(
      fc.constantFrom('"2147483648"', '"2147483647"', '"99999999999"', '"9999999999"', 'W/"1"', '"1"', '"0"', '"-1"', '*', '""', '"1", W/"2"', '1', '"01"'),
      fc.bigInt({ min: 0n, max: 10n ** 30n }).map((v) => `"${v}"`),
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }).map((v) => `"${v}"`), { minLength: 1, maxLength: 4 }).map((tags) => tags.join(', ')),
      fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}$/),
    );

    test.prop([fc.constantFrom('PATCH', 'DELETE'), fc.boolean(), ifMatch], { numRuns: 150 })(
      'any If-Match on PATCH or DELETE of one\'s own or another user\'s todo is never a 5xx',
      async (method, own, tag) => {
        const target = await create();
        const res = await send(t, own ? token : stranger, method, `/v1/todos/${target}`, { ifMatch: tag, ...(method === 'PATCH' ? { body: { title: 'fuzzed' } } : {}) });
        expect(res.status, `${method} own=${own} If-Match: ${tag}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        if (!own) expect([400, 404]).toContain(res.status);
      },
    );
  });

  describe('identity claims', () => {
    const me = async (claims: Record<string, unknown>) => {
      const res = await t.request('/v1/me', { headers: { authorization: `Bearer ${await signToken(claims)}` } });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
    };
    const userCount = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0]!.n);
    const subjectOf = async (id: unknown) => (await t.db.query<{ subject: string; email: string | null }>('SELECT subject, email FROM users WHERE id = $1', [id]))[0];
    const tag = () => randomBytes(4).toString('hex');

    it.each<[string, () => Record<string, unknown>]>([
      ['a sub with NUL', () => ({ sub: `nul\0${tag()}` })],
      ['a sub of 200 NULs', () => ({ sub: '\0'.repeat(200) })],
      ['a sub with an unpaired surrogate', () => ({ sub: `lone\ud800${tag()}` })],
      ['a sub with an unpaired low surrogate', () => ({ sub: `${tag()}\udc00` })],
      ['a sub of 256 characters', () => ({ sub: tag().padEnd(256, 'x') })],
      ['a sub of 256 astral characters', () => ({ sub: '😀'.repeat(256) })],
      ['an email with NUL', () => ({ sub: newSubject(), email: `a\0${tag()}@example.com` })],
      ['an email with an unpaired surrogate', () => ({ sub: newSubject(), email: `a\ud800${tag()}@example.com` })],
      ['an email of 321 characters', () => ({ sub: newSubject(), email: `${tag()}`.padEnd(309, 'a') + '@example.com' })],
    ])('%s is a 401, and no user is created', async (_name, claims) => {
      const before = await userCount();
      const res = await me(claims());
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'unauthorized', status: 401 });
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(await userCount()).toBe(before);
    });

    it('subjects that look alike are distinct users, stored exactly as sent', async () => {
      const t0 = tag();
      const subjects = [
        `a\\0b${t0}`, // the two characters \ and 0
        `a\ufffdb${t0}`, // the replacement character, what a lone surrogate would have become
        `a\\\\0b${t0}`,
        `a''b${t0}`,
        `a$1b${t0}`,
        `a:subjectb${t0}`,
        `${t0}`.padEnd(255, 'x'),
        `${t0}${'😀'.repeat(247)}`, // 255 characters, 502 UTF-16 code units
      ];
      const ids = [];
      for (const sub of subjects) {
        const res = await me({ sub });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(await subjectOf(res.body.id)).toEqual({ subject: sub, email: null });
        ids.push(res.body.id);
      }
      expect(new Set(ids).size).toBe(subjects.length);
    });

    it('an email of exactly 320 characters is stored as sent; an implausible one is still ignored', async () => {
      const email = `${tag()}`.padEnd(308, 'a') + '@example.com';
      const kept = await me({ sub: newSubject(), email });
      expect(kept.status).toBe(200);
      expect(kept.body.email).toBe(email);
      expect((await subjectOf(kept.body.id))?.email).toBe(email);
      const ignored = await me({ sub: newSubject(), email: 'not an address' });
      expect(ignored.status).toBe(200);
      expect(ignored.body.email).toBeNull();
    });

    // Sequelize's postgres dialect turns NUL into the two characters \0 even in bind parameters:
    // the user service refuses such values itself rather than rely on every caller.
    it.each([
      ['a NUL in the subject', { sub: `upsert\0${tag()}`, email: null }],
      ['an unpaired surrogate in the subject', { sub: `upsert\ud800${tag()}`, email: null }],
      ['a NUL in the email', { sub: `upsert${tag()}`, email: `a\0${tag()}@example.com` }],
    ])('the user upsert refuses %s instead of storing another string', async (_name, identity) => {
      const before = await userCount();
      await expect(resolveUser(identity)).rejects.toThrow(/cannot be stored exactly/);
      expect(await userCount()).toBe(before);
    });
  });
});

describe('the cursor secret', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** One instance's lifetime on the shared database: opened (loading the secret), used, closed. */
  const instance = async (work: (t: TestApp) => Promise<void>) => {
    const t = await startTestApp({ database: db });
    try {
      await work(t);
    } finally {
      await closeDatabase();
    }
  };
  const token = () => signToken({ sub: newSubject('secret') });
  const withCursor = (cursor: string) => `/v1/todos?limit=1&cursor=${encodeURIComponent(cursor)}`;

  it('comes from the database: another instance accepts the cursors of the first, until the row changes', async () => {
    const caller = await token();
    let issued = '';
    await instance(async (t) => {
      for (const title of ['one', 'two']) expect((await send(t, caller, 'POST', '/v1/todos', { body: { title } })).status).toBe(201);
      issued = (await send(t, caller, 'GET', '/v1/todos?limit=1')).body!.next_cursor as string;
    });
    await instance(async (t) => {
      expect((await send(t, caller, 'GET', withCursor(issued))).status).toBe(200);
    });
    await db.query("UPDATE service_secrets SET secret = sha256(secret) WHERE name = 'cursor'");
    await instance(async (t) => {
      expectCursorRejected(await send(t, caller, 'GET', withCursor(issued)));
      const fresh = (await send(t, caller, 'GET', '/v1/todos?limit=1')).body!.next_cursor as string;
      expect(fresh).not.toBe(issued);
      expect((await send(t, caller, 'GET', withCursor(fresh))).status).toBe(200);
    });
  });

  it('missing (migrations not run) leaves opening working, and a cursor is then a 503, not a 500', async () => {
    await db.query('DROP TABLE service_secrets');
    const caller = await token();
    await instance(async (t) => {
      for (const title of ['one', 'two']) expect((await send(t, caller, 'POST', '/v1/todos', { body: { title } })).status).toBe(201);
      const res = await send(t, caller, 'GET', '/v1/todos?limit=1');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'service_unavailable' });
      expect((await send(t, caller, 'GET', '/v1/todos?limit=100')).status).toBe(200);
    });
  });
});
