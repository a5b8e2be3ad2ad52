import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

// A corpus of hostile and malformed input. Every answer must be a 4xx problem, and the
// database must be exactly as it was before.

const BODIES: unknown[] = [
  null,
  [],
  ['title'],
  'just a string',
  42,
  { title: null },
  { title: ['a'] },
  { title: { en: 'x' } },
  { title: true },
  { title: '' },
  { title: ' \t\n ' },
  { title: 'x'.repeat(1025) },
  { title: '😀'.repeat(1025) },
  { title: 'nul \u0000 byte' },
  { title: 'lone \ud800 surrogate' },
  { title: 'ok', description: 'nul\u0000' },
  { title: 'ok', description: 5 },
  { title: 'ok', description: ['x'] },
  { title: 'ok', completed: 'true' },
  { title: 'ok', completed: 1 },
  { title: 'ok', priority: 'URGENT' },
  { title: 'ok', priority: 4 },
  { title: 'ok', due_at: '2026-02-29T00:00:00Z' },
  { title: 'ok', due_at: '2026-11-31T00:00:00Z' },
  { title: 'ok', due_at: '2026-11-22' },
  { title: 'ok', due_at: '2026-11-22T25:00:00Z' },
  { title: 'ok', due_at: 1764000000000 },
  { title: 'ok', due_at: '+275760-09-13T00:00:00Z' },
  { title: 'ok', user_id: '00000000-0000-0000-0000-000000000000' },
  { title: 'ok', __proto__: { admin: true }, constructor: 'x' },
  { title: "'; DROP TABLE todos; --", id: "1' OR '1'='1" },
];

const RAW_BODIES = ['{', '{"title": "x",}', "{'title': 'x'}", '{"title": "x"} trailing', '\u0000', '{"title": "\\ud800"}'];

const QUERIES = [
  'limit=-5',
  'limit=0',
  'limit=1000000000000000000000',
  'limit=1e2',
  'limit=%00',
  'limit=1&limit=2',
  'sort[]=title',
  "sort=created_at;DROP TABLE todos",
  "q=%27%20OR%201%3D1%20--%00",
  'q=' + 'x'.repeat(201),
  'completed=TRUE',
  'completed[]=true',
  'due_before=2026-02-30T00:00:00Z',
  'due_after=0',
  'priority=',
  'cursor=%FF%FE',
  'cursor=' + 'A'.repeat(2000),
  'cursor=eyJrIjoiMSJ9.AAAA',
];

/** The rows a hostile request names (issue 12): the caller's own, and another user's. */
interface Fixture {
  todo: string;
  child: string;
  label: string;
  list: string;
  theirTodo: string;
  theirLabel: string;
  theirList: string;
}

