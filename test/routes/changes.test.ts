import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, ChangeList, Label, List, Todo } from '../../clients/typescript/src/types.js';
import { sweepExpiredChanges } from '../../src/services/change-service.js';
import { encodeCursor } from '../../src/services/cursor.js';
import { spyOnStatements } from '../helpers/statement-spy.js';
import type { TestApp } from '../helpers/test-app.js';
import { expectStatus, newUser, startAppWithUser, type Call, type TodoClient } from '../helpers/todo-client.js';

/** The feed as one user reads it (every answer is checked against the spec by t.request). */
function feed(c: TodoClient) {
  const page = (query: Record<string, string | number> = {}) =>
    c.raw('GET', `/v1/changes?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`);
  return {
    page,
    async latest(): Promise<string> {
      const res = await c.raw('GET', '/v1/changes/latest');
      expectStatus(res, 200);
      return (res.body as { cursor: string }).cursor;
    },
    /** Every change after `cursor`, page after page until has_more is false, and the cursor to resume from. */
    async drain(cursor?: string, limit?: number): Promise<{ changes: Change[]; cursor: string; pages: number }> {
      const changes: Change[] = [];
      let pages = 0;
      for (;;) {
        const res = await page({ ...(cursor === undefined ? {} : { cursor }), ...(limit === undefined ? {} : { limit }) });
        expectStatus(res, 200);
        const body = res.body as ChangeList;
        changes.push(...body.data);
        pages += 1;
        cursor = body.next_cursor;
        if (!body.has_more) return { changes, cursor, pages };
      }
    },
  };
}

