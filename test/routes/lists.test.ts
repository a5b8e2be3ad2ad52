import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { List, ListPage } from '../../clients/typescript/src/types.js';
import { listLists } from '../../src/services/list-service.js';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, startAppWithUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The list operations as one user calls them (every answer is checked against the spec by t.request). */
export function lists(c: TodoClient) {
  return {
    create: (body: unknown, headers?: Record<string, string>) => c.raw('POST', '/v1/lists', body, headers),
    get: (id: string, headers?: Record<string, string>) => c.raw('GET', `/v1/lists/${id}`, undefined, headers),
    patch: (id: string, body: unknown, headers?: Record<string, string>) => c.raw('PATCH', `/v1/lists/${id}`, body, headers),
    remove: (id: string, headers?: Record<string, string>) => c.raw('DELETE', `/v1/lists/${id}`, undefined, headers),
    move: (id: string, body: unknown, headers?: Record<string, string>) => c.raw('POST', `/v1/lists/${id}/move`, body, headers),
    list: (query: Record<string, string | number | boolean> = {}) =>
      c.raw('GET', `/v1/lists?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`),
    async created(body: unknown): Promise<List> {
      const res = await this.create(body);
      expectStatus(res, 201);
      return res.body as List;
    },
    async moved(id: string, body: unknown, headers?: Record<string, string>): Promise<List> {
      const res = await this.move(id, body, headers);
      expectStatus(res, 200);
      return res.body as List;
    },
    /** Every list of one `archived` value, page after page. */
    async all(query: Record<string, string | number | boolean> = {}): Promise<List[]> {
      const out: List[] = [];
      let cursor: string | null = null;
      do {
        const res = await this.list(cursor === null ? { limit: 100, ...query } : { limit: 100, ...query, cursor });
        expectStatus(res, 200);
        const page = res.body as ListPage;
        out.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor !== null);
      return out;
    },
  };
}