// Lists, subtasks, labels and moves (issue 12): each body, and the path its 422 names. Contract
// refusals first (types, NUL, nesting, sizes, read-only fields), then ids that are not the caller's.
const STRUCTURE_BODIES: Array<[string, string, (f: Fixture) => Record<string, unknown>]> = [
  ['list_id not a uuid', 'body.list_id', () => ({ list_id: 'not-a-uuid' })],
  ['list_id empty', 'body.list_id', () => ({ list_id: '' })],
  ['list_id null', 'body.list_id', () => ({ list_id: null })],
  ['list_id a number', 'body.list_id', () => ({ list_id: 7 })],
  ['list_id with NUL', 'body.list_id', (f) => ({ list_id: `${f.list}\u0000` })],
  ['list_id nested', 'body.list_id', (f) => ({ list_id: { id: f.list } })],
  ['list_id in an array', 'body.list_id', (f) => ({ list_id: [f.list] })],
  ['list_id in braces', 'body.list_id', (f) => ({ list_id: `{${f.list}}` })],
  ['list_id padded', 'body.list_id', (f) => ({ list_id: ` ${f.list}` })],
  ['parent_id none', 'body.parent_id', () => ({ parent_id: 'none' })],
  ['parent_id with NUL', 'body.parent_id', (f) => ({ parent_id: `${f.todo}\u0000` })],
  ['parent_id nested', 'body.parent_id', (f) => ({ parent_id: { id: f.todo } })],
  ['parent_id in an array', 'body.parent_id', (f) => ({ parent_id: [f.todo] })],
  ['parent_id false', 'body.parent_id', () => ({ parent_id: false })],
  ['label_ids a string', 'body.label_ids', (f) => ({ label_ids: f.label })],
  ['label_ids null', 'body.label_ids', () => ({ label_ids: null })],
  ['label_ids an object', 'body.label_ids', (f) => ({ label_ids: { 0: f.label } })],
  ['label_ids repeated', 'body.label_ids', (f) => ({ label_ids: [f.label, f.label] })],
  ['label_ids repeated in upper case', 'body.label_ids', (f) => ({ label_ids: [f.label, f.label.toUpperCase()] })],
  ['label_ids 21', 'body.label_ids', () => ({ label_ids: Array.from({ length: 21 }, () => randomUUID()) })],
  ['label_ids 2000 (a huge array under the body limit)', 'body.label_ids', () => ({ label_ids: Array.from({ length: 2000 }, () => randomUUID()) })],
  ['label_ids 2000 times one label', 'body.label_ids', (f) => ({ label_ids: Array.from({ length: 2000 }, () => f.label) })],
  ['label_ids element null', 'body.label_ids.0', () => ({ label_ids: [null] })],
  ['label_ids element nested array', 'body.label_ids.0', (f) => ({ label_ids: [[f.label]] })],
  ['label_ids element nested object', 'body.label_ids.0', (f) => ({ label_ids: [{ id: f.label }] })],
  ['label_ids element with NUL', 'body.label_ids.0', (f) => ({ label_ids: [`${f.label}\u0000`] })],
  ['label_ids second element a name', 'body.label_ids.1', (f) => ({ label_ids: [f.label, 'red'] })],
  ['position (read-only)', 'body.position', () => ({ position: 'a0' })],
  ['subtask_count (read-only)', 'body.subtask_count', () => ({ subtask_count: 0 })],
  ['open_subtask_count (read-only)', 'body.open_subtask_count', () => ({ open_subtask_count: 0 })],
  ['before_id (a move field)', 'body.before_id', (f) => ({ before_id: f.todo })],
  ["another user's list", 'body.list_id', (f) => ({ list_id: f.theirList })],
  ["another user's list in upper case", 'body.list_id', (f) => ({ list_id: f.theirList.toUpperCase() })],
  ['a list that does not exist', 'body.list_id', () => ({ list_id: randomUUID() })],
  ["another user's todo as parent", 'body.parent_id', (f) => ({ parent_id: f.theirTodo })],
  ['a parent that does not exist', 'body.parent_id', () => ({ parent_id: randomUUID() })],
  ['a parent in another list', 'body.parent_id', (f) => ({ parent_id: f.todo, list_id: f.list })],
  ["another user's label", 'body.label_ids.1', (f) => ({ label_ids: [f.label, f.theirLabel] })],
  ['a label that does not exist', 'body.label_ids.0', () => ({ label_ids: [randomUUID()] })],
];

// The move body: each, and the path its 422 names.
const MOVE_BODIES: Array<[string, string, (f: Fixture) => unknown]> = [
  ['null', 'body', () => null],
  ['an array', 'body', () => []],
  ['a number', 'body', () => 42],
  ['before_id and after_id', 'body.after_id', (f) => ({ before_id: f.child, after_id: f.child })],
  ['position (read-only)', 'body.position', () => ({ position: 'a0' })],
  ['a todo field', 'body.title', () => ({ title: 'x' })],
  ['label_ids', 'body.label_ids', (f) => ({ label_ids: [f.label] })],
  ['after_id not a uuid', 'body.after_id', () => ({ after_id: 'first' })],
  ['before_id null', 'body.before_id', () => ({ before_id: null })],
  ['before_id with NUL', 'body.before_id', (f) => ({ before_id: `${f.child}\u0000` })],
  ['after_id nested', 'body.after_id', (f) => ({ after_id: { id: f.child } })],
  ['list_id nested JSON', 'body.list_id', (f) => ({ list_id: JSON.stringify({ id: f.list }) })],
  ['parent_id none', 'body.parent_id', () => ({ parent_id: 'none' })],
  ['the todo itself as neighbour', 'body.after_id', (f) => ({ after_id: f.todo })],
  ['a neighbour in another place', 'body.before_id', (f) => ({ before_id: f.child })],
  ["another user's todo as neighbour", 'body.after_id', (f) => ({ after_id: f.theirTodo })],
  ["another user's todo as parent", 'body.parent_id', (f) => ({ parent_id: f.theirTodo })],
  ['its own subtask as parent', 'body.parent_id', (f) => ({ parent_id: f.child })],
  ['itself as parent', 'body.parent_id', (f) => ({ parent_id: f.todo })],
  ["another user's list", 'body.list_id', (f) => ({ list_id: f.theirList })],
  ['a parent in another list than list_id', 'body.parent_id', (f) => ({ parent_id: f.child, list_id: f.list })],
];

