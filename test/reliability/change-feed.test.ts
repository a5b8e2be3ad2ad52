import { fc, test } from '@fast-check/vitest';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Change, ChangeList } from '../../clients/typescript/src/types.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type TodoClient } from '../helpers/todo-client.js';

// Concurrent writers (creates, updates, moves, deletes, list deletes that cascade, writes that
// fail and roll back) while a reader keeps a replica with "snapshot then follow": latest, list
// everything, then follow the feed, applying by version. Once the writers stop and the reader
// drains, the replica equals what the API returns, object for object.

type Obj = { id: string; version: number } & Record<string, unknown>;

const WRITERS = 4;

const action = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('createTodo' as const), list: fc.nat(), parent: fc.option(fc.nat(), { nil: undefined }), label: fc.option(fc.nat(), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('patchTodo' as const), todo: fc.nat(), completed: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('moveTodo' as const), todo: fc.nat(), list: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteTodo' as const), todo: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('createList' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteList' as const), list: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('createLabel' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('patchLabel' as const), label: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteLabel' as const), label: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('failing' as const), todo: fc.nat(), how: fc.constantFrom('stale-if-match', 'bad-parent', 'default-list') }) },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

/** Every object of one kind as the API returns it (every page). */
async function listAll(c: TodoClient, path: string): Promise<Obj[]> {
  const rows: Obj[] = [];
  let cursor: string | null = null;
  do {
    const res = await c.raw('GET', `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    const page = res.body as { data: Obj[]; next_cursor: string | null };
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

async function everything(c: TodoClient): Promise<Map<string, Obj>> {
  const all = new Map<string, Obj>();
  for (const [kind, path] of [['todo', '/v1/todos'], ['list', '/v1/lists'], ['label', '/v1/labels']] as const) {
    for (const o of await listAll(c, path)) all.set(`${kind} ${o.id}`, o);
  }
  return all;
}

/** A replica kept from the feed: a delete removes, an upsert applies when its version is at least the one held. */
function apply(replica: Map<string, Obj>, change: Change): void {
  const key = `${change.type} ${change.id}`;
  if (change.op === 'delete') {
    replica.delete(key);
    return;
  }
  const held = replica.get(key);
  if (!held || change.version >= held.version) replica.set(key, change.data as unknown as Obj);
}

describe('the change feed under concurrent writers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  test.prop([fc.array(fc.array(action, { minLength: 5, maxLength: 25 }), { minLength: WRITERS, maxLength: WRITERS })], { numRuns: 5 })(
    'snapshot then follow: the replica equals the database once the writers stop',
    async (plans) => {
      const me = await newUser(t);
      // Seed: a few of each, so that updates and deletes have something to act on.
      const known = { todos: [] as string[], lists: [] as string[], labels: [] as string[] };
      const inbox = (await listAll(me, '/v1/lists'))[0]!.id;
      for (let i = 0; i < 2; i += 1) known.lists.push(((await me.raw('POST', '/v1/lists', { name: `seed ${i}` })).body as Obj).id);
      for (let i = 0; i < 2; i += 1) known.labels.push(((await me.raw('POST', '/v1/labels', { name: `seed ${i}` })).body as Obj).id);
      for (let i = 0; i < 4; i += 1) known.todos.push((await me.created({ title: `seed ${i}`, list_id: known.lists[i % 2] })).id);
      const pick = (ids: string[], n: number) => ids[n % Math.max(ids.length, 1)] ?? randomUUID();
      // A 404 or a 204 takes the id out of the ones writers pick from (a cascade's victims go at their first 404).
      const forget = (ids: string[], id: string, status: number) => {
        if ((status === 204 || status === 404) && ids.includes(id)) ids.splice(ids.indexOf(id), 1);
      };
      const lists = () => [inbox, ...known.lists];

      const statuses: number[] = [];
      async function run(a: Action): Promise<void> {
        let res;
        switch (a.kind) {
          case 'createTodo': {
            const parent = a.parent === undefined ? undefined : pick(known.todos, a.parent);
            const body = parent ? { title: 'child', parent_id: parent } : { title: 'todo', list_id: pick(lists(), a.list), ...(a.label === undefined ? {} : { label_ids: [pick(known.labels, a.label)] }) };
            res = await me.raw('POST', '/v1/todos', body);
            if (res.status === 201) known.todos.push((res.body as Obj).id);
            break;
          }
          case 'patchTodo': {
            const id = pick(known.todos, a.todo);
            res = await me.raw('PATCH', `/v1/todos/${id}`, { completed: a.completed, title: `t ${randomUUID().slice(0, 8)}` });
            forget(known.todos, id, res.status);
            break;
          }
          case 'moveTodo': {
            const id = pick(known.todos, a.todo);
            res = await me.raw('POST', `/v1/todos/${id}/move`, { list_id: pick(lists(), a.list) });
            forget(known.todos, id, res.status);
            break;
          }
          case 'deleteTodo': {
            const id = pick(known.todos, a.todo);
            res = await me.raw('DELETE', `/v1/todos/${id}`);
            forget(known.todos, id, res.status);
            break;
          }
          case 'createList':
            res = await me.raw('POST', '/v1/lists', { name: 'more' });
            if (res.status === 201) known.lists.push((res.body as Obj).id);
            break;
          case 'deleteList': {
            const id = pick(known.lists, a.list);
            res = await me.raw('DELETE', `/v1/lists/${id}`);
            forget(known.lists, id, res.status);
            break;
          }
          case 'createLabel':
            res = await me.raw('POST', '/v1/labels', { name: `label ${randomUUID()}` });
            if (res.status === 201) known.labels.push((res.body as Obj).id);
            break;
          case 'patchLabel': {
            const id = pick(known.labels, a.label);
            res = await me.raw('PATCH', `/v1/labels/${id}`, { name: `renamed ${randomUUID()}` });
            forget(known.labels, id, res.status);
            break;
          }
          case 'deleteLabel': {
            const id = pick(known.labels, a.label);
            res = await me.raw('DELETE', `/v1/labels/${id}`);
            forget(known.labels, id, res.status);
            break;
          }
          case 'failing':
            res =
              a.how === 'stale-if-match'
                ? await me.raw('PATCH', `/v1/todos/${pick(known.todos, a.todo)}`, { title: 'never' }, { 'if-match': '"999999"' })
                : a.how === 'bad-parent'
                  ? await me.raw('POST', '/v1/todos', { title: 'never', parent_id: randomUUID() })
                  : await me.raw('DELETE', `/v1/lists/${inbox}`);
            expect(res.status, a.how).toBeGreaterThanOrEqual(400);
            break;
        }
        statuses.push(res.status);
      }

      // The reader: latest, then everything, then the feed, until told to stop and drained.
      const cursorAtStart = ((await me.raw('GET', '/v1/changes/latest')).body as { cursor: string }).cursor;
      let stop = false;
      const reader = (async () => {
        const replica = await everything(me);
        let cursor = cursorAtStart;
        let seen = 0;
        for (;;) {
          const finishing = stop;
          let more = true;
          while (more) {
            const res = await me.raw('GET', `/v1/changes?cursor=${encodeURIComponent(cursor)}&limit=7`);
            expect(res.status, JSON.stringify(res.body)).toBe(200);
            const page = res.body as ChangeList;
            const seqs = page.data.map((c) => c.seq);
            expect(seqs, 'ascending within a page').toEqual([...seqs].sort((x, y) => x - y));
            if (seqs.length > 0) expect(seqs[0]!, 'ascending across pages').toBeGreaterThan(seen);
            seen = seqs.at(-1) ?? seen;
            for (const change of page.data) apply(replica, change);
            cursor = page.next_cursor;
            more = page.has_more;
          }
          if (finishing) return replica;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();

      // Settled now and awaited later, so a failed expectation in it is not an unhandled rejection meanwhile.
      const settled = reader.then(
        (replica) => ({ replica, error: undefined }),
        (error: unknown) => ({ replica: undefined, error: error instanceof Error ? error : new Error(String(error)) }),
      );
      try {
        await Promise.all(
          plans.map(async (plan) => {
            for (const a of plan) await run(a);
          }),
        );
      } finally {
        stop = true;
      }
      const { replica, error } = await settled;
      if (error !== undefined) throw error;
      if (!replica) throw new Error('the reader returned nothing');

      expect(statuses.filter((s) => s >= 500 && s !== 503), 'no 5xx but a 503 after retries').toEqual([]);
      const truth = await everything(me);
      expect([...replica.keys()].sort()).toEqual([...truth.keys()].sort());
      for (const [key, object] of truth) expect(replica.get(key), key).toEqual(object);
    },
  );
});
