import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, fieldErrorOf, newUser, type TodoClient } from '../helpers/todo-client.js';

// Lists, subtasks and labels as todos carry them (API.md v1.1: Lists, Subtasks, Labels).


describe('todos in lists, with subtasks and labels', () => {
  let t: TestApp;
  let me: TodoClient;
  let userId: string;
  let inbox: string;
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    const mine = await me.me();
    expectStatus(mine, 200);
    userId = mine.body.id;
    inbox = (await t.db.query<{ id: string }>('SELECT id FROM lists WHERE user_id = $1 AND is_default', [userId]))[0]!.id;
  });
  afterAll(() => t.close());

  /** A second list of the user, made in SQL (its own operations are tested with the lists resource). */
  const newList = async (name: string) =>
    (
      await t.db.query<{ id: string }>(
        "INSERT INTO lists (id, user_id, name, position, created_at, updated_at) VALUES (gen_random_uuid(), $1, $2, 'x' || md5(random()::text), now(), now()) RETURNING id",
        [userId, name],
      )
    )[0]!.id;
  const newLabel = async (name: string) => {
    const res = await me.raw<{ status: number; headers: Headers; body: { id: string } }>('POST', '/v1/labels', { name });
    expectStatus(res, 201);
    return res.body.id;
  };
  const listCounts = async (id: string) =>
    (await t.db.query<{ todo_count: number; open_todo_count: number }>('SELECT todo_count, open_todo_count FROM lists WHERE id = $1', [id]))[0];

  describe('lists', () => {
    it('a todo without list_id goes to the default list, at the end', async () => {
      const a = await me.created({ title: 'first' });
      const b = await me.created({ title: 'second' });
      expect(a.list_id).toBe(inbox);
      expect(b.list_id).toBe(inbox);
      expect(a.position < b.position).toBe(true);
    });

    it('list_id puts it in that list and the counts follow; another id is a 422 on body.list_id', async () => {
      const work = await newList('Work');
      const todo = await me.created({ title: 'in work', list_id: work });
      expect(todo.list_id).toBe(work);
      expect(await listCounts(work)).toEqual({ todo_count: 1, open_todo_count: 1 });
      expectStatus(await me.patch(todo.id, { completed: true }), 200);
      expect(await listCounts(work)).toEqual({ todo_count: 1, open_todo_count: 0 });

      const before = await t.db.query('SELECT count(*)::int AS n FROM todos');
      const error = fieldErrorOf(await me.create({ title: 'x', list_id: randomUUID() }));
      expect(error.path).toBe('body.list_id');
      expect(error.message).toMatch(/your lists/);
      expect(await t.db.query('SELECT count(*)::int AS n FROM todos')).toEqual(before);
      expect(fieldErrorOf(await me.create({ title: 'x', list_id: 'not-an-id' })).path).toBe('body.list_id');
    });

    it('PATCH list_id moves the todo and its subtasks, keeping every id; each subtask gets a new version', async () => {
      const home = await newList('Home');
      const parent = await me.created({ title: 'parent' });
      const child = await me.created({ title: 'child', parent_id: parent.id });
      const grandchild = await me.created({ title: 'grandchild', parent_id: child.id });
      const moved = await me.patch(parent.id, { list_id: home });
      expectStatus(moved, 200);
      expect(moved.body).toMatchObject({ id: parent.id, list_id: home, parent_id: null, version: parent.version + 1 });
      for (const sub of [child, grandchild]) {
        const now = await me.get(sub.id);
        expectStatus(now, 200);
        expect(now.body).toMatchObject({ id: sub.id, list_id: home, parent_id: sub.parent_id, version: sub.version + 1 });
      }
      expect(await listCounts(home)).toEqual({ todo_count: 3, open_todo_count: 3 });
    });

    it('a subtask moved to another list becomes top-level there', async () => {
      const other = await newList('Other');
      const parent = await me.created({ title: 'p' });
      const child = await me.created({ title: 'c', parent_id: parent.id });
      const moved = await me.patch(child.id, { list_id: other });
      expectStatus(moved, 200);
      expect(moved.body).toMatchObject({ list_id: other, parent_id: null });
      const p = await me.get(parent.id);
      expectStatus(p, 200);
      expect(p.body.subtask_count).toBe(0);
    });
  });

  describe('subtasks', () => {
    it('parent_id makes a subtask in the parent\'s list; counts come with the parent', async () => {
      const list = await newList('Subtasks');
      const parent = await me.created({ title: 'parent', list_id: list });
      const one = await me.created({ title: 'one', parent_id: parent.id });
      const two = await me.created({ title: 'two', parent_id: parent.id, completed: true });
      expect(one).toMatchObject({ list_id: list, parent_id: parent.id });
      expect(one.position < two.position).toBe(true);
      const read = await me.get(parent.id);
      expectStatus(read, 200);
      expect(read.body).toMatchObject({ subtask_count: 2, open_subtask_count: 1, version: parent.version });

      const top = await me.list({ list_id: list, parent_id: 'none' });
      expectStatus(top, 200);
      expect(top.body.data.map((x) => x.id)).toEqual([parent.id]);
      const subs = await me.list({ parent_id: parent.id, sort: 'position' });
      expectStatus(subs, 200);
      expect(subs.body.data.map((x) => x.id)).toEqual([one.id, two.id]);
      expect(subs.body.data[0]).toMatchObject({ subtask_count: 0 });
    });

    it('a parent in another list, of another user, or that does not exist is the same 422 on body.parent_id', async () => {
      const a = await newList('A');
      const b = await newList('B');
      const inA = await me.created({ title: 'in a', list_id: a });
      const other = await newUser(t);
      const theirs = await other.created({ title: 'theirs' });
      const messages = [];
      for (const parent_id of [theirs.id, randomUUID()]) messages.push(fieldErrorOf(await me.create({ title: 'x', parent_id })));
      messages.push(fieldErrorOf(await me.create({ title: 'x', parent_id: inA.id, list_id: b })));
      for (const m of messages) expect(m).toEqual(messages[0]);
      expect(messages[0]!.path).toBe('body.parent_id');
    });

    it('4 levels are allowed, a 5th is a 422; a subtree cannot be moved deeper than 4 or under itself', async () => {
      const levels = [await me.created({ title: 'level 1' })];
      for (let i = 2; i <= 4; i++) levels.push(await me.created({ title: `level ${i}`, parent_id: levels.at(-1)!.id }));
      const tooDeep = fieldErrorOf(await me.create({ title: 'level 5', parent_id: levels[3]!.id }));
      expect(tooDeep).toMatchObject({ path: 'body.parent_id', message: expect.stringMatching(/4 levels/) });

      const pair = await me.created({ title: 'pair parent' });
      await me.created({ title: 'pair child', parent_id: pair.id });
      // pair has 2 levels: under level 3 it would reach 5.
      expect(fieldErrorOf(await me.patch(pair.id, { parent_id: levels[2]!.id })).path).toBe('body.parent_id');
      expectStatus(await me.patch(pair.id, { parent_id: levels[1]!.id }), 200);

      const cycle = fieldErrorOf(await me.patch(levels[0]!.id, { parent_id: levels[2]!.id }));
      expect(cycle.message).toMatch(/itself or of one of its own subtasks/);
      expect(fieldErrorOf(await me.patch(levels[0]!.id, { parent_id: levels[0]!.id })).path).toBe('body.parent_id');
      const root = await me.get(levels[0]!.id);
      expectStatus(root, 200);
      expect(root.body.parent_id).toBeNull();
    });

    it('parent_id null makes a subtask top-level; deleting a parent deletes its subtree', async () => {
      const parent = await me.created({ title: 'doomed parent' });
      const child = await me.created({ title: 'doomed child', parent_id: parent.id });
      const grandchild = await me.created({ title: 'doomed grandchild', parent_id: child.id });
      const freed = await me.created({ title: 'freed', parent_id: parent.id });
      const top = await me.patch(freed.id, { parent_id: null });
      expectStatus(top, 200);
      expect(top.body.parent_id).toBeNull();
      const { todo_count: before } = (await t.db.query<{ todo_count: number }>('SELECT todo_count FROM users WHERE id = $1', [userId]))[0]!;
      expectStatus(await me.remove(parent.id), 204);
      for (const id of [parent.id, child.id, grandchild.id]) expect((await me.get(id)).status).toBe(404);
      expectStatus(await me.get(freed.id), 200);
      expect((await t.db.query('SELECT todo_count FROM users WHERE id = $1', [userId]))[0]).toEqual({ todo_count: before - 3 });
    });

    it('completing a parent does not complete its subtasks', async () => {
      const parent = await me.created({ title: 'parent to complete' });
      const child = await me.created({ title: 'open child', parent_id: parent.id });
      expectStatus(await me.patch(parent.id, { completed: true }), 200);
      const read = await me.get(child.id);
      expectStatus(read, 200);
      expect(read.body.completed).toBe(false);
    });
  });

  describe('labels', () => {
    it('label_ids keep their order; the label_id filter finds todos with any of them', async () => {
      const [red, green, blue] = [await newLabel('red'), await newLabel('green'), await newLabel('blue')];
      const a = await me.created({ title: 'labelled a', label_ids: [blue, red] });
      const b = await me.created({ title: 'labelled b', label_ids: [green] });
      await me.created({ title: 'unlabelled' });
      expect(a.label_ids).toEqual([blue, red]);
      const byRed = await me.listAll({ label_id: red });
      expect(byRed.map((x) => x.id)).toEqual([a.id]);
      const byEither = await me.listAll({ label_id: `${red},${green}`, sort: 'created_at' });
      expect(byEither.map((x) => x.id)).toEqual([a.id, b.id]);
      const replaced = await me.patch(a.id, { label_ids: [green] });
      expectStatus(replaced, 200);
      expect(replaced.body).toMatchObject({ label_ids: [green], version: a.version + 1 });
      expect((await me.listAll({ label_id: red })).map((x) => x.id)).toEqual([]);
      const same = await me.patch(a.id, { label_ids: [green] });
      expectStatus(same, 200);
      expect(same.body.version).toBe(a.version + 1);
    });

    it("another user's label, a missing one, a repeated one or a 21st is a 422 naming its place, and nothing is stored", async () => {
      const mine = await newLabel('mine');
      const other = await newUser(t);
      const theirs = await other.raw<{ status: number; headers: Headers; body: { id: string } }>('POST', '/v1/labels', { name: 'theirs' });
      expectStatus(theirs, 201);
      const before = await t.db.query('SELECT count(*)::int AS n FROM todos');
      const foreign = fieldErrorOf(await me.create({ title: 'x', label_ids: [mine, theirs.body.id] }));
      const missing = fieldErrorOf(await me.create({ title: 'x', label_ids: [mine, randomUUID()] }));
      expect(foreign).toEqual(missing);
      expect(foreign.path).toBe('body.label_ids.1');
      expect(fieldErrorOf(await me.create({ title: 'x', label_ids: [mine, mine] })).path).toBe('body.label_ids');
      expect(fieldErrorOf(await me.create({ title: 'x', label_ids: Array.from({ length: 21 }, randomUUID) })).path).toBe('body.label_ids');
      expect(await t.db.query('SELECT count(*)::int AS n FROM todos')).toEqual(before);
      const todo = await me.created({ title: 'keeps its label', label_ids: [mine] });
      expect(fieldErrorOf(await me.patch(todo.id, { label_ids: [theirs.body.id] })).path).toBe('body.label_ids.0');
      const read = await me.get(todo.id);
      expectStatus(read, 200);
      expect(read.body).toMatchObject({ label_ids: [mine], version: 1 });
    });

    it('deleting a label removes it from its todos, keeping the others in order, with a new version each', async () => {
      const [x, y, z] = [await newLabel('x-del'), await newLabel('y-del'), await newLabel('z-del')];
      const todo = await me.created({ title: 'three labels', label_ids: [x, y, z] });
      const untouched = await me.created({ title: 'no y', label_ids: [x] });
      expectStatus(await me.raw('DELETE', `/v1/labels/${y}`), 204);
      const read = await me.get(todo.id);
      expectStatus(read, 200);
      expect(read.body).toMatchObject({ label_ids: [x, z], version: todo.version + 1 });
      expect(read.headers.get('etag')).toBe(`"${todo.version + 1}"`);
      const other = await me.get(untouched.id);
      expectStatus(other, 200);
      expect(other.body.version).toBe(untouched.version);
    });
  });
});