// Filters and sorts of issue 12: each query, and the path its 422 names.
const STRUCTURE_QUERIES: Array<[string, string, (f: Fixture) => string]> = [
  ['parent_id=NONE', 'query.parent_id', () => 'parent_id=NONE'],
  ['parent_id=None', 'query.parent_id', () => 'parent_id=None'],
  ['parent_id empty', 'query.parent_id', () => 'parent_id='],
  ['parent_id=none,none', 'query.parent_id', () => 'parent_id=none,none'],
  ['parent_id with NUL', 'query.parent_id', (f) => `parent_id=${f.todo}%00`],
  ['parent_id twice', 'query.parent_id', (f) => `parent_id=${f.todo}&parent_id=none`],
  ['list_id not a uuid', 'query.list_id', () => 'list_id=inbox'],
  ['list_id empty', 'query.list_id', () => 'list_id='],
  ['list_id with NUL', 'query.list_id', (f) => `list_id=${f.list}%00`],
  ['list_id as JSON', 'query.list_id', (f) => `list_id=${encodeURIComponent(JSON.stringify({ id: f.list }))}`],
  ['list_id twice', 'query.list_id', (f) => `list_id=${f.list}&list_id=${f.list}`],
  ['label_id with 21 ids', 'query.label_id', () => `label_id=${Array.from({ length: 21 }, () => randomUUID()).join(',')}`],
  ['label_id garbage', 'query.label_id', () => 'label_id=red'],
  ['label_id a lone comma', 'query.label_id', () => 'label_id=,'],
  ['label_id a trailing comma', 'query.label_id', (f) => `label_id=${f.label},`],
  ['label_id with NUL', 'query.label_id', (f) => `label_id=${f.label}%00`],
  ['label_id with spaces', 'query.label_id', (f) => `label_id=${f.label},%20${f.label}`],
  ['label_id 10 000 characters', 'query.label_id', () => `label_id=${'x'.repeat(10_000)}`],
  ['label_id[]', 'query.label_id[]', (f) => `label_id[]=${f.label}`],
  ['sort=Position', 'query.sort', () => 'sort=Position'],
  ['sort=position,id', 'query.sort', () => 'sort=position,id'],
];

const IDS = ['not-a-uuid', '123', "' OR 1=1 --", '00000000-0000-0000-0000-00000000000g', '%00', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300)];