const errorPaths = (res: Call) => ((res.body as { errors?: Array<{ path: string }> }).errors ?? []).map((e) => e.path);
/** Bytewise order, as the API promises: code-unit order equals byte order for these ASCII keys. */
const bytewise = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('lists', () => {
  let t: TestApp;
  let user: TodoClient;
  let me: ReturnType<typeof lists>;
  let inbox: List;
  beforeAll(async () => {
    ({ t, me: user } = await startAppWithUser());
    me = lists(user);
    inbox = (await me.all())[0]!;
  });
  afterAll(() => t.close());

  const rowOf = async (id: string) => (await t.db.query('SELECT * FROM lists WHERE id = $1', [id]))[0];

  it('a new user has exactly one list, the default "Inbox", with no todos', async () => {
    expect(await me.all()).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Inbox',
        color: null,
        position: expect.stringMatching(/^[0-9A-Za-z]{2,}$/),
        is_default: true,
        archived: false,
        todo_count: 0,
        open_todo_count: 0,
        created_at: expect.stringMatching(ISO_Z),
        updated_at: expect.stringMatching(ISO_Z),
        version: 1,
      },
    ]);
  });

  it('POST creates a list at the end: trimmed name, lower-case colour, not default, not archived, Location and ETag', async () => {
    const res = await me.create({ name: '  Groceries  ', color: '#2E8B57' });
    expectStatus(res, 201);
    const list = res.body as List;
    expect(list).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Groceries',
      color: '#2e8b57',
      position: expect.stringMatching(/^[0-9A-Za-z]{2,}$/),
      is_default: false,
      archived: false,
      todo_count: 0,
      open_todo_count: 0,
      created_at: expect.stringMatching(ISO_Z),
      updated_at: list.created_at,
      version: 1,
    });
    expect(res.headers.get('location')).toBe(`/v1/lists/${list.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(bytewise(inbox.position, list.position)).toBe(-1);
    expect(await rowOf(list.id)).toMatchObject({ name: 'Groceries', color: '#2e8b57', version: 1, is_default: false });
    const next = await me.created({ name: 'No colour' });
    expect(next).toMatchObject({ color: null });
    expect(bytewise(list.position, next.position)).toBe(-1);
  });

  it('GET returns the list with its ETag; If-None-Match gives 304; an unknown id is a 404', async () => {
    const list = await me.created({ name: 'Readable' });
    const res = await me.get(list.id);
    expectStatus(res, 200);
    expect(res.body).toEqual(list);
    expect(res.headers.get('etag')).toBe('"1"');
    const again = await me.get(list.id, { 'if-none-match': '"1"' });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect((await me.get(randomUUID())).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('PATCH renames, recolours and archives, bumping version once per change; a no-op keeps it', async () => {
    const list = await me.created({ name: 'Old name', color: '#000000' });
    const res = await me.patch(list.id, { name: ' New name ', color: null }, { 'content-type': 'application/merge-patch+json' });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: list.id, name: 'New name', color: null, archived: false, position: list.position, version: 2 });
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await rowOf(list.id)).toMatchObject({ name: 'New name', color: null, version: 2 });
    expect((await me.patch(list.id, { name: 'New name', color: null })).body).toMatchObject({ version: 2 });
    expect((await me.patch(list.id, {})).body).toMatchObject({ version: 2 });
    expect((await me.patch(list.id, { archived: true })).body).toMatchObject({ archived: true, version: 3 });
    expect((await me.patch(list.id, { archived: true })).body).toMatchObject({ archived: true, version: 3 });
    expect((await me.patch(list.id, { archived: false, color: '#ABCDEF' })).body).toMatchObject({ archived: false, color: '#abcdef', version: 4 });
  });

  it.each([
    [{ position: 'a0' }, 'body.position', 'This field is read-only.'],
    [{ is_default: true }, 'body.is_default', 'This field is read-only.'],
    [{ todo_count: 0 }, 'body.todo_count', 'This field is read-only.'],
    [{ open_todo_count: 0 }, 'body.open_todo_count', 'This field is read-only.'],
    [{ version: 1 }, 'body.version', 'This field is read-only.'],
    [{ name: null }, 'body.name', undefined],
    [{ archived: null }, 'body.archived', undefined],
    [{ archived: 'yes' }, 'body.archived', undefined],
  ])('PATCH %j is a 422 on %s and changes nothing', async (body, path, message) => {
    const list = await me.created({ name: `patch target ${randomUUID()}` });
    const res = await me.patch(list.id, body);
    expect(res.status).toBe(422);
    expect(errorPaths(res)).toContain(path);
    if (message) expect((res.body as { errors: Array<{ path: string; message: string }> }).errors.find((e) => e.path === path)?.message).toBe(message);
    expect(await rowOf(list.id)).toMatchObject({ name: list.name, version: 1, archived: false });
  });

  it.each([
    [{ name: '' }, 'body.name'],
    [{ name: '   ' }, 'body.name'],
    [{ name: 'x'.repeat(256) }, 'body.name'],
    [{ name: 'ok', color: 'red' }, 'body.color'],
    [{ name: 'ok', color: '#12345' }, 'body.color'],
    [{ name: 'ok', archived: true }, 'body.archived'],
    [{ name: 'ok', is_default: true }, 'body.is_default'],
    [{ name: 'ok', position: 'a0' }, 'body.position'],
    [{ name: 'ok', id: randomUUID() }, 'body.id'],
    [{ name: 'ok', todo_count: 3 }, 'body.todo_count'],
    [{}, 'body.name'],
  ])('POST %j is a 422 naming %s, and stores nothing', async (body, path) => {
    const before = await t.db.query('SELECT count(*)::int AS n, (SELECT sum(list_count)::int FROM users) AS counted FROM lists');
    const res = await me.create(body);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'validation_failed' });
    expect(errorPaths(res)).toContain(path);
    expect(await t.db.query('SELECT count(*)::int AS n, (SELECT sum(list_count)::int FROM users) AS counted FROM lists')).toEqual(before);
  });

  it('a name of exactly 255 characters, counted in code points, is accepted', async () => {
    expect((await me.create({ name: '😀'.repeat(255) })).status).toBe(201);
  });

  it('DELETE answers 204, and a second delete is a 404', async () => {
    const list = await me.created({ name: 'Short-lived' });
    expect((await me.remove(list.id)).status).toBe(204);
    expect(await rowOf(list.id)).toBeUndefined();
    expect((await me.remove(list.id)).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('the default list: 409 default_list on delete and on archive (nothing changes); renaming it is fine', async () => {
    const before = await rowOf(inbox.id);
    const deleted = await me.remove(inbox.id);
    expect(deleted.status).toBe(409);
    expect(deleted.body).toMatchObject({ code: 'default_list', status: 409 });
    expect((await me.remove(inbox.id, { 'if-match': '*' })).body).toMatchObject({ code: 'default_list' });
    const archived = await me.patch(inbox.id, { archived: true });
    expect(archived.status).toBe(409);
    expect(archived.body).toMatchObject({ code: 'default_list' });
    // Together with a rename, nothing of the patch is applied.
    expect((await me.patch(inbox.id, { name: 'Renamed too', archived: true })).body).toMatchObject({ code: 'default_list' });
    expect(await rowOf(inbox.id)).toEqual(before);
    // 404 and 412 come first: a stale If-Match is a 412, whatever the patch.
    expect((await me.patch(inbox.id, { archived: true }, { 'if-match': '"99"' })).status).toBe(412);
    expect((await me.remove(inbox.id, { 'if-match': '"99"' })).status).toBe(412);
    // Unarchiving it is a no-op; renaming it works.
    expect((await me.patch(inbox.id, { archived: false })).body).toMatchObject({ version: before!.version });
    const renamed = await me.patch(inbox.id, { name: 'Start here' });
    expectStatus(renamed, 200);
    expect(renamed.body).toMatchObject({ name: 'Start here', is_default: true, version: before!.version + 1 });
    // The failed attempts stored nothing under an Idempotency-Key: a retry is a 409 again.
    const key = randomUUID();
    expect((await me.remove(inbox.id, { 'idempotency-key': key })).status).toBe(409);
    const retry = await me.remove(inbox.id, { 'idempotency-key': key });
    expect(retry.status).toBe(409);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  it('If-Match: a stale tag is a 412 on PATCH, DELETE and move, an unquoted one a 400; the current tag and * apply', async () => {
    const list = await me.created({ name: 'Guarded' });
    expect((await me.patch(list.id, { color: '#ABCDEF' }, { 'if-match': '"1"' })).status).toBe(200);
    const stale = await me.patch(list.id, { name: 'lost update' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed' });
    expect((await me.remove(list.id, { 'if-match': '"1"' })).status).toBe(412);
    expect((await me.move(list.id, { before_id: inbox.id }, { 'if-match': '"1"' })).status).toBe(412);
    const unquoted = await me.patch(list.id, { name: 'x' }, { 'if-match': '2' });
    expect(unquoted.status).toBe(400);
    expect(unquoted.body).toMatchObject({ code: 'invalid_if_match' });
    expect((await me.remove(list.id, { 'if-match': '2' })).body).toMatchObject({ code: 'invalid_if_match' });
    expect((await me.move(list.id, {}, { 'if-match': '2' })).body).toMatchObject({ code: 'invalid_if_match' });
    expect(await rowOf(list.id)).toMatchObject({ name: 'Guarded', color: '#abcdef', version: 2, position: list.position });
    // 404 before 412: a missing list is a 404 whatever If-Match says.
    expect((await me.patch(randomUUID(), { name: 'x' }, { 'if-match': '"1"' })).status).toBe(404);
    expect((await me.move(randomUUID(), {}, { 'if-match': '"1"' })).status).toBe(404);
    const moved = await me.move(list.id, { before_id: inbox.id }, { 'if-match': '"2"' });
    expectStatus(moved, 200);
    expect(moved.headers.get('etag')).toBe('"3"');
    expect((await me.remove(list.id, { 'if-match': '*' })).status).toBe(204);
  });

  it('Idempotency-Key replays the first answer of POST, PATCH, move and DELETE', async () => {
    const key = randomUUID();
    const first = await me.create({ name: 'Once' }, { 'idempotency-key': key });
    expectStatus(first, 201);
    const replay = await me.create({ name: 'Once' }, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    const { id } = first.body as List;
    expect(await t.db.query("SELECT count(*)::int AS n FROM lists WHERE name = 'Once'")).toEqual([{ n: 1 }]);
    expect((await me.create({ name: 'Other' }, { 'idempotency-key': key })).body).toMatchObject({ code: 'idempotency_key_reused' });

    const patchKey = randomUUID();
    const patched = await me.patch(id, { name: 'Twice' }, { 'idempotency-key': patchKey });
    const patchReplay = await me.patch(id, { name: 'Twice' }, { 'idempotency-key': patchKey });
    expect(patchReplay.headers.get('idempotent-replayed')).toBe('true');
    expect(patchReplay.body).toEqual(patched.body);
    expect(await rowOf(id)).toMatchObject({ version: 2 });

    const moveKey = randomUUID();
    const moved = await me.move(id, { before_id: inbox.id }, { 'idempotency-key': moveKey });
    expectStatus(moved, 200);
    const moveReplay = await me.move(id, { before_id: inbox.id }, { 'idempotency-key': moveKey });
    expect(moveReplay.headers.get('idempotent-replayed')).toBe('true');
    expect(moveReplay.body).toEqual(moved.body);
    expect(moveReplay.headers.get('etag')).toBe('"3"');
    expect(await rowOf(id)).toMatchObject({ version: 3, position: (moved.body as List).position });
    expect((await me.move(id, {}, { 'idempotency-key': moveKey })).body).toMatchObject({ code: 'idempotency_key_reused' });

    const deleteKey = randomUUID();
    expect((await me.remove(id, { 'idempotency-key': deleteKey })).status).toBe(204);
    const deleteReplay = await me.remove(id, { 'idempotency-key': deleteKey });
    expect(deleteReplay.status).toBe(204);
    expect(deleteReplay.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('lists: counts and deletion with todos', () => {
  let t: TestApp;
  let me: ReturnType<typeof lists>;
  let userId: string;
  beforeAll(async () => {
    let user: TodoClient;
    ({ t, me: user } = await startAppWithUser());
    me = lists(user);
    const info = await user.me();
    expectStatus(info, 200);
    userId = info.body.id;
  });
  afterAll(() => t.close());

  /** A todo written with SQL (its position and defaults come from the triggers); returns its id. */
  async function todo(listId: string, { completed = false, parentId = null }: { completed?: boolean; parentId?: string | null } = {}): Promise<string> {
    const id = uuidv7();
    await t.db.query(
      `INSERT INTO todos (user_id, id, list_id, parent_id, title, completed, completed_at, priority, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'arranged', $5, CASE WHEN $5 THEN now() END, 0, now(), now())`,
      [userId, id, listId, parentId, completed],
    );
    return id;
  }

  it('todo_count and open_todo_count come with the list, in GET and in the page, and change without a new version', async () => {
    const list = await me.created({ name: 'Counted' });
    const other = await me.created({ name: 'Elsewhere' });
    const parent = await todo(list.id);
    await todo(list.id, { parentId: parent });
    await todo(list.id, { completed: true });
    await todo(other.id, { completed: true });
    const res = await me.get(list.id);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ todo_count: 3, open_todo_count: 2, version: 1 });
    expect(res.headers.get('etag')).toBe('"1"');
    // As documented: the ETag follows version, which the counts do not change.
    expect((await me.get(list.id, { 'if-none-match': '"1"' })).status).toBe(304);
    const page = await me.all();
    expect(page.find((l) => l.id === list.id)).toMatchObject({ todo_count: 3, open_todo_count: 2 });
    expect(page.find((l) => l.id === other.id)).toMatchObject({ todo_count: 1, open_todo_count: 0 });
    await t.db.query('UPDATE todos SET completed = true, completed_at = now() WHERE id = $1', [parent]);
    expect((await me.get(list.id)).body).toMatchObject({ todo_count: 3, open_todo_count: 1, version: 1 });
  });

  it('deleting a list deletes its todos and their subtasks, in the same transaction; users.todo_count follows', async () => {
    const doomed = await me.created({ name: 'Doomed' });
    const kept = await me.created({ name: 'Kept' });
    const top = await todo(doomed.id);
    const child = await todo(doomed.id, { parentId: top });
    const grandchild = await todo(doomed.id, { parentId: child, completed: true });
    const survivor = await todo(kept.id);
    const before = (await t.db.query<{ todo_count: number }>('SELECT todo_count FROM users WHERE id = $1', [userId]))[0]!.todo_count;
    expect((await me.remove(doomed.id)).status).toBe(204);
    expect(await t.db.query('SELECT id FROM todos WHERE id = ANY ($1::uuid[])', [[top, child, grandchild, survivor]])).toEqual([{ id: survivor }]);
    expect(await t.db.query('SELECT id FROM lists WHERE id = $1', [doomed.id])).toEqual([]);
    const [counts] = await t.db.query<{ todo_count: number; rows: number; list_count: number; lists: number }>(
      `SELECT todo_count, (SELECT count(*)::int FROM todos WHERE user_id = u.id) AS rows,
              list_count, (SELECT count(*)::int FROM lists WHERE user_id = u.id) AS lists
       FROM users u WHERE id = $1`,
      [userId],
    );
    expect(counts).toEqual({ todo_count: before - 3, rows: before - 3, list_count: counts!.lists, lists: counts!.lists });
    expect((await me.get(kept.id)).body).toMatchObject({ todo_count: 1, open_todo_count: 1 });
  });

  it('a delete that fails (If-Match) deletes none of the todos', async () => {
    const list = await me.created({ name: 'Guarded with todos' });
    const id = await todo(list.id);
    expect((await me.remove(list.id, { 'if-match': '"7"' })).status).toBe(412);
    expect(await t.db.query('SELECT id FROM todos WHERE id = $1', [id])).toEqual([{ id }]);
  });
});

describe('lists: listing', () => {
  let t: TestApp;
  let me: ReturnType<typeof lists>;
  let user: TodoClient;
  beforeAll(async () => {
    ({ t, me: user } = await startAppWithUser());
    me = lists(user);
  });
  afterAll(() => t.close());

  it('pages in position order, ties by id, over 3 pages with a cursor and a Link header', async () => {
    for (const name of ['one', 'two', 'three', 'four']) await me.created({ name });
    const names: string[] = [];
    let query: Record<string, string | number> = { limit: 2 };
    let pages = 0;
    for (;;) {
      const res = await me.list(query);
      expectStatus(res, 200);
      const page = res.body as ListPage;
      pages += 1;
      names.push(...page.data.map((l) => l.name));
      if (page.next_cursor === null) {
        expect(res.headers.get('link')).toBeNull();
        break;
      }
      expect(res.headers.get('link')).toBe(`</v1/lists?limit=2&cursor=${encodeURIComponent(page.next_cursor)}>; rel="next"`);
      query = { limit: 2, cursor: page.next_cursor };
    }
    expect(pages).toBe(3);
    expect(names).toEqual(['Inbox', 'one', 'two', 'three', 'four']);
  });

  it('archived lists appear only with archived=true, and only they do; archived=false is the default', async () => {
    const shelf = await me.created({ name: 'Shelved' });
    const attic = await me.created({ name: 'Attic' });
    for (const list of [shelf, attic]) expectStatus(await me.patch(list.id, { archived: true }), 200);
    const active = await me.all();
    expect(active.map((l) => l.name)).toEqual(['Inbox', 'one', 'two', 'three', 'four']);
    expect((await me.all({ archived: false })).map((l) => l.name)).toEqual(active.map((l) => l.name));
    const archived = await me.all({ archived: true });
    expect(archived.map((l) => [l.name, l.archived])).toEqual([
      ['Shelved', true],
      ['Attic', true],
    ]);
    // Each page of archived lists pages on its own.
    const first = (await me.list({ archived: true, limit: 1 })).body as ListPage;
    expect(first.data.map((l) => l.name)).toEqual(['Shelved']);
    const second = (await me.list({ archived: true, limit: 1, cursor: first.next_cursor! })).body as ListPage;
    expect(second).toMatchObject({ data: [{ name: 'Attic' }], next_cursor: null });
    // Unarchived, a list is back where its position puts it.
    expectStatus(await me.patch(shelf.id, { archived: false }), 200);
    expect((await me.all()).map((l) => l.name)).toEqual(['Inbox', 'one', 'two', 'three', 'four', 'Shelved']);
    expect((await me.list({ archived: 'yes' })).status).toBe(422);
  });

  it('a tampered, foreign, garbage or other-filter cursor is a 422; limit outside 1..100 is a 422', async () => {
    const first = (await me.list({ limit: 1 })).body as ListPage;
    const cursor = first.next_cursor!;
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}${cursor.slice(-1)}`;
    for (const bad of [tampered, 'garbage', `${cursor}.x`]) {
      const res = await me.list({ cursor: bad });
      expect(res.status, bad).toBe(422);
      expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'query.cursor' }] });
    }
    // Bound to the filter it was issued with.
    expect((await me.list({ cursor, archived: true })).status).toBe(422);
    expect((await me.list({ cursor, archived: false })).status).toBe(200);
    const other = lists(await newUser(t));
    expect((await other.list({ cursor })).status).toBe(422);
    for (const limit of [0, 101, 'x']) expect((await me.list({ limit })).status).toBe(422);
    expect((await me.list({ sort: 'name' })).status).toBe(422);
  });
});

