import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Label, LabelList } from '../../clients/typescript/src/types.js';
import { listLabels } from '../../src/services/label-service.js';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, startAppWithUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The label operations as one user calls them (every answer is checked against the spec by t.request). */
function labels(c: TodoClient) {
  return {
    create: (body: unknown, headers?: Record<string, string>) => c.raw('POST', '/v1/labels', body, headers),
    get: (id: string, headers?: Record<string, string>) => c.raw('GET', `/v1/labels/${id}`, undefined, headers),
    patch: (id: string, body: unknown, headers?: Record<string, string>) => c.raw('PATCH', `/v1/labels/${id}`, body, headers),
    remove: (id: string, headers?: Record<string, string>) => c.raw('DELETE', `/v1/labels/${id}`, undefined, headers),
    list: (query: Record<string, string | number> = {}) =>
      c.raw('GET', `/v1/labels?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`),
    async created(body: unknown): Promise<Label> {
      const res = await this.create(body);
      expectStatus(res, 201);
      return res.body as Label;
    },
  };
}

const errorPaths = (res: Call) => ((res.body as { errors?: Array<{ path: string }> }).errors ?? []).map((e) => e.path);

describe('labels', () => {
  let t: TestApp;
  let me: ReturnType<typeof labels>;
  beforeAll(async () => {
    let user: TodoClient;
    ({ t, me: user } = await startAppWithUser());
    me = labels(user);
  });
  afterAll(() => t.close());

  const rowOf = async (id: string) => (await t.db.query('SELECT * FROM labels WHERE id = $1', [id]))[0];

  it('POST creates a label: trimmed name, lower-case colour, Location and ETag', async () => {
    const res = await me.create({ name: '  Groceries  ', color: '#1E90FF' });
    expectStatus(res, 201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Groceries',
      color: '#1e90ff',
      created_at: expect.stringMatching(ISO_Z),
      updated_at: (res.body as Label).created_at,
      version: 1,
    });
    const { id } = res.body as Label;
    expect(res.headers.get('location')).toBe(`/v1/labels/${id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await rowOf(id)).toMatchObject({ name: 'Groceries', color: '#1e90ff', version: 1 });
    expect((await me.create({ name: 'No colour' })).body).toMatchObject({ color: null });
  });

  it('GET returns the label with its ETag; If-None-Match gives 304', async () => {
    const label = await me.created({ name: 'Readable' });
    const res = await me.get(label.id);
    expectStatus(res, 200);
    expect(res.body).toEqual(label);
    expect(res.headers.get('etag')).toBe('"1"');
    const again = await me.get(label.id, { 'if-none-match': '"1"' });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect((await me.get(randomUUID())).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('PATCH renames and recolours in one row, bumps version once; a no-op keeps it', async () => {
    const label = await me.created({ name: 'Old name', color: '#000000' });
    const res = await me.patch(label.id, { name: 'New name', color: null }, { 'content-type': 'application/merge-patch+json' });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: label.id, name: 'New name', color: null, version: 2 });
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await rowOf(label.id)).toMatchObject({ name: 'New name', color: null, version: 2 });
    const same = await me.patch(label.id, { name: 'New name' });
    expect(same.body).toMatchObject({ version: 2 });
    // Changing only the case of its own name is a rename, not a conflict with itself.
    expect((await me.patch(label.id, { name: 'NEW NAME' })).body).toMatchObject({ name: 'NEW NAME', version: 3 });
  });

  it('DELETE answers 204, and a second delete is a 404', async () => {
    const label = await me.created({ name: 'Short-lived' });
    expect((await me.remove(label.id)).status).toBe(204);
    expect(await rowOf(label.id)).toBeUndefined();
    expect((await me.remove(label.id)).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('409 label_exists for a name that differs only in case, on create and on rename; nothing changes', async () => {
    await me.created({ name: 'Work' });
    const dup = await me.create({ name: ' wORK ' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'label_exists', status: 409 });
    const other = await me.created({ name: 'Home' });
    const rename = await me.patch(other.id, { name: 'WORK' });
    expect(rename.status).toBe(409);
    expect(rename.body).toMatchObject({ code: 'label_exists' });
    expect(await rowOf(other.id)).toMatchObject({ name: 'Home', version: 1 });
    expect(await t.db.query("SELECT name FROM labels WHERE lower(name) = 'work'")).toEqual([{ name: 'Work' }]);
    // With an Idempotency-Key the conflict stores nothing: a retry is a 409 again, not a replay.
    const key = randomUUID();
    expect((await me.create({ name: 'work' }, { 'idempotency-key': key })).body).toMatchObject({ code: 'label_exists' });
    const retry = await me.create({ name: 'work' }, { 'idempotency-key': key });
    expect(retry.body).toMatchObject({ code: 'label_exists' });
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  it.each([
    [{ name: '' }, 'body.name'],
    [{ name: '   ' }, 'body.name'],
    [{ name: 'x'.repeat(65) }, 'body.name'],
    [{ name: 'ok', color: 'red' }, 'body.color'],
    [{ name: 'ok', color: '#12345' }, 'body.color'],
    [{ name: 'ok', color: '#1234567' }, 'body.color'],
    [{ name: 'ok', colour: '#123456' }, 'body'],
    [{ name: 'ok', id: randomUUID() }, 'body'],
    [{ name: 'ok', version: 3 }, 'body'],
    [{}, 'body.name'],
  ])('POST %j is a 422 naming %s, and stores nothing', async (body, path) => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM labels');
    const res = await me.create(body);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'validation_failed' });
    expect(errorPaths(res).some((p) => p.startsWith(path))).toBe(true);
    expect(await t.db.query('SELECT count(*)::int AS n FROM labels')).toEqual(before);
  });

  it('a name of exactly 64 characters, counted in code points, is accepted', async () => {
    expect((await me.create({ name: '😀'.repeat(64) })).status).toBe(201);
  });

  it.each([[{ name: '' }], [{ name: null }], [{ name: 'y'.repeat(65) }], [{ color: '#GGGGGG' }], [{ created_at: '2026-01-01T00:00:00Z' }], [{ extra: 1 }]])(
    'PATCH %j is a 422 and changes nothing',
    async (body) => {
      const label = await me.created({ name: `patch target ${randomUUID()}` });
      const res = await me.patch(label.id, body);
      expect(res.status).toBe(422);
      expect(await rowOf(label.id)).toMatchObject({ name: label.name, version: 1 });
    },
  );

  it('If-Match: a stale tag is a 412 on PATCH and DELETE, an unquoted one a 400; the current tag and * apply', async () => {
    const label = await me.created({ name: 'Guarded' });
    expect((await me.patch(label.id, { color: '#ABCDEF' }, { 'if-match': '"1"' })).status).toBe(200);
    const stale = await me.patch(label.id, { name: 'lost update' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed' });
    expect((await me.remove(label.id, { 'if-match': '"1"' })).status).toBe(412);
    const unquoted = await me.patch(label.id, { name: 'x' }, { 'if-match': '2' });
    expect(unquoted.status).toBe(400);
    expect(unquoted.body).toMatchObject({ code: 'invalid_if_match' });
    expect((await me.remove(label.id, { 'if-match': '2' })).body).toMatchObject({ code: 'invalid_if_match' });
    expect(await rowOf(label.id)).toMatchObject({ name: 'Guarded', color: '#abcdef', version: 2 });
    // 404 before 412: a missing label is a 404 whatever If-Match says.
    expect((await me.patch(randomUUID(), { name: 'x' }, { 'if-match': '"1"' })).status).toBe(404);
    expect((await me.remove(label.id, { 'if-match': '*' })).status).toBe(204);
  });

  it('Idempotency-Key replays the first answer of POST, PATCH and DELETE', async () => {
    const key = randomUUID();
    const first = await me.create({ name: 'Once' }, { 'idempotency-key': key });
    expectStatus(first, 201);
    const replay = await me.create({ name: 'Once' }, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    const { id } = first.body as Label;
    expect(await t.db.query("SELECT count(*)::int AS n FROM labels WHERE name = 'Once'")).toEqual([{ n: 1 }]);
    expect((await me.create({ name: 'Other' }, { 'idempotency-key': key })).body).toMatchObject({ code: 'idempotency_key_reused' });

    const patchKey = randomUUID();
    const patched = await me.patch(id, { name: 'Twice' }, { 'idempotency-key': patchKey });
    const patchReplay = await me.patch(id, { name: 'Twice' }, { 'idempotency-key': patchKey });
    expect(patchReplay.headers.get('idempotent-replayed')).toBe('true');
    expect(patchReplay.body).toEqual(patched.body);
    expect(await rowOf(id)).toMatchObject({ version: 2 });

    const deleteKey = randomUUID();
    expect((await me.remove(id, { 'idempotency-key': deleteKey })).status).toBe(204);
    const deleteReplay = await me.remove(id, { 'idempotency-key': deleteKey });
    expect(deleteReplay.status).toBe(204);
    expect(deleteReplay.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('labels: listing', () => {
  let t: TestApp;
  let me: ReturnType<typeof labels>;
  beforeAll(async () => {
    let user: TodoClient;
    ({ t, me: user } = await startAppWithUser());
    me = labels(user);
  });
  afterAll(() => t.close());

  it('pages by name ignoring case, ties by id, over 3 pages with a cursor and a Link header', async () => {
    for (const name of ['delta', 'Alpha', 'charlie', 'Echo', 'bravo']) await me.created({ name });
    const names: string[] = [];
    let query: Record<string, string | number> = { limit: 2 };
    let pages = 0;
    for (;;) {
      const res = await me.list(query);
      expectStatus(res, 200);
      const page = res.body as LabelList;
      pages += 1;
      names.push(...page.data.map((l) => l.name));
      if (page.next_cursor === null) {
        expect(res.headers.get('link')).toBeNull();
        break;
      }
      expect(res.headers.get('link')).toBe(`</v1/labels?limit=2&cursor=${encodeURIComponent(page.next_cursor)}>; rel="next"`);
      query = { limit: 2, cursor: page.next_cursor };
    }
    expect(pages).toBe(3);
    expect(names).toEqual(['Alpha', 'bravo', 'charlie', 'delta', 'Echo']);
  });

  it('a tampered, foreign or garbage cursor is a 422; limit outside 1..100 is a 422', async () => {
    const first = (await me.list({ limit: 1 })).body as LabelList;
    const cursor = first.next_cursor!;
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}${cursor.slice(-1)}`;
    for (const bad of [tampered, 'garbage', `${cursor}.x`]) {
      const res = await me.list({ cursor: bad });
      expect(res.status, bad).toBe(422);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
    const other = labels(await newUser(t));
    expect((await other.list({ cursor })).status).toBe(422);
    for (const limit of [0, 101, 'x']) expect((await me.list({ limit })).status).toBe(422);
    expect((await me.list({ sort: 'name' })).status).toBe(422);
  });
});

describe('labels: list query plan', () => {
  let t: TestApp;
  let userId: string;
  beforeAll(async () => {
    t = await startTestApp();
    // Enough rows, over many users, that a sequential scan would be the planner's choice without an index.
    await t.db.query(`
      INSERT INTO users (id, subject) SELECT gen_random_uuid(), 'bulk-' || g FROM generate_series(1, 50) g;
      INSERT INTO labels (id, user_id, name, created_at, updated_at)
      SELECT gen_random_uuid(), u.id, 'label ' || g, now(), now() FROM users u CROSS JOIN generate_series(1, 200) g;
      ANALYZE labels;
    `);
    userId = (await t.db.query<{ id: string }>("SELECT id FROM users WHERE subject = 'bulk-1'"))[0]!.id;
  });
  afterAll(() => t.close());

  it('a page, with and without a cursor, is an index range scan in name order: no sort, no sequential scan', async () => {
    const spy = spyOnStatements();
    spy.install();
    try {
      const first = await listLabels(userId, { limit: 20 });
      await listLabels(userId, { limit: 20, cursor: first.nextCursor ?? undefined });
    } finally {
      spy.restore();
    }
    const pages = spy.sent.flatMap((text, i) => (/FROM labels/.test(text) ? [{ text, values: spy.values[i] }] : []));
    expect(pages).toHaveLength(2);
    for (const { text, values } of pages) {
      const plan = (await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).map((r) => r['QUERY PLAN']).join('\n');
      expect(plan, plan).toMatch(/Index Scan using labels_user_name_id_idx/);
      expect(plan, plan).not.toMatch(/Seq Scan|Sort\b/);
    }
  });
});

describe('labels: quota', () => {
  let t: TestApp;
  let user: TodoClient;
  beforeAll(async () => ({ t, me: user } = await startAppWithUser({ env: { LIMIT_LABELS_PER_USER: '2' } })));
  afterAll(() => t.close());

  it('at LIMIT_LABELS_PER_USER=2 the third create is a 409 limit_reached naming limits.labels; GET /v1/me shows limit and usage', async () => {
    const me = labels(user);
    const first = await me.created({ name: 'one' });
    await me.created({ name: 'two' });
    const third = await me.create({ name: 'three' });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: 'limit_reached' });
    expect((third.body as { detail: string }).detail).toContain('limits.labels');
    const info = await user.me();
    expectStatus(info, 200);
    expect(info.body.limits.labels).toBe(2);
    expect(info.body.usage).toMatchObject({ labels: 2 });
    expect((await me.remove(first.id)).status).toBe(204);
    expect((await me.create({ name: 'three' })).status).toBe(201);
    // Another user's labels do not count against this one's quota.
    const other = labels(await newUser(t));
    expect((await other.create({ name: 'one' })).status).toBe(201);
    // The counter the quota reads is the real count, per user.
    const mismatched = await t.db.query('SELECT u.id FROM users u WHERE u.label_count <> (SELECT count(*) FROM labels l WHERE l.user_id = u.id)');
    expect(mismatched).toEqual([]);
  });
});