describe('bad input changes nothing and gets a 4xx problem', () => {
  let t: TestApp;
  let me: TodoClient;
  let existing: string;
  let f: Fixture;
  let snapshot: unknown;
  // Every table a todo write touches: a refused request changes none of them (a reserved position would show in users).
  const tables = async () => ({
    todos: await t.db.query('SELECT * FROM todos ORDER BY id'),
    todo_labels: await t.db.query('SELECT * FROM todo_labels ORDER BY todo_id, label_id'),
    labels: await t.db.query('SELECT * FROM labels ORDER BY id'),
    lists: await t.db.query('SELECT * FROM lists ORDER BY id'),
    users: await t.db.query('SELECT * FROM users ORDER BY id'),
  });
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    existing = (await me.created({ title: 'Untouchable', description: 'as it was' })).id;
    const { id: label } = (await me.raw('POST', '/v1/labels', { name: 'mine' })).body as { id: string };
    const child = await me.created({ title: 'Untouchable child', parent_id: existing, label_ids: [label] });
    const them = await newUser(t);
    const theirs = await them.created({ title: 'theirs' });
    const { id: theirLabel } = (await them.raw('POST', '/v1/labels', { name: 'theirs' })).body as { id: string };
    const { id: list } = (await me.raw('POST', '/v1/lists', { name: 'second' })).body as { id: string };
    f = { todo: existing, child: child.id, label, list, theirTodo: theirs.id, theirLabel, theirList: theirs.list_id };
    snapshot = await tables();
  });
  afterAll(async () => {
    expect(await tables()).toEqual(snapshot);
    await t.close();
  });

  const expect4xx = (res: Call, label: string) => {
    expect(res.status, label).toBeGreaterThanOrEqual(400);
    expect(res.status, label).toBeLessThan(500);
    expect(res.headers.get('content-type'), label).toBe('application/problem+json');
    expect(res.body, label).toMatchObject({ status: res.status });
  };

  it.each(BODIES.map((b) => [JSON.stringify(b), b]))('POST %s', async (label, body) => {
    expect4xx(await me.raw('POST', '/v1/todos', JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(BODIES.map((b) => [JSON.stringify(b), b]))('PATCH %s', async (label, body) => {
    expect4xx(await me.raw('PATCH', `/v1/todos/${existing}`, JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(RAW_BODIES)('POST raw %j', async (raw) => {
    expect4xx(await me.raw('POST', '/v1/todos', raw, { 'content-type': 'application/json' }), raw);
  });

  it.each(QUERIES)('GET /v1/todos?%s', async (query) => {
    expect4xx(await me.raw('GET', `/v1/todos?${query}`), query);
  });

  it.each(IDS)('every operation on id %j', async (id) => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await me.raw(method, `/v1/todos/${id}`, method === 'PATCH' ? { title: 'x' } : undefined);
      expect4xx(res, `${method} ${id}`);
    }
    expect4xx(await me.raw('POST', `/v1/todos/${id}/move`, {}), `move ${id}`);
  });

  /** A 422 that names `path` among its errors, and nothing else but it. */
  const expect422At = (res: Call, path: string, label: string) => {
    expect4xx(res, label);
    expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(422);
    expect((res.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path), label).toEqual([path]);
  };

  it.each(STRUCTURE_BODIES)('POST with %s names %s', async (label, path, body) => {
    expect422At(await me.create({ title: 'ok', ...body(f) }), path, label);
  });

  it.each(STRUCTURE_BODIES)('PATCH with %s names %s', async (label, path, body) => {
    expect422At(await me.patch(existing, body(f)), path, label);
    expect422At(await me.patch(f.child, { title: 'changed', ...body(f) }), path, `${label}, with a change beside it`);
  });

  it.each(MOVE_BODIES)('move with %s names %s', async (label, path, body) => {
    expect422At(await me.move(existing, body(f)), path, label);
    expect422At(await me.move(existing, body(f), { 'if-match': '*' }), path, `${label}, If-Match: *`);
  });

  it.each(STRUCTURE_QUERIES)('GET /v1/todos with %s names %s', async (label, path, query) => {
    expect422At(await me.raw('GET', `/v1/todos?${query(f)}`), path, label);
  });

  it('a cursor of another sort or filter is a 422 on query.cursor', async () => {
    const page = await me.list({ limit: 1, sort: 'position' });
    expectStatus(page, 200);
    const cursor = page.body.next_cursor!;
    const others: Array<Record<string, string>> = [{ sort: 'created_at' }, { sort: 'position', list_id: f.list }, { sort: 'position', parent_id: 'none' }, { sort: 'position', label_id: f.label }];
    for (const query of others) {
      expect422At(await me.list({ ...query, cursor, limit: 1 }), 'query.cursor', JSON.stringify(query));
    }
  });

  it('a wrong content type on a write is a 415', async () => {
    const res = await me.raw('POST', '/v1/todos', 'title=x', { 'content-type': 'text/plain' });
    expectStatus(res, 415);
  });
});
