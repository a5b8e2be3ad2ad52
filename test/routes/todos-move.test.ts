import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, fieldErrorOf, newUser, type TodoClient } from '../helpers/todo-client.js';
import type { Todo } from '../../clients/typescript/src/types.js';

// POST /v1/todos/{id}/move (API.md v1.1, Manual order): one call, one row written.


describe('POST /v1/todos/{id}/move', () => {
  let t: TestApp;
  let me: TodoClient;
  let userId: string;
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    const mine = await me.me();
    expectStatus(mine, 200);
    userId = mine.body.id;
  });
  afterAll(() => t.close());

  const newList = async () =>
    (
      await t.db.query<{ id: string }>(
        "INSERT INTO lists (id, user_id, name, position, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'L', 'x' || md5(random()::text), now(), now()) RETURNING id",
        [userId],
      )
    )[0]!.id;
  /** A list with todos titled by `titles`, in that order. */
  const listWith = async (...titles: string[]) => {
    const list = await newList();
    const todos: Todo[] = [];
    for (const title of titles) todos.push(await me.created({ title, list_id: list }));
    return { list, todos };
  };
  const order = async (query: Record<string, string>) => (await me.listAll({ sort: 'position', ...query })).map((x) => x.title);
  const rowsWritten = async (list: string) =>
    (await t.db.query<{ id: string; version: number }>('SELECT id, version FROM todos WHERE list_id = $1 ORDER BY id', [list])).map((r) => `${r.id}:${r.version}`);

  it('before_id, after_id and no neighbour put it there, writing only the moved todo', async () => {
    const { list, todos } = await listWith('a', 'b', 'c', 'd');
    const [a, b, c, d] = todos as [Todo, Todo, Todo, Todo];
    const before = await rowsWritten(list);
    const moved = await me.move(d.id, { after_id: a.id });
    expectStatus(moved, 200);
    expect(moved.body).toMatchObject({ id: d.id, version: d.version + 1, list_id: list });
    expect(moved.headers.get('etag')).toBe(`"${d.version + 1}"`);
    expect(await order({ list_id: list })).toEqual(['a', 'd', 'b', 'c']);
    const after = await rowsWritten(list);
    expect(after.filter((r) => !before.includes(r))).toEqual([`${d.id}:${d.version + 1}`]);

    expectStatus(await me.move(c.id, { before_id: a.id }), 200);
    expect(await order({ list_id: list })).toEqual(['c', 'a', 'd', 'b']);
    expectStatus(await me.move(a.id, {}), 200);
    expect(await order({ list_id: list })).toEqual(['c', 'd', 'b', 'a']);
    expectStatus(await me.move(b.id, { after_id: a.id }), 200);
    expect(await order({ list_id: list })).toEqual(['c', 'd', 'a', 'b']);
    expect(await order({ list_id: list, sort: '-position' })).toEqual(['b', 'a', 'd', 'c']);
  });

  it('into another list and under a parent: the subtasks follow, ids stay', async () => {
    const { list: from, todos } = await listWith('parent', 'x');
    const [parent, x] = todos as [Todo, Todo];
    const child = await me.created({ title: 'child', parent_id: parent.id });
    const { list: to, todos: there } = await listWith('one', 'two');
    const moved = await me.move(parent.id, { list_id: to, after_id: there[0]!.id });
    expectStatus(moved, 200);
    expect(moved.body).toMatchObject({ id: parent.id, list_id: to, parent_id: null });
    expect(await order({ list_id: to, parent_id: 'none' })).toEqual(['one', 'parent', 'two']);
    const c = await me.get(child.id);
    expectStatus(c, 200);
    expect(c.body).toMatchObject({ list_id: to, parent_id: parent.id });
    expect(await order({ list_id: from })).toEqual(['x']);

    const under = await me.move(x.id, { parent_id: parent.id, before_id: child.id });
    expectStatus(under, 200);
    expect(under.body).toMatchObject({ list_id: to, parent_id: parent.id });
    expect(await order({ parent_id: parent.id })).toEqual(['x', 'child']);
  });

  it('a neighbour elsewhere, of another user, missing or the todo itself is the same 422; a cycle is a 422', async () => {
    const { todos } = await listWith('p', 'q');
    const [p, q] = todos as [Todo, Todo];
    const { todos: elsewhere } = await listWith('far');
    const other = await newUser(t);
    const theirs = await other.created({ title: 'theirs' });
    const errors = [];
    for (const after_id of [elsewhere[0]!.id, theirs.id, randomUUID(), p.id]) errors.push(fieldErrorOf(await me.move(p.id, { after_id })));
    for (const e of errors) expect(e).toEqual(errors[0]);
    expect(errors[0]!.path).toBe('body.after_id');
    expect(fieldErrorOf(await me.move(p.id, { before_id: theirs.id })).path).toBe('body.before_id');
    expect(fieldErrorOf(await me.move(p.id, { before_id: q.id, after_id: q.id })).path).toBe('body.after_id');
    expect(fieldErrorOf(await me.move(p.id, { parent_id: theirs.id })).path).toBe('body.parent_id');
    expect(fieldErrorOf(await me.move(p.id, { list_id: randomUUID() })).path).toBe('body.list_id');
    const child = await me.created({ title: 'child of p', parent_id: p.id });
    expect(fieldErrorOf(await me.move(p.id, { parent_id: child.id })).message).toMatch(/own subtasks/);
    expect(fieldErrorOf(await me.move(p.id, { position: 'a0' })).path).toBe('body.position');
    const unchanged = await me.get(p.id);
    expectStatus(unchanged, 200);
    expect(unchanged.body.version).toBe(p.version);
  });

  it('If-Match: a stale tag is a 412, the current one moves; a 404 for a todo that is not the caller\'s; Idempotency-Key replays', async () => {
    const { todos } = await listWith('m1', 'm2');
    const [m1, m2] = todos as [Todo, Todo];
    const stale = await me.move(m1.id, { after_id: m2.id }, { 'if-match': '"9"' });
    expect(stale.status).toBe(412);
    expectStatus(await me.move(m1.id, { after_id: m2.id }, { 'if-match': `"${m1.version}"` }), 200);
    const other = await newUser(t);
    expect((await other.move(m1.id, {})).status).toBe(404);
    expect((await me.move(randomUUID(), {})).status).toBe(404);
    const key = { 'idempotency-key': randomUUID() };
    const first = await me.move(m2.id, {}, key);
    expectStatus(first, 200);
    const again = await me.move(m2.id, {}, key);
    expectStatus(again, 200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('20 concurrent moves into one gap: every todo once, 20 distinct positions, in a consistent order', async () => {
    const titles = ['left', 'right', ...Array.from({ length: 20 }, (_, i) => `m${i}`)];
    const { list, todos } = await listWith(...titles);
    const [left] = todos as [Todo];
    const results = await Promise.all(todos.slice(2).map((todo) => me.move(todo.id, { after_id: left.id })));
    for (const r of results) expectStatus(r, 200);
    const rows = await t.db.query<{ title: string; position: string }>('SELECT title, position FROM todos WHERE list_id = $1 ORDER BY position COLLATE "C", id', [list]);
    expect(rows).toHaveLength(22);
    expect(new Set(rows.map((r) => r.position)).size).toBe(22);
    expect(rows[0]!.title).toBe('left');
    expect(rows.at(-1)!.title).toBe('right');
    expect(await order({ list_id: list })).toEqual(rows.map((r) => r.title));
  });

  it('concurrent moves of two todos under each other never make a cycle', async () => {
    for (let round = 0; round < 5; round++) {
      const { todos } = await listWith('x', 'y');
      const [x, y] = todos as [Todo, Todo];
      const [a, b] = await Promise.all([me.move(x.id, { parent_id: y.id }), me.move(y.id, { parent_id: x.id })]);
      expect([a.status, b.status].sort()).toEqual([200, 422]);
      const parents = await t.db.query<{ parent_id: string | null }>('SELECT parent_id FROM todos WHERE id = ANY($1::uuid[])', [[x.id, y.id]]);
      expect(parents.filter((p) => p.parent_id === null)).toHaveLength(1);
    }
  });

  it('a key that would pass 64 characters renumbers the place first, keeping its order', async () => {
    const { list, todos } = await listWith('first', 'second', 'mover');
    const [first, second, mover] = todos as [Todo, Todo, Todo];
    // Two neighbours whose keys share 63 characters, as about 370 moves into one gap would leave them.
    const long = (last: string) => `a0${'0'.repeat(61)}${last}`;
    await t.db.query('UPDATE todos SET position = $2 WHERE id = $1', [first.id, long('1')]);
    await t.db.query('UPDATE todos SET position = $2 WHERE id = $1', [second.id, long('2')]);
    const moved = await me.move(mover.id, { after_id: first.id });
    expectStatus(moved, 200);
    expect(await order({ list_id: list })).toEqual(['first', 'mover', 'second']);
    const rows = await t.db.query<{ id: string; position: string; version: number }>('SELECT id, position, version FROM todos WHERE list_id = $1', [list]);
    for (const row of rows) expect(row.position.length).toBeLessThanOrEqual(64);
    const versions = Object.fromEntries(rows.map((r) => [r.id, r.version]));
    expect(versions).toEqual({ [first.id]: first.version + 1, [second.id]: second.version + 1, [mover.id]: mover.version + 1 });
  });
});