describe('lists: move', () => {
  let t: TestApp;
  let me: ReturnType<typeof lists>;
  let userId: string;
  beforeAll(async () => {
    let user: TodoClient;
    ({ t, me: user } = await startAppWithUser());
    me = lists(user);
    const info = await user.me();
    expectStatus(info, 200);
    userId = info.body.id;
  });
  afterAll(() => t.close());

  const order = async () => (await me.all()).map((l) => l.name);
  const byName = async (name: string) => (await me.all({})).find((l) => l.name === name)!;

  it('after_id, before_id, between and to the end; each move changes only the moved list', async () => {
    for (const name of ['A', 'B', 'C', 'D']) await me.created({ name });
    expect(await order()).toEqual(['Inbox', 'A', 'B', 'C', 'D']);
    const [a, b, c, d] = await Promise.all(['A', 'B', 'C', 'D'].map(byName));
    const untouched = await t.db.query('SELECT id, position, version, updated_at FROM lists WHERE id = ANY ($1::uuid[]) ORDER BY id', [[a!.id, b!.id, c!.id]]);

    const afterA = await me.move(d!.id, { after_id: a!.id });
    expectStatus(afterA, 200);
    expect(afterA.headers.get('etag')).toBe('"2"');
    expect(afterA.body).toMatchObject({ id: d!.id, name: 'D', version: 2 });
    const moved = afterA.body as List;
    expect(bytewise(a!.position, moved.position)).toBe(-1);
    expect(bytewise(moved.position, b!.position)).toBe(-1);
    expect(moved.updated_at > d!.updated_at).toBe(true);
    expect(await order()).toEqual(['Inbox', 'A', 'D', 'B', 'C']);
    expect(await t.db.query('SELECT id, position, version, updated_at FROM lists WHERE id = ANY ($1::uuid[]) ORDER BY id', [[a!.id, b!.id, c!.id]])).toEqual(untouched);

    await me.moved(c!.id, { before_id: a!.id });
    expect(await order()).toEqual(['Inbox', 'C', 'A', 'D', 'B']);
    const inbox = (await me.all())[0]!;
    await me.moved(inbox.id, { after_id: b!.id });
    expect(await order()).toEqual(['C', 'A', 'D', 'B', 'Inbox']);
    await me.moved(inbox.id, { before_id: c!.id });
    expect(await order()).toEqual(['Inbox', 'C', 'A', 'D', 'B']);
    const toEnd = await me.moved(c!.id, {});
    expect(await order()).toEqual(['Inbox', 'A', 'D', 'B', 'C']);
    expect(toEnd.position > (await byName('B')).position).toBe(true);
    // Between two neighbours that were themselves placed between others.
    await me.moved(b!.id, { before_id: d!.id });
    await me.moved(c!.id, { after_id: b!.id });
    expect(await order()).toEqual(['Inbox', 'A', 'B', 'C', 'D']);
  });

  it('a move with no body at all (no Content-Type either) is a move to the end, like {}', async () => {
    const first = (await me.all())[1]!;
    const res = await me.move(first.id, undefined);
    expectStatus(res, 200);
    expect((await me.all()).at(-1)).toEqual(res.body);
    expect(res.body).toMatchObject({ id: first.id, version: first.version + 1 });
  });

  it('a move to where the list already is changes nothing, not even its version', async () => {
    const before = await me.all();
    const [, first, second] = before;
    const last = before.at(-1)!;
    expect(await me.moved(second!.id, { after_id: first!.id })).toEqual(second);
    expect(await me.moved(first!.id, { before_id: second!.id })).toEqual(first);
    const again = await me.move(last.id, {});
    expectStatus(again, 200);
    expect(again.body).toEqual(last);
    expect(again.headers.get('etag')).toBe(`"${last.version}"`);
    expect(await me.all()).toEqual(before);
  });

  it('archived lists keep their place: a move can go next to one, and a move never lands on an archived list\'s key', async () => {
    const [, a, b] = await me.all();
    const hidden = await me.moved((await me.created({ name: 'Hidden' })).id, { after_id: a!.id });
    expectStatus(await me.patch(hidden.id, { archived: true }), 200);
    // A move between a and b (still neighbours among the unarchived) goes around the archived one.
    const moved = await me.moved((await me.created({ name: 'Between' })).id, { after_id: a!.id });
    expect(bytewise(a!.position, moved.position)).toBe(-1);
    expect(bytewise(moved.position, hidden.position)).toBe(-1);
    const afterHidden = await me.moved((await me.created({ name: 'After hidden' })).id, { after_id: hidden.id });
    expect(bytewise(hidden.position, afterHidden.position)).toBe(-1);
    expect(bytewise(afterHidden.position, b!.position)).toBe(-1);
    const positions = await t.db.query<{ dups: number }>('SELECT count(*) - count(DISTINCT position) AS dups FROM lists WHERE user_id = $1', [userId]);
    expect(Number(positions[0]!.dups)).toBe(0);
  });

  it('a neighbour that is the list itself, unknown or both given is a 422 on the body, and nothing changes', async () => {
    const [, a, b] = await me.all();
    const before = await t.db.query('SELECT id, position, version FROM lists WHERE user_id = $1 ORDER BY id', [userId]);
    const cases: Array<[unknown, string]> = [
      [{ after_id: a!.id }, 'body.after_id'],
      [{ before_id: a!.id }, 'body.before_id'],
      [{ after_id: randomUUID() }, 'body.after_id'],
      [{ before_id: randomUUID() }, 'body.before_id'],
      [{ before_id: b!.id, after_id: b!.id }, 'body.after_id'],
      [{ after_id: 'not-a-uuid' }, 'body.after_id'],
      [{ after_id: null }, 'body.after_id'],
      [{ position: 'a0' }, 'body.position'],
      [{ list_id: b!.id }, 'body.list_id'],
    ];
    for (const [body, path] of cases) {
      const res = await me.move(a!.id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
      expect(errorPaths(res), JSON.stringify(body)).toContain(path);
    }
    // The list itself and an id no one has answer the same.
    const self = await me.move(a!.id, { after_id: a!.id });
    const unknown = await me.move(a!.id, { after_id: randomUUID() });
    expect((self.body as { errors: unknown }).errors).toEqual((unknown.body as { errors: unknown }).errors);
    expect((self.body as { detail: string }).detail).toBe((unknown.body as { detail: string }).detail);
    expect(await t.db.query('SELECT id, position, version FROM lists WHERE user_id = $1 ORDER BY id', [userId])).toEqual(before);
  });

  it('when bisecting a gap would outgrow the 256 characters a position may have, the other lists get fresh keys in the same order', async () => {
    const user = await newUser(t);
    const mine = lists(user);
    const [inbox] = await mine.all();
    const low = await mine.created({ name: 'low' });
    const high = await mine.created({ name: 'high' });
    const mover = await mine.created({ name: 'mover' });
    // Neighbours whose only keys between need 257 characters: low = a0zzz…z (255), high = low + '1'.
    const lowKey = `a0${'z'.repeat(253)}`;
    await t.db.query("UPDATE lists SET position = 'a0' WHERE id = $1", [inbox!.id]);
    await t.db.query('UPDATE lists SET position = $2 WHERE id = $1', [low.id, lowKey]);
    await t.db.query('UPDATE lists SET position = $2 WHERE id = $1', [high.id, `${lowKey}1`]);
    const moved = await mine.moved(mover.id, { after_id: low.id });
    expect(moved.position.length).toBeLessThan(10);
    expect(moved.version).toBe(2);
    const rows = await mine.all();
    expect(rows.map((l) => l.name)).toEqual(['Inbox', 'low', 'mover', 'high']);
    for (let i = 1; i < rows.length; i += 1) expect(bytewise(rows[i - 1]!.position, rows[i]!.position), rows[i]!.name).toBe(-1);
    // The respaced lists changed position, so each has a new version.
    expect(rows.map((l) => l.version)).toEqual([2, 2, 2, 2]);
    // Later creates still go to the end.
    const last = await mine.created({ name: 'last' });
    expect(bytewise(rows.at(-1)!.position, last.position)).toBe(-1);
  });
});

describe('lists: concurrent moves', () => {
  let t: TestApp;
  let me: ReturnType<typeof lists>;
  beforeAll(async () => {
    let user: TodoClient;
    ({ t, me: user } = await startAppWithUser());
    me = lists(user);
  });
  afterAll(() => t.close());

  it('20 concurrent moves of different lists into the same gap: no duplicate position, every list still there, one consistent order', async () => {
    const left = await me.created({ name: 'left' });
    const right = await me.created({ name: 'right' });
    const movers: List[] = [];
    for (let i = 0; i < 20; i += 1) movers.push(await me.created({ name: `mover ${i}` }));
    const answers = await Promise.all(movers.map((m) => me.move(m.id, { after_id: left.id })));
    for (const res of answers) expectStatus(res, 200);
    const rows = await me.all();
    expect(rows).toHaveLength(23);
    expect(new Set(rows.map((l) => l.position)).size).toBe(23);
    expect(rows.map((l) => l.id).sort()).toEqual([(await me.all())[0]!.id, left.id, right.id, ...movers.map((m) => m.id)].sort());
    // The page order is bytewise position order, and every mover landed between left and right.
    for (let i = 1; i < rows.length; i += 1) expect(bytewise(rows[i - 1]!.position, rows[i]!.position)).toBe(-1);
    const names = rows.map((l) => l.name);
    expect(names[0]).toBe('Inbox');
    expect(names[1]).toBe('left');
    expect(names.at(-1)).toBe('right');
    // What each move answered is still its position (nothing moved it again), and each was one change.
    for (const res of answers) {
      const answered = res.body as List;
      expect(rows.find((l) => l.id === answered.id)).toMatchObject({ position: answered.position, version: 2 });
    }
  });
});

describe('lists: list query plan', () => {
  let t: TestApp;
  let userId: string;
  beforeAll(async () => {
    t = await startTestApp();
    // Enough rows, over many users, that a sequential scan would be the planner's choice without an index.
    await t.db.query(`
      INSERT INTO users (id, subject, created_at, updated_at) SELECT gen_random_uuid(), 'bulk-' || g, now(), now() FROM generate_series(1, 50) g;
      INSERT INTO lists (id, user_id, name, position, archived, created_at, updated_at)
      SELECT gen_random_uuid(), u.id, 'list ' || g, fractional_key(1000 + g), g % 2 = 0, now(), now() FROM users u CROSS JOIN generate_series(1, 200) g;
      ANALYZE lists;
    `);
    userId = (await t.db.query<{ id: string }>("SELECT id FROM users WHERE subject = 'bulk-1'"))[0]!.id;
  });
  afterAll(() => t.close());

  it.each([false, true])('a page (archived=%s), with and without a cursor, is an index range scan in position order: no sort, no sequential scan', async (archived) => {
    const spy = spyOnStatements();
    spy.install();
    try {
      const first = await listLists(userId, { limit: 20, archived });
      expect(first.nextCursor).not.toBeNull();
      await listLists(userId, { limit: 20, archived, cursor: first.nextCursor ?? undefined });
    } finally {
      spy.restore();
    }
    const pages = spy.sent.flatMap((text, i) => (/FROM lists/.test(text) ? [{ text, values: spy.values[i] }] : []));
    expect(pages).toHaveLength(2);
    for (const { text, values } of pages) {
      const plan = (await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).map((r) => r['QUERY PLAN']).join('\n');
      expect(plan, plan).toMatch(/Index Scan using lists_user_position_idx/);
      expect(plan, plan).not.toMatch(/Seq Scan|Sort\b/);
    }
  });
});

describe('lists: quota', () => {
  let t: TestApp;
  let user: TodoClient;
  beforeAll(async () => ({ t, me: user } = await startAppWithUser({ env: { LIMIT_LISTS_PER_USER: '3' } })));
  afterAll(() => t.close());

  it('at LIMIT_LISTS_PER_USER=3 (the default list counts) the third create is a 409 limit_reached naming limits.lists; GET /v1/me shows limit and usage', async () => {
    const me = lists(user);
    const first = await me.created({ name: 'one' });
    const second = await me.created({ name: 'two' });
    expectStatus(await me.patch(second.id, { archived: true }), 200);
    const third = await me.create({ name: 'three' });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: 'limit_reached' });
    expect((third.body as { detail: string }).detail).toContain('limits.lists');
    const info = await user.me();
    expectStatus(info, 200);
    expect(info.body.limits.lists).toBe(3);
    expect(info.body.usage).toMatchObject({ lists: 3 });
    expect((await me.remove(first.id)).status).toBe(204);
    expect((await user.me()).body).toMatchObject({ usage: { lists: 2 } });
    expect((await me.create({ name: 'three' })).status).toBe(201);
    // Another user's lists do not count against this one's quota.
    const other = lists(await newUser(t));
    expect((await other.create({ name: 'one' })).status).toBe(201);
    // The counter the quota reads is the real count, per user.
    const mismatched = await t.db.query('SELECT u.id FROM users u WHERE u.list_count <> (SELECT count(*) FROM lists l WHERE l.user_id = u.id)');
    expect(mismatched).toEqual([]);
  });
});
