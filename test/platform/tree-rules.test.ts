import { generateKeyBetween } from 'fractional-indexing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inconsistencies,
  insertLabel,
  insertList,
  insertTodo,
  insertUser,
  refusal,
  setCompleted,
  todoRow,
  type UserRow,
} from '../helpers/schema-rows.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// The rules of lists, subtasks, labels on todos and manual order that the schema keeps by itself
// (migration 2026.12.01T15.00.00), checked with plain SQL: any writer, not only the API, gets
// them. Two users, A and B, in each test; after each step every trigger-kept count is compared
// with the rows (inconsistencies()).

describe('lists, subtasks and labels: the rules in the schema', () => {
  let db: TestDatabase;
  let a: UserRow;
  let b: UserRow;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const newUsers = async () => {
    a = await insertUser(db);
    b = await insertUser(db);
  };
  const expectConsistent = async () => expect(await inconsistencies(db)).toEqual([]);
  const countOf = async (userId: string) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM todos WHERE user_id = $1', [userId]))[0]!.n;
  const listCounts = async (listId: string) =>
    (await db.query<{ todo_count: number; open_todo_count: number }>('SELECT todo_count, open_todo_count FROM lists WHERE id = $1', [listId]))[0];
  const subtaskCounts = async (id: string) => {
    const row = await todoRow(db, id);
    return [row.subtask_count, row.open_subtask_count];
  };
  /** A chain of n todos, each a subtask of the one before: [level 1, level 2, …]. */
  const chain = async (userId: string, n: number, list?: string) => {
    const ids: string[] = [];
    for (let level = 1; level <= n; level += 1) ids.push((await insertTodo(db, userId, { list: level === 1 ? list : undefined, parent: ids.at(-1) })).id);
    return ids;
  };

  describe('ownership and the same list', () => {
    beforeAll(newUsers);

    it("a todo cannot be in another user's list (todos_list_fkey)", async () => {
      const before = await countOf(a.id);
      expect(await refusal(insertTodo(db, a.id, { list: b.inbox }))).toMatchObject({ code: '23503', constraint: 'todos_list_fkey' });
      const mine = await insertTodo(db, a.id);
      expect(await refusal(db.query('UPDATE todos SET list_id = $1 WHERE id = $2', [b.inbox, mine.id]))).toMatchObject({
        code: '23503',
        constraint: 'todos_list_fkey',
      });
      expect((await todoRow(db, mine.id)).list_id).toBe(a.inbox);
      expect(await countOf(a.id)).toBe(before + 1);
      expect(await countOf(b.id)).toBe(0);
      await expectConsistent();
    });

    it('a subtask is in its parent\'s list: a parent in another list, or another user\'s, is refused (todos_parent_fkey)', async () => {
      const other = await insertList(db, a.id, 'Other');
      const parent = await insertTodo(db, a.id);
      expect(await refusal(insertTodo(db, a.id, { list: other, parent: parent.id }))).toMatchObject({ code: '23503', constraint: 'todos_parent_fkey' });

      const elsewhere = await insertTodo(db, a.id, { list: other });
      expect(await refusal(db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [parent.id, elsewhere.id]))).toMatchObject({
        code: '23503',
        constraint: 'todos_parent_fkey',
      });
      // A subtask cannot leave its parent's list on its own.
      const child = await insertTodo(db, a.id, { parent: parent.id });
      expect(child.list_id).toBe(a.inbox);
      expect(await refusal(db.query('UPDATE todos SET list_id = $1 WHERE id = $2', [other, child.id]))).toMatchObject({
        code: '23503',
        constraint: 'todos_parent_fkey',
      });

      const theirs = await insertTodo(db, b.id);
      expect(await refusal(insertTodo(db, a.id, { parent: theirs.id }))).toMatchObject({ code: '23503', constraint: 'todos_parent_fkey' });
      expect(await refusal(insertTodo(db, a.id, { parent: theirs.id, list: b.inbox }))).toMatchObject({ code: '23503' });
      expect((await todoRow(db, theirs.id)).subtask_count).toBe(0);
      expect(await subtaskCounts(parent.id)).toEqual([1, 1]);
      await expectConsistent();
    });

    it("another user's label on a todo is refused (todo_labels_label_fkey), on insert and on update", async () => {
      const mine = await insertLabel(db, a.id);
      const theirs = await insertLabel(db, b.id);
      const before = await countOf(a.id);
      expect(await refusal(insertTodo(db, a.id, { labels: [theirs] }))).toMatchObject({ code: '23503', constraint: 'todo_labels_label_fkey' });
      expect(await countOf(a.id)).toBe(before);

      const todo = await insertTodo(db, a.id, { labels: [mine] });
      expect(
        await refusal(db.query('UPDATE todos SET label_ids = $1::uuid[] WHERE id = $2', [[mine, theirs], todo.id])),
      ).toMatchObject({ code: '23503', constraint: 'todo_labels_label_fkey' });
      // A label that does not exist at all, the same way.
      expect(
        await refusal(db.query('UPDATE todos SET label_ids = $1::uuid[] WHERE id = $2', [['00000000-0000-4000-8000-000000000000'], todo.id])),
      ).toMatchObject({ code: '23503', constraint: 'todo_labels_label_fkey' });
      expect((await todoRow(db, todo.id)).label_ids).toEqual([mine]);
      expect(await db.query('SELECT label_id FROM todo_labels WHERE todo_id = $1', [todo.id])).toEqual([{ label_id: mine }]);
      await expectConsistent();
    });
  });

  describe('depth and cycles', () => {
    beforeAll(newUsers);

    it('subtasks nest 4 levels deep; a 5th level is refused (todos_subtask_depth, 23514), on insert and on update', async () => {
      const levels = await chain(a.id, 4);
      expect(levels).toHaveLength(4);
      const before = await countOf(a.id);
      expect(await refusal(insertTodo(db, a.id, { parent: levels[3] }))).toMatchObject({ code: '23514', constraint: 'todos_subtask_depth' });
      const loose = await insertTodo(db, a.id);
      expect(await refusal(db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [levels[3], loose.id]))).toMatchObject({
        code: '23514',
        constraint: 'todos_subtask_depth',
      });
      expect((await todoRow(db, loose.id)).parent_id).toBeNull();
      expect(await countOf(a.id)).toBe(before + 1);
      // Level 4 itself can still have a sibling.
      expect((await insertTodo(db, a.id, { parent: levels[2] })).parent_id).toBe(levels[2]);
      await expectConsistent();
    });

    it('moving a subtree is refused when its deepest subtask would go past level 4', async () => {
      const [r, r1, r2] = (await chain(a.id, 3)) as [string, string, string];
      const [x, x1] = (await chain(a.id, 2)) as [string, string];
      // x under r2: x at level 4, x1 at 5.
      expect(await refusal(db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [r2, x]))).toMatchObject({
        code: '23514',
        constraint: 'todos_subtask_depth',
      });
      expect((await todoRow(db, x)).parent_id).toBeNull();
      // Under r1 instead: x at 3, x1 at 4.
      await db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [r1, x]);
      expect((await todoRow(db, x)).parent_id).toBe(r1);
      expect(await refusal(insertTodo(db, a.id, { parent: x1 }))).toMatchObject({ constraint: 'todos_subtask_depth' });

      // A subtree 4 levels high fits nowhere but the top.
      const tall = await chain(a.id, 4);
      expect(await refusal(db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [r, tall[0]]))).toMatchObject({
        code: '23514',
        constraint: 'todos_subtask_depth',
      });
      // A subtask moved within its tree, closer to the top, is fine: x1 from level 4 to level 2.
      await db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [r, x1]);
      expect(await subtaskCounts(r)).toEqual([2, 2]);
      expect(await subtaskCounts(x)).toEqual([0, 0]);
      await expectConsistent();
    });

    it('a todo cannot become a subtask of its own subtask (todos_no_cycle), nor of itself', async () => {
      const [p, c, g] = (await chain(a.id, 3)) as [string, string, string];
      for (const below of [c, g]) {
        expect(await refusal(db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [below, p]))).toMatchObject({
          code: '23514',
          constraint: 'todos_no_cycle',
        });
      }
      expect(await refusal(db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [c, c]))).toMatchObject({ code: '23514', constraint: 'todos_no_cycle' });
      expect(await refusal(db.query('UPDATE todos SET parent_id = id WHERE id = $1', [p]))).toMatchObject({ code: '23514', constraint: 'todos_no_cycle' });
      const self = '11111111-1111-4111-8111-111111111111';
      expect(await refusal(insertTodo(db, a.id, { id: self, parent: self }))).toMatchObject({ code: '23514', constraint: 'todos_not_own_parent' });
      expect(await db.query('SELECT id, parent_id FROM todos WHERE id = ANY($1::uuid[]) ORDER BY id', [[p, c, g].sort()])).toEqual(
        [
          { id: p, parent_id: null },
          { id: c, parent_id: p },
          { id: g, parent_id: c },
        ].sort((x, y) => (x.id < y.id ? -1 : 1)),
      );
      await expectConsistent();
    });
  });

  describe('lists and their todos', () => {
    beforeAll(newUsers);

    it("moving a parent to another list moves its whole subtree there, each subtask's version + 1 once, and the lists' counts follow", async () => {
      const work = await insertList(db, a.id);
      const q = await insertTodo(db, a.id);
      const p = await insertTodo(db, a.id, { parent: q.id });
      const c1 = await insertTodo(db, a.id, { parent: p.id, completed: true });
      const c2 = await insertTodo(db, a.id, { parent: p.id });
      const g = await insertTodo(db, a.id, { parent: c1.id });
      const stays = await insertTodo(db, a.id, { completed: true });
      await db.query('UPDATE todos SET version = 7 WHERE id = $1', [c2.id]);
      const before = new Map((await db.query<{ id: string; version: number }>('SELECT id, version FROM todos WHERE user_id = $1', [a.id])).map((r) => [r.id, r.version]));
      expect(await listCounts(a.inbox)).toEqual({ todo_count: 6, open_todo_count: 4 });

      // What the service's move does: the moved todo's own row, version included; the rest is the schema's.
      await db.query('UPDATE todos SET list_id = $1, parent_id = NULL, version = version + 1 WHERE id = $2', [work, p.id]);

      const rows = await db.query<{ id: string; list_id: string; version: number }>('SELECT id, list_id, version FROM todos WHERE user_id = $1', [a.id]);
      const moved = [p.id, c1.id, c2.id, g.id];
      for (const row of rows) {
        expect(row.list_id, row.id).toBe(moved.includes(row.id) ? work : a.inbox);
        expect(row.version, row.id).toBe(before.get(row.id)! + (moved.includes(row.id) ? 1 : 0));
      }
      expect((await todoRow(db, p.id)).parent_id).toBeNull();
      expect((await todoRow(db, g.id)).parent_id).toBe(c1.id);
      expect(await listCounts(a.inbox)).toEqual({ todo_count: 2, open_todo_count: 1 });
      expect(await listCounts(work)).toEqual({ todo_count: 4, open_todo_count: 3 });
      expect(await subtaskCounts(q.id)).toEqual([0, 0]);
      expect(await subtaskCounts(p.id)).toEqual([2, 1]);
      expect(stays.list_id).toBe(a.inbox);
      await expectConsistent();

      // And back, a top-level todo this time: the same once more.
      await db.query('UPDATE todos SET list_id = $1, version = version + 1 WHERE id = $2', [a.inbox, p.id]);
      const back = await db.query<{ id: string; list_id: string; version: number }>('SELECT id, list_id, version FROM todos WHERE id = ANY($1::uuid[])', [moved]);
      for (const row of back) expect(row, row.id).toEqual({ id: row.id, list_id: a.inbox, version: before.get(row.id)! + 2 });
      expect(await listCounts(work)).toEqual({ todo_count: 0, open_todo_count: 0 });
      await expectConsistent();
    });

    it("deleting a list deletes its todos and their subtasks, and the owner's counts follow", async () => {
      const doomed = await insertList(db, a.id, 'Doomed');
      const [top, mid] = (await chain(a.id, 4, doomed)) as [string, string, string, string];
      await insertTodo(db, a.id, { list: doomed, parent: mid, completed: true });
      await insertTodo(db, a.id, { list: doomed, parent: top });
      await insertTodo(db, a.id, { list: doomed });
      const kept = await insertTodo(db, a.id);
      const theirs = await insertTodo(db, b.id);
      const before = await countOf(a.id);
      const [{ list_count: lists } = { list_count: 0 }] = await db.query<{ list_count: number }>('SELECT list_count FROM users WHERE id = $1', [a.id]);

      await db.query('DELETE FROM lists WHERE id = $1', [doomed]);
      expect(await db.query('SELECT id FROM todos WHERE list_id = $1', [doomed])).toEqual([]);
      expect(await countOf(a.id)).toBe(before - 7);
      expect(await db.query('SELECT todo_count, list_count FROM users WHERE id = $1', [a.id])).toEqual([{ todo_count: before - 7, list_count: lists - 1 }]);
      expect((await todoRow(db, kept.id)).list_id).toBe(a.inbox);
      expect((await todoRow(db, theirs.id)).list_id).toBe(b.inbox);
      await expectConsistent();
    });

    it("deleting a todo deletes its subtasks, and its parent's counts follow", async () => {
      const [top, mid, low] = (await chain(a.id, 3)) as [string, string, string];
      await insertTodo(db, a.id, { parent: low });
      await insertTodo(db, a.id, { parent: mid, completed: true });
      const sibling = await insertTodo(db, a.id, { parent: top });
      const before = await countOf(a.id);
      expect(await subtaskCounts(top)).toEqual([2, 2]);

      await db.query('DELETE FROM todos WHERE id = $1', [mid]);
      expect(await countOf(a.id)).toBe(before - 4);
      expect(await db.query('SELECT id FROM todos WHERE parent_id = $1', [top])).toEqual([{ id: sibling.id }]);
      expect(await subtaskCounts(top)).toEqual([1, 1]);
      await expectConsistent();
    });

    it('subtask counts follow insert, complete, uncomplete, re-parent and delete', async () => {
      const p1 = await insertTodo(db, a.id);
      const p2 = await insertTodo(db, a.id);
      const s1 = await insertTodo(db, a.id, { parent: p1.id });
      const s2 = await insertTodo(db, a.id, { parent: p1.id, completed: true });
      expect(await subtaskCounts(p1.id)).toEqual([2, 1]);

      await setCompleted(db, s1.id, true);
      expect(await subtaskCounts(p1.id)).toEqual([2, 0]);
      await setCompleted(db, s2.id, false);
      expect(await subtaskCounts(p1.id)).toEqual([2, 1]);
      // Completing the parent itself changes nothing in its own counts.
      await setCompleted(db, p1.id, true);
      expect(await subtaskCounts(p1.id)).toEqual([2, 1]);

      await db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [p2.id, s2.id]);
      expect([await subtaskCounts(p1.id), await subtaskCounts(p2.id)]).toEqual([
        [1, 0],
        [1, 1],
      ]);
      // Re-parented and completed in one statement.
      await db.query('UPDATE todos SET parent_id = $1, completed = true, completed_at = now() WHERE id = $2', [p1.id, s2.id]);
      expect([await subtaskCounts(p1.id), await subtaskCounts(p2.id)]).toEqual([
        [2, 0],
        [0, 0],
      ]);
      // To the top, open again.
      await db.query('UPDATE todos SET parent_id = NULL, completed = false, completed_at = NULL WHERE id = $1', [s1.id]);
      expect(await subtaskCounts(p1.id)).toEqual([1, 0]);
      await db.query('DELETE FROM todos WHERE id = $1', [s2.id]);
      expect(await subtaskCounts(p1.id)).toEqual([0, 0]);
      await expectConsistent();
    });

    it('a todo inserted without a list goes to the default list, or to its parent\'s list, at the end of everything the user has', async () => {
      const work = await insertList(db, a.id);
      const first = await insertTodo(db, a.id);
      const second = await insertTodo(db, a.id);
      // A key between two neighbours, as the service's move makes them.
      await insertTodo(db, a.id, { position: generateKeyBetween(first.position, second.position) });
      const parent = await insertTodo(db, a.id, { list: work });
      const theirsBefore = await db.query('SELECT position_seq FROM users WHERE id = $1', [b.id]);

      const loose = await insertTodo(db, a.id);
      expect(loose.list_id).toBe(a.inbox);
      const sub = await insertTodo(db, a.id, { parent: parent.id });
      expect(sub.list_id).toBe(work);
      for (const made of [loose, sub]) {
        const [{ greater, others } = { greater: false, others: 0 }] = await db.query<{ greater: boolean; others: number }>(
          'SELECT bool_and($1::text COLLATE "C" > position) AS greater, count(*)::int AS others FROM todos WHERE user_id = $2 AND id <> $3 AND id <> $4',
          [made.position, a.id, made.id, sub.id === made.id ? loose.id : sub.id],
        );
        expect(others).toBeGreaterThan(3);
        expect(greater, made.position).toBe(true);
      }
      expect(sub.position > loose.position).toBe(true);
      expect(await db.query('SELECT position_seq FROM users WHERE id = $1', [b.id])).toEqual(theirsBefore);
      await expectConsistent();
    });
  });

  describe('labels on todos', () => {
    beforeAll(newUsers);

    const labelRows = async (todoId: string) =>
      (await db.query<{ label_id: string }>('SELECT label_id FROM todo_labels WHERE todo_id = $1 ORDER BY label_id', [todoId])).map((r) => r.label_id);

    it('todo_labels follows label_ids on insert and update; a removal by update is not a new version', async () => {
      const [l1, l2, l3] = [await insertLabel(db, a.id), await insertLabel(db, a.id), await insertLabel(db, a.id)];
      const todo = await insertTodo(db, a.id, { labels: [l3, l1] });
      expect(todo.label_ids).toEqual([l3, l1]);
      expect(await labelRows(todo.id)).toEqual([l1, l3].sort());

      await db.query('UPDATE todos SET label_ids = $1::uuid[] WHERE id = $2', [[l2, l3], todo.id]);
      expect(await labelRows(todo.id)).toEqual([l2, l3].sort());
      expect(await todoRow(db, todo.id)).toMatchObject({ label_ids: [l2, l3], version: todo.version });
      await db.query("UPDATE todos SET label_ids = '{}' WHERE id = $1", [todo.id]);
      expect(await labelRows(todo.id)).toEqual([]);
      await db.query('UPDATE todos SET label_ids = $1::uuid[] WHERE id = $2', [[l1], todo.id]);
      expect(await labelRows(todo.id)).toEqual([l1]);
      // Deleting the todo takes its todo_labels rows with it.
      await db.query('DELETE FROM todos WHERE id = $1', [todo.id]);
      expect(await db.query('SELECT 1 FROM todo_labels WHERE todo_id = $1', [todo.id])).toEqual([]);
      await expectConsistent();
    });

    it("deleting a label takes it off its todos' label_ids, keeping the others' order, with exactly one new version each", async () => {
      const [l1, l2, l3, l4, l5] = [
        await insertLabel(db, a.id),
        await insertLabel(db, a.id),
        await insertLabel(db, a.id),
        await insertLabel(db, a.id),
        await insertLabel(db, a.id),
      ];
      const t1 = await insertTodo(db, a.id, { labels: [l5, l3, l1, l4, l2] });
      const t2 = await insertTodo(db, a.id, { labels: [l2] });
      const t3 = await insertTodo(db, a.id, { labels: [l3] });
      const other = await insertTodo(db, b.id, { labels: [await insertLabel(db, b.id)] });

      await db.query('DELETE FROM labels WHERE id = $1', [l3]);
      expect(await todoRow(db, t1.id)).toMatchObject({ label_ids: [l5, l1, l4, l2], version: t1.version + 1 });
      expect(await todoRow(db, t3.id)).toMatchObject({ label_ids: [], version: t3.version + 1 });
      expect(await todoRow(db, t2.id)).toMatchObject({ label_ids: [l2], version: t2.version });
      expect(await todoRow(db, other.id)).toMatchObject({ version: other.version });
      expect(await labelRows(t1.id)).toEqual([l5, l1, l4, l2].sort());

      await db.query('DELETE FROM labels WHERE id = $1', [l5]);
      expect(await todoRow(db, t1.id)).toMatchObject({ label_ids: [l1, l4, l2], version: t1.version + 2 });
      // Two of its labels deleted by one statement: still one new version.
      await db.query('DELETE FROM labels WHERE id = ANY($1::uuid[])', [[l4, l1]]);
      expect(await todoRow(db, t1.id)).toMatchObject({ label_ids: [l2], version: t1.version + 3 });
      expect(await todoRow(db, t2.id)).toMatchObject({ label_ids: [l2], version: t2.version });
      await expectConsistent();
    });
  });

  describe('default lists', () => {
    beforeAll(newUsers);

    it('a second default list is refused (lists_user_default_key), and so is an archived default list (lists_default_not_archived)', async () => {
      expect(
        await refusal(
          db.query("INSERT INTO lists (id, user_id, name, position, is_default, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'Inbox 2', 'a5', true, now(), now())", [a.id]),
        ),
      ).toMatchObject({ code: '23505', constraint: 'lists_user_default_key' });
      const other = await insertList(db, a.id);
      expect(await refusal(db.query('UPDATE lists SET is_default = true WHERE id = $1', [other]))).toMatchObject({
        code: '23505',
        constraint: 'lists_user_default_key',
      });
      expect(await refusal(db.query('UPDATE lists SET archived = true WHERE id = $1', [a.inbox]))).toMatchObject({
        code: '23514',
        constraint: 'lists_default_not_archived',
      });
      // Another list can be archived; B's default is B's own.
      await db.query('UPDATE lists SET archived = true WHERE id = $1', [other]);
      expect(await db.query('SELECT id, is_default, archived FROM lists WHERE user_id = $1 ORDER BY position', [a.id])).toEqual([
        { id: a.inbox, is_default: true, archived: false },
        { id: other, is_default: false, archived: true },
      ]);
      expect(await db.query('SELECT count(*)::int AS n FROM lists WHERE user_id = $1 AND is_default', [b.id])).toEqual([{ n: 1 }]);
      await expectConsistent();
    });

    it('deleting a user deletes their lists, todos, subtasks, labels and todo_labels, and nothing of the other user', async () => {
      const label = await insertLabel(db, a.id);
      const [top] = await chain(a.id, 3, await insertList(db, a.id, 'Gone'));
      await insertTodo(db, a.id, { labels: [label], parent: top });
      const theirs = await insertTodo(db, b.id, { labels: [await insertLabel(db, b.id)] });
      await db.query('DELETE FROM users WHERE id = $1', [a.id]);
      for (const table of ['lists', 'todos', 'labels', 'todo_labels']) {
        expect(await db.query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [a.id]), table).toEqual([]);
      }
      expect(await todoRow(db, theirs.id)).toMatchObject({ version: theirs.version, label_ids: theirs.label_ids });
      await expectConsistent();
    });
  });
});