const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.op} ${c.id} v${c.version}`);
const of = (changes: Change[], id: string) => changes.filter((c) => c.id === id);
const codeOf = (res: Call) => (res.body as { code?: string }).code;

describe('the change feed', () => {
  let t: TestApp;
  let me: TodoClient;
  let changes: ReturnType<typeof feed>;
  beforeAll(async () => {
    ({ t, me } = await startAppWithUser());
    changes = feed(me);
  });
  afterAll(() => t.close());

  const inboxOf = async (c: TodoClient) => ((await c.raw('GET', '/v1/lists')).body as { data: List[] }).data.find((l) => l.is_default)!;

  it('from the start: the default list a new user has; latest is after it, and nothing follows it', async () => {
    const fresh = await newUser(t);
    const all = await feed(fresh).drain();
    const inbox = await inboxOf(fresh);
    expect(all.changes).toEqual([{ seq: expect.any(Number), type: 'list', op: 'upsert', id: inbox.id, version: 1, changed_at: expect.any(String), data: inbox }]);
    const latest = await feed(fresh).latest();
    const after = await feed(fresh).page({ cursor: latest });
    expectStatus(after, 200);
    expect(after.body).toEqual({ data: [], next_cursor: expect.any(String), has_more: false });
    // Nothing changed: the resume point is still valid and still shows nothing.
    expect((await feed(fresh).drain((after.body as ChangeList).next_cursor)).changes).toEqual([]);
  });

  it('a todo created, changed, moved and deleted appears each time, as a GET returns it now', async () => {
    const start = await changes.latest();
    const todo = await me.created({ title: 'Feed me' });
    let step = await changes.drain(start);
    expect(of(step.changes, todo.id)).toEqual([expect.objectContaining({ type: 'todo', op: 'upsert', version: 1, data: todo })]);
    // Its list's counts changed too (without a new version of the list).
    expect(step.changes.find((c) => c.type === 'list')).toMatchObject({ op: 'upsert', id: todo.list_id, data: { todo_count: expect.any(Number) } });

    const patched = await me.patch(todo.id, { title: 'Fed', completed: true });
    expectStatus(patched, 200);
    step = await changes.drain(step.cursor);
    expect(of(step.changes, todo.id)).toEqual([expect.objectContaining({ op: 'upsert', version: 2, data: patched.body })]);

    const list = (await me.raw('POST', '/v1/lists', { name: 'Elsewhere' })).body as List;
    const moved = await me.move(todo.id, { list_id: list.id });
    expectStatus(moved, 200);
    step = await changes.drain(step.cursor);
    expect(of(step.changes, todo.id)).toEqual([expect.objectContaining({ op: 'upsert', version: 3, data: moved.body })]);
    expect(of(step.changes, list.id)).toEqual([expect.objectContaining({ type: 'list', op: 'upsert', data: expect.objectContaining({ todo_count: 1 }) })]);

    expectStatus(await me.remove(todo.id), 204);
    step = await changes.drain(step.cursor);
    expect(of(step.changes, todo.id)).toEqual([expect.objectContaining({ type: 'todo', op: 'delete', version: 3, data: null })]);
    // Seqs grow, in the order of the commits.
    const seqs = step.changes.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('an object changed several times since the cursor appears once, with its latest state', async () => {
    const start = await changes.latest();
    const label = (await me.raw('POST', '/v1/labels', { name: 'Often' })).body as Label;
    for (const name of ['Often 2', 'Often 3']) expectStatus(await me.raw('PATCH', `/v1/labels/${label.id}`, { name }), 200);
    const step = await changes.drain(start);
    expect(brief(step.changes)).toEqual([`label upsert ${label.id} v3`]);
    expect(step.changes[0]).toMatchObject({ data: { name: 'Often 3', version: 3 } });
  });

  it('a list deleted with its todos and their subtasks: every one appears as a delete', async () => {
    const list = (await me.raw('POST', '/v1/lists', { name: 'Doomed' })).body as List;
    const parent = await me.created({ title: 'Parent', list_id: list.id });
    const child = await me.created({ title: 'Child', parent_id: parent.id });
    const grandchild = await me.created({ title: 'Grandchild', parent_id: child.id });
    const start = await changes.latest();
    expectStatus(await me.raw('DELETE', `/v1/lists/${list.id}`), 204);
    const step = await changes.drain(start);
    expect(brief(step.changes).sort()).toEqual(
      [`list delete ${list.id} v1`, `todo delete ${parent.id} v1`, `todo delete ${child.id} v1`, `todo delete ${grandchild.id} v1`].sort(),
    );
  });

  it("a label deleted: its todos appear with their new version and without it", async () => {
    const label = (await me.raw('POST', '/v1/labels', { name: 'Gone soon' })).body as Label;
    const todo = await me.created({ title: 'Labelled', label_ids: [label.id] });
    const start = await changes.latest();
    expectStatus(await me.raw('DELETE', `/v1/labels/${label.id}`), 204);
    const step = await changes.drain(start);
    expect(brief(step.changes).sort()).toEqual([`label delete ${label.id} v1`, `todo upsert ${todo.id} v2`].sort());
    expect(of(step.changes, todo.id)[0]).toMatchObject({ data: { label_ids: [], version: 2 } });
  });

  it('a parent moved to another list: its subtasks appear with their new list and version', async () => {
    const [from, to] = [(await me.raw('POST', '/v1/lists', { name: 'From' })).body as List, (await me.raw('POST', '/v1/lists', { name: 'To' })).body as List];
    const parent = await me.created({ title: 'Moving parent', list_id: from.id });
    const child = await me.created({ title: 'Moving child', parent_id: parent.id });
    const start = await changes.latest();
    expectStatus(await me.move(parent.id, { list_id: to.id }), 200);
    const step = await changes.drain(start);
    const got = of(step.changes, child.id);
    expect(got).toEqual([expect.objectContaining({ op: 'upsert', version: 2, data: expect.objectContaining({ list_id: to.id, version: 2 }) })]);
    const now = await me.get(child.id);
    expect(got[0]!.data).toEqual(now.body);
    expect(of(step.changes, from.id)).toEqual([expect.objectContaining({ data: expect.objectContaining({ todo_count: 0 }) })]);
  });

  it('a write that fails (a 412, a 409, a 422) never appears, and the counter does not move', async () => {
    const todo = await me.created({ title: 'Guarded' });
    const start = await changes.latest();
    const seqBefore = (await t.db.query('SELECT change_seq::text AS s FROM users u JOIN todos t ON t.user_id = u.id WHERE t.id = $1', [todo.id]))[0]!.s as string;
    expect((await me.patch(todo.id, { title: 'Stale' }, { 'if-match': '"7"' })).status).toBe(412);
    expect((await me.raw('DELETE', `/v1/todos/${todo.id}`, undefined, { 'if-match': '"7"' })).status).toBe(412);
    const inbox = await inboxOf(me);
    expect((await me.raw('DELETE', `/v1/lists/${inbox.id}`)).status).toBe(409);
    expect((await me.create({ title: 'Bad parent', parent_id: randomUUID() })).status).toBe(422);
    expect((await changes.drain(start)).changes).toEqual([]);
    expect((await t.db.query('SELECT change_seq::text AS s FROM users u JOIN todos t ON t.user_id = u.id WHERE t.id = $1', [todo.id]))[0]!.s).toBe(seqBefore);
  });

  it('pages with limit and has_more, in seq order, each change once', async () => {
    const user = await newUser(t);
    const f = feed(user);
    const start = await f.latest();
    const made: string[] = [];
    for (let i = 0; i < 7; i += 1) made.push(((await user.raw('POST', '/v1/labels', { name: `page ${i}` })).body as Label).id);
    const first = await f.page({ cursor: start, limit: 3 });
    expectStatus(first, 200);
    expect((first.body as ChangeList).data).toHaveLength(3);
    expect((first.body as ChangeList).has_more).toBe(true);
    const all = await f.drain(start, 3);
    expect(all.pages).toBe(3);
    expect(all.changes.map((c) => c.id)).toEqual(made);
    const seqs = all.changes.map((c) => c.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // limit 1000 is the most; past it, or 0, is a 422 that names the parameter.
    expectStatus(await f.page({ limit: 1000 }), 200);
    for (const limit of ['0', '1001', 'ten', '-1']) {
      const res = await f.page({ limit });
      expect(res.status, limit).toBe(422);
      expect(new Set((res.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path))).toEqual(new Set(['query.limit']));
    }
  });

  it('a forged, changed or foreign cursor, or a list page cursor, is a 422 on query.cursor', async () => {
    const other = await newUser(t);
    const theirs = await feed(other).latest();
    const mine = await changes.latest();
    const [payload, tag] = mine.split('.');
    const forged = `${Buffer.from(JSON.stringify(['0', randomUUID()])).toString('base64url')}.${tag}`;
    for (const label of ['l1', 'l2']) await me.raw('POST', '/v1/labels', { name: `cursor ${label} ${randomUUID()}` });
    const labelPage = (await me.raw('GET', '/v1/labels?limit=1')).body as { next_cursor: string };
    for (const cursor of [theirs, forged, `${payload}.${tag}x`, 'garbage', labelPage.next_cursor]) {
      const res = await changes.page({ cursor });
      expect(res.status, cursor).toBe(422);
      expect(codeOf(res)).toBe('validation_failed');
      expect((res.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(['query.cursor']);
    }
  });

  it('a signed cursor whose seq is out of range or not a number is a 422, the largest bigint a 200: never a 5xx', async () => {
    const { id } = (await me.me()).body as { id: string };
    // Signed with the real secret and binding, so only the check of the key itself stands between it and SQL.
    const at = (key: string) => changes.page({ cursor: encodeCursor({ key, id }, { userId: id, sort: 'seq', filters: {} }) });
    expectStatus(await at('9223372036854775807'), 200);
    for (const key of ['9223372036854775808', '-1', '01', '1.5', '1e3', ' 1', 'abc', '']) expect((await at(key)).status, key).toBe(422);
  });

  it('deletions past the retention are swept; an older cursor is then a 410 cursor_expired, a newer one is not', async () => {
    const user = await newUser(t);
    const f = feed(user);
    const todo = await user.created({ title: 'Old news' });
    const before = await f.latest();
    expectStatus(await user.remove(todo.id), 204);
    const afterDelete = await f.latest();
    // Make it older than the retention, then sweep as the server's interval does.
    await t.db.query(`UPDATE changes SET changed_at = now() - interval '2 days' WHERE id = $1`, [todo.id]);
    expect(await sweepExpiredChanges(1)).toBeGreaterThanOrEqual(1);
    expect(await t.db.query('SELECT 1 FROM changes WHERE id = $1', [todo.id])).toEqual([]);
    const expired = await f.page({ cursor: before });
    expectStatus(expired, 410);
    expect(expired.body).toMatchObject({ status: 410, code: 'cursor_expired' });
    expectStatus(await f.page({ cursor: afterDelete }), 200);
    // From the start there is nothing to miss: the objects that exist, never a 410.
    const all = await f.drain();
    expect(all.changes.map((c) => c.type)).toEqual(['list']);
    // Newer deletions and every existing object stay.
    expect(await sweepExpiredChanges(1)).toBe(0);
  });

  it('the sweep goes in bounded batches and raises the horizon to the greatest seq it removed, per user', async () => {
    const users = [await newUser(t), await newUser(t)];
    const removed: string[] = [];
    for (const user of users) {
      for (let i = 0; i < 3; i += 1) {
        const todo = await user.created({ title: `swept ${i}` });
        expectStatus(await user.remove(todo.id), 204);
        removed.push(todo.id);
      }
    }
    const deletes = await t.db.query<{ user_id: string; seq: string }>("SELECT user_id, seq::text AS seq FROM changes WHERE id = ANY ($1::uuid[]) AND op = 'delete'", [removed]);
    expect(deletes).toHaveLength(6);
    await t.db.query(`UPDATE changes SET changed_at = now() - interval '31 days' WHERE id = ANY ($1::uuid[])`, [removed]);
    expect(await sweepExpiredChanges(30, 2)).toBe(6);
    const horizons = await t.db.query<{ id: string; purged: string }>('SELECT id, changes_purged_through::text AS purged FROM users WHERE id = ANY ($1::uuid[])', [
      [...new Set(deletes.map((d) => d.user_id))],
    ]);
    expect(horizons).toHaveLength(2);
    for (const { id, purged } of horizons) {
      const greatest = deletes.filter((d) => d.user_id === id).reduce((max, d) => (BigInt(d.seq) > max ? BigInt(d.seq) : max), 0n);
      expect(purged).toBe(String(greatest));
    }
  });

  it("isolation: another user's feed never shows the caller's changes", async () => {
    const other = await newUser(t);
    const start = await feed(other).latest();
    await me.created({ title: 'Private' });
    await me.raw('POST', '/v1/labels', { name: `private ${randomUUID()}` });
    expect((await feed(other).drain(start)).changes).toEqual([]);
    const everything = await feed(other).drain();
    expect(everything.changes).toHaveLength(1);
    expect(everything.changes[0]).toMatchObject({ type: 'list', data: { is_default: true } });
  });

  it('a page of the feed and latest are one statement each, and a write sends no more statements than before', async () => {
    const spy = spyOnStatements();
    const cursor = await changes.latest();
    const todo: Todo = await me.created({ title: 'Counted' });
    spy.install();
    try {
      spy.reset();
      expectStatus(await changes.page({ cursor }), 200);
      expect(spy.sent).toHaveLength(1);
      spy.reset();
      await changes.latest();
      expect(spy.sent).toHaveLength(1);
      spy.reset();
      expectStatus(await me.patch(todo.id, { title: 'Counted again' }), 200);
      expect(spy.sent).toHaveLength(3);
    } finally {
      spy.restore();
    }
  });
});
