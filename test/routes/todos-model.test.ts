import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Todo } from '../../clients/typescript/src/types.js';
import { SORTS } from '../../src/services/todo-service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';
import { expectedOrder } from '../helpers/todo-order.js';

/** A new list of the client's user, through POST /v1/lists. */
async function createList(client: TodoClient, name: string): Promise<string> {
  const res = await client.raw<{ status: number; headers: Headers; body: { id: string } }>('POST', '/v1/lists', { name });
  expectStatus(res, 201);
  return res.body.id;
}

/** DELETE /v1/lists/{id}: its todos, and their subtasks, with it. */
async function deleteList(client: TodoClient, id: string): Promise<void> {
  expectStatus(await client.raw('DELETE', `/v1/lists/${id}`), 204);
}

// Model-based (issue 12): random sequences by two users of todo creates, patches, moves, deletes,
// gets and pages, label and list creates and deletes, with ids of their own, of the other user's
// and of nothing. The model decides every answer (status, the 422's path and rule); after each
// step every todo, its counts and the order of every place it is in are compared with the model.
// Replay a failure with MODEL_SEED=<seed> (and MODEL_PATH=<path>), as fast-check reports them.

type Scope = string;
interface ModelTodo {
  id: string;
  owner: number;
  list: string;
  parent: string | null;
  labels: string[];
  title: string;
  description: string | null;
  completed: boolean;
  due_at: string | null;
  priority: string;
  version: number;
}
interface ModelUser {
  client: TodoClient;
  id: string;
  inbox: string;
  lists: string[];
  /** Label id → name. */
  labels: Map<string, string>;
}
/** What the model expects of a request: the status, and for a 422 the error paths, or the one path and rule the database decided. */
interface Expected {
  status: number;
  paths?: string[];
  rule?: keyof typeof RULES;
}

/** The message of each rule the database enforces, as the service words it. */
const RULES = {
  list: /No list of yours has this id/,
  parent: /No todo of yours in this list has this id/,
  cycle: /cannot be a subtask of itself or of one of its own subtasks/,
  depth: /at most 4 levels deep/,
  label: /No label of yours has this id/,
  neighbour: /a neighbour must be another of your todos/,
};

const MAX_DEPTH = 4;
/** Subtasks are one place per parent; top-level todos one per list. */
const scopeOf = (list: string, parent: string | null): Scope => (parent ? `p:${parent}` : `l:${list}`);

const user = fc.constantFrom(0, 1);
/** An id an action names: mostly one of the caller's, else any made so far (the other user's, deleted ones) or one that never existed; sometimes upper case. */
const ref = fc.record({
  kind: fc.constantFrom('own', 'own', 'own', 'own', 'own', 'own', 'any', 'fresh'),
  n: fc.nat({ max: 999 }),
  fresh: fc.uuid({ version: 4 }),
  upper: fc.constantFrom(false, false, false, true),
});
type Ref = { kind: string; n: number; fresh: string; upper: boolean };
const title = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0);
const priority = fc.constantFrom('none', 'low', 'medium', 'high', 'urgent');
const ifMatch = fc.constantFrom('none', 'none', 'none', 'none', 'current', 'stale', 'star');
const labels = fc.array(ref, { maxLength: 2 });
/** Where a create or patch puts the todo: mostly one of list and parent, sometimes both. */
const place = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.record({ list: ref }) },
  { weight: 4, arbitrary: fc.record({ parent: fc.option(ref, { freq: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ list: ref, parent: fc.option(ref, { freq: 4 }) }) },
);

const action = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('create' as const), user, title, completed: fc.boolean(), priority, place, labels }, { requiredKeys: ['kind', 'user', 'title', 'place'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bad-create' as const), user, list: ref, invalid: fc.constantFrom('position', 'too-many-labels', 'repeated-label', 'nested-id') }) },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        kind: fc.constant('patch' as const),
        user,
        target: ref,
        ifMatch,
        title,
        completed: fc.boolean(),
        priority,
        description: fc.option(fc.string({ maxLength: 10 })),
        place,
        labels,
      },
      { requiredKeys: ['kind', 'user', 'target', 'ifMatch', 'place'] },
    ),
  },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        kind: fc.constant('move' as const),
        user,
        target: ref,
        ifMatch,
        both: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
        place,
        neighbour: fc.record({ side: fc.constantFrom('before' as const, 'after' as const), ref }),
      },
      { requiredKeys: ['kind', 'user', 'target', 'ifMatch', 'both', 'place'] },
    ),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), user, target: ref, ifMatch }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('get' as const), user, target: ref }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create-label' as const), user, name: fc.constantFrom('red', 'Red', 'green', 'blue', 'Work', 'home') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-label' as const), user, target: ref }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('create-list' as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-list' as const), user, n: fc.nat({ max: 99 }) }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('query' as const),
        user,
        sort: fc.constantFrom(...SORTS),
        limit: fc.integer({ min: 1, max: 7 }),
        completed: fc.boolean(),
        list: ref,
        parent: fc.oneof(ref, fc.constantFrom('none', 'none', 'NONE')),
        labels: fc.array(ref, { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: ['kind', 'user', 'sort', 'limit'] },
    ),
  },
);

// Shrinking a failure re-runs whole sequences: it stops at the time limit with the smallest one found so far.
const seed = process.env.MODEL_SEED === undefined ? {} : { seed: Number(process.env.MODEL_SEED), path: process.env.MODEL_PATH };

describe('todos, lists, labels and subtasks against a model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** Everything that a 4xx must leave as it was. */
  const snapshot = async () =>
    t.db.query(`SELECT
      (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM todos x) AS todos,
      (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l.id), '')) FROM lists l) AS lists,
      (SELECT md5(coalesce(string_agg(b::text, ',' ORDER BY b.id), '')) FROM labels b) AS labels,
      (SELECT md5(coalesce(string_agg(j::text, ',' ORDER BY j.todo_id, j.label_id), '')) FROM todo_labels j) AS todo_labels,
      (SELECT md5(coalesce(string_agg(u::text, ',' ORDER BY u.id), '')) FROM users u) AS users`);

  test.prop([fc.array(action, { minLength: 15, maxLength: 40, size: 'max' })], { numRuns: 8, interruptAfterTimeLimit: 90_000, ...seed })('every answer, todo and order matches the model', async (actions) => {
    const users: ModelUser[] = [];
    for (let i = 0; i < 2; i++) {
      const client = await newUser(t);
      const me = await client.me();
      expectStatus(me, 200);
      // The first todo shows the default list; it and two levels of subtasks stay in the model. A second list to move to.
      const first = await client.created({ title: `first of ${i}` });
      users.push({ client, id: me.body.id, inbox: first.list_id, lists: [first.list_id, await createList(client, 'second')], labels: new Map() });
      await client.created({ title: `second level of ${i}`, parent_id: (await client.created({ title: `first level of ${i}`, parent_id: first.id })).id });
    }
    const todos = new Map<string, ModelTodo>();
    const scopes = new Map<Scope, string[]>();
    /** The last answer seen for each todo: what does not change without a new version. */
    const seen = new Map<string, Todo>();
    const everTodo: string[] = [];
    const everList: string[] = users.flatMap((u) => u.lists);
    const everLabel: string[] = [];
    const listOwner = new Map<string, number>(users.flatMap((u, i) => u.lists.map((l): [string, number] => [l, i])));
    for (const [i, u] of users.entries()) {
      for (const row of await u.client.listAll({ sort: 'created_at' })) {
        todos.set(row.id, { id: row.id, owner: i, list: u.inbox, parent: row.parent_id, labels: [], title: row.title, description: null, completed: false, due_at: null, priority: 'none', version: 1 });
        scopes.set(scopeOf(u.inbox, row.parent_id), [row.id]);
        seen.set(row.id, row);
        everTodo.push(row.id);
      }
    }

    // The model's view.
    const ownTodo = (u: number, id: string | null | undefined) => {
      const m = id ? todos.get(id.toLowerCase()) : undefined;
      return m?.owner === u ? m : undefined;
    };
    const ownsList = (u: number, id: string) => users[u]!.lists.includes(id.toLowerCase());
    const ownsLabel = (u: number, id: string) => users[u]!.labels.has(id.toLowerCase());
    const children = (id: string) => [...todos.values()].filter((m) => m.parent === id);
    const depth = (m: ModelTodo): number => (m.parent ? 1 + depth(todos.get(m.parent)!) : 1);
    const height = (m: ModelTodo): number => Math.max(0, ...children(m.id).map((c) => 1 + height(c)));
    const subtree = (m: ModelTodo): ModelTodo[] => [m, ...children(m.id).flatMap(subtree)];
    const isAncestor = (a: ModelTodo, of: ModelTodo): boolean => (of.parent ? of.parent === a.id || isAncestor(a, todos.get(of.parent)!) : false);
    const ownTodoIds = (u: number) => [...todos.values()].filter((m) => m.owner === u).map((m) => m.id);
    const resolve = (r: Ref, own: string[], any: string[]) => {
      const pool = r.kind === 'own' && own.length > 0 ? own : r.kind !== 'fresh' && any.length > 0 ? any : [];
      const id = pool.length > 0 ? pool[r.n % pool.length]! : r.fresh;
      return r.upper ? id.toUpperCase() : id;
    };
    const todoRef = (u: number, r: Ref) => resolve(r, ownTodoIds(u), everTodo);
    const listRef = (u: number, r: Ref) => resolve(r, users[u]!.lists, everList);
    const labelRef = (u: number, r: Ref) => resolve(r, [...users[u]!.labels.keys()], everLabel);
    const deepestOf = (u: number) => [...todos.values()].filter((m) => m.owner === u).sort((x, y) => depth(y) - depth(x)).slice(0, 1).map((m) => m.id);
    /**
     * A parent: mostly the caller's deepest todo or one of their latest, so that trees grow deep
     * enough to meet the depth rule; of the others, half are the other user's deepest todo, whose
     * depth must make no difference.
     */
    const parentRef = (u: number, r: Ref) =>
      resolve(r, r.n % 3 !== 0 ? deepestOf(u) : ownTodoIds(u).slice(-3), r.n % 2 === 0 && deepestOf(1 - u).length > 0 ? deepestOf(1 - u) : everTodo);
    /** Label ids, each once (a repeated one is its own case, bad-create); "one of mine" only once the caller has labels. */
    const labelRefs = (u: number, rs: Ref[]) => {
      const wanted = users[u]!.labels.size > 0 ? rs : rs.filter((r) => r.kind !== 'own');
      return [...new Map(wanted.map((r) => labelRef(u, r)).map((id) => [id.toLowerCase(), id])).values()];
    };
    const versionHeader = (u: number, id: string, mode: string): Record<string, string> => {
      const version = ownTodo(u, id)?.version ?? 1;
      if (mode === 'current') return { 'if-match': `"${version}"` };
      if (mode === 'stale') return { 'if-match': `"${version + 7}"` };
      if (mode === 'star') return { 'if-match': '*' };
      return {};
    };
    const stale = (u: number, id: string, mode: string) => mode === 'stale' && ownTodo(u, id) !== undefined;
    const refused = (path: string, rule: keyof typeof RULES): Expected => ({ status: 422, paths: [path], rule });
    const firstForeignLabel = (u: number, ids: string[]): Expected | undefined => {
      const i = ids.findIndex((id) => !ownsLabel(u, id));
      return i < 0 ? undefined : refused(`body.label_ids.${i}`, 'label');
    };
    const repeated = (ids: string[]) => new Set(ids.map((id) => id.toLowerCase())).size !== ids.length;

    const removeFromScope = (m: ModelTodo) => {
      const scope = scopes.get(scopeOf(m.list, m.parent))!;
      scope.splice(scope.indexOf(m.id), 1);
    };
    /** Puts a todo in a place (next to a neighbour, else at the end); its subtasks follow it to a new list, each with a new version. */
    const place = (m: ModelTodo, list: string, parent: string | null, neighbour?: { side: 'before' | 'after'; id: string }) => {
      removeFromScope(m);
      if (list !== m.list) {
        for (const d of subtree(m).slice(1)) {
          d.list = list;
          d.version += 1;
        }
      }
      m.list = list;
      m.parent = parent;
      const key = scopeOf(list, parent);
      const scope = scopes.get(key) ?? [];
      if (neighbour) {
        const at = scope.indexOf(neighbour.id.toLowerCase());
        scope.splice(neighbour.side === 'after' ? at + 1 : at, 0, m.id);
      } else scope.push(m.id);
      scopes.set(key, scope);
    };
    const forget = (m: ModelTodo) => {
      for (const d of subtree(m).reverse()) {
        removeFromScope(d);
        scopes.delete(`p:${d.id}`);
        todos.delete(d.id);
      }
    };

    /** Checks an answer against what the model expected: the status, and which field and rule a 422 names. */
    const expectAnswer = (res: Call, expected: Expected, label: string) => {
      expectStatus(res, expected.status, label);
      if (expected.status !== 422 || !expected.paths) return;
      const errors = (res.body as { errors: Array<{ path: string; message: string }> }).errors;
      expect(errors.map((e) => e.path).sort(), label).toEqual([...expected.paths].sort());
      if (expected.rule) expect(errors[0]!.message, label).toMatch(RULES[expected.rule]);
    };
    /** A todo as the model sees it, including its live counts. */
    const expectTodo = (row: Todo, label: string) => {
      const m = todos.get(row.id);
      expect(m, `${label}: ${row.id} is not in the model`).toBeDefined();
      const subs = children(m!.id);
      expect(row, label).toMatchObject({
        title: m!.title,
        description: m!.description,
        completed: m!.completed,
        due_at: m!.due_at,
        priority: m!.priority,
        list_id: m!.list,
        parent_id: m!.parent,
        label_ids: m!.labels,
        version: m!.version,
        subtask_count: subs.length,
        open_subtask_count: subs.filter((s) => !s.completed).length,
      });
      if (!m!.completed) expect(row.completed_at, label).toBeNull();
      const before = seen.get(row.id);
      if (before && before.version === row.version) {
        expect({ position: row.position, updated_at: row.updated_at, completed_at: row.completed_at }, label).toEqual({
          position: before.position,
          updated_at: before.updated_at,
          completed_at: before.completed_at,
        });
      } else if (before?.completed && row.completed) expect(row.completed_at, label).toBe(before.completed_at);
      else if (row.completed) expect(row.completed_at, label).toEqual(expect.any(String));
    };
    /** One place as its owner reads it (`list_id` + `parent_id`, position order, a few per page): the model's order; the other user (`everyone`) sees none of it. */
    const expectScope = async (key: Scope, label: string, { sort = 'position', everyone = false }: { sort?: 'position' | '-position'; everyone?: boolean } = {}) => {
      const parent = key.startsWith('p:') ? key.slice(2) : undefined;
      const parentTodo = parent ? todos.get(parent) : undefined;
      const list = parent ? parentTodo?.list : key.slice(2);
      const owner = parent ? parentTodo?.owner : listOwner.get(list!);
      const query: Record<string, string | number> = { sort, limit: 4, parent_id: parent ?? 'none', ...(list ? { list_id: list } : {}) };
      const order = scopes.get(key) ?? [];
      for (const [i, u] of users.entries()) {
        if (!everyone && i !== (owner ?? 0)) continue;
        const rows = await u.client.listAll(query);
        expect(rows.map((r) => r.id), `${label}: ${JSON.stringify(query)} for user ${i}`).toEqual(i !== owner ? [] : sort === 'position' ? order : [...order].reverse());
      }
    };
    /** Every todo of each user, against the model; the order of each place as the whole position order shows it; then the places this step changed, read one by one. */
    const verify = async (label: string, changed: Scope[]) => {
      for (const [i, u] of users.entries()) {
        const rows = await u.client.listAll({ sort: 'position', limit: 100 });
        expect(rows.map((r) => r.id).sort(), `${label}: the todos user ${i} sees`).toEqual(ownTodoIds(i).sort());
        const places = new Map<Scope, string[]>();
        for (const row of rows) {
          expectTodo(row, `${label}: user ${i}'s ${row.id}`);
          const key = scopeOf(row.list_id, row.parent_id);
          places.set(key, [...(places.get(key) ?? []), row.id]);
        }
        for (const [key, ids] of places) expect(ids, `${label}: the order of ${key}`).toEqual(scopes.get(key));
        for (const row of rows) seen.set(row.id, row);
      }
      for (const key of changed) await expectScope(key, label);
    };
    const scopeState = () => new Map([...scopes].map(([k, v]) => [k, v.join()]));

    for (const [step, a] of actions.entries()) {
      const u = users[a.user]!;
      const label = `step ${step} ${JSON.stringify(a)}`;
      const scopesBefore = scopeState();
      const before = await snapshot();
      let res: Call | undefined;
      let expected: Expected | undefined;

      if (a.kind === 'create') {
        const body: Record<string, unknown> = { title: a.title, ...(a.completed === undefined ? {} : { completed: a.completed }), ...(a.priority === undefined ? {} : { priority: a.priority }) };
        if ('list' in a.place) body.list_id = listRef(a.user, a.place.list);
        if ('parent' in a.place) body.parent_id = a.place.parent === null ? null : parentRef(a.user, a.place.parent);
        if (a.labels) body.label_ids = labelRefs(a.user, a.labels);
        const L = body.list_id as string | undefined;
        const P = body.parent_id as string | null | undefined;
        const ids = (body.label_ids as string[] | undefined) ?? [];
        const parent = ownTodo(a.user, P);
        const list = (L ?? parent?.list ?? u.inbox).toLowerCase();
        expected = repeated(ids)
          ? { status: 422, paths: ['body.label_ids'] }
          : parent && depth(parent) + 1 > MAX_DEPTH
            ? refused('body.parent_id', 'depth')
            : L !== undefined && !ownsList(a.user, L)
              ? refused('body.list_id', 'list')
              : P && (!parent || parent.list !== list)
                ? refused('body.parent_id', 'parent')
                : (firstForeignLabel(a.user, ids) ?? { status: 201 });
        res = await u.client.create(body);
        expectAnswer(res, expected, label);
        if (res.status === 201) {
          const row = res.body as Todo;
          const m: ModelTodo = {
            id: row.id,
            owner: a.user,
            list,
            parent: parent?.id ?? null,
            labels: ids.map((id) => id.toLowerCase()),
            title: a.title.trim(),
            description: null,
            completed: a.completed ?? false,
            due_at: null,
            priority: a.priority ?? 'none',
            version: 1,
          };
          todos.set(m.id, m);
          everTodo.push(m.id);
          scopes.set(scopeOf(list, m.parent), [...(scopes.get(scopeOf(list, m.parent)) ?? []), m.id]);
          expectTodo(row, label);
        }
      } else if (a.kind === 'bad-create') {
        // Refused by the contract before any id is looked up.
        const list = listRef(a.user, a.list);
        const bodies = {
          position: [{ title: 'x', list_id: list, position: 'a0' }, ['body.position']],
          'too-many-labels': [{ title: 'x', list_id: list, label_ids: Array.from({ length: 21 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`) }, ['body.label_ids']],
          'repeated-label': [{ title: 'x', label_ids: [list, list.toUpperCase()] }, ['body.label_ids']],
          'nested-id': [{ title: 'x', list_id: { id: list } }, ['body.list_id']],
        } as const;
        const [body, paths] = bodies[a.invalid];
        expected = { status: 422, paths: [...paths] };
        res = await u.client.create(body);
        expectAnswer(res, expected, label);
      } else if (a.kind === 'patch') {
        const id = todoRef(a.user, a.target);
        const body: Record<string, unknown> = {};
        for (const field of ['title', 'completed', 'priority', 'description'] as const) if (a[field] !== undefined) body[field] = a[field];
        if ('list' in a.place) body.list_id = listRef(a.user, a.place.list);
        if ('parent' in a.place) body.parent_id = a.place.parent === null ? null : parentRef(a.user, a.place.parent);
        if (a.labels) body.label_ids = labelRefs(a.user, a.labels);
        const m = ownTodo(a.user, id);
        const headers = versionHeader(a.user, id, a.ifMatch);
        const ids = (body.label_ids as string[] | undefined)?.map((x) => x.toLowerCase());
        const L = (body.list_id as string | undefined)?.toLowerCase();
        const P = body.parent_id === undefined ? undefined : (body.parent_id as string | null)?.toLowerCase() ?? null;
        if (ids && repeated(ids)) expected = { status: 422, paths: ['body.label_ids'] };
        else if (!m) expected = { status: 404 };
        else if (stale(a.user, id, a.ifMatch)) expected = { status: 412 };
        else {
          const placeGiven = L !== undefined || P !== undefined;
          const list = L ?? (P ? (ownTodo(a.user, P)?.list ?? m.list) : m.list);
          const parent = P !== undefined ? P : list === m.list ? m.parent : null;
          const moved = placeGiven && (list !== m.list || parent !== m.parent);
          const next = {
            title: a.title === undefined ? m.title : a.title.trim(),
            description: a.description === undefined ? m.description : a.description,
            completed: a.completed ?? m.completed,
            priority: a.priority ?? m.priority,
            labels: ids ?? m.labels,
          };
          const changed = moved || next.title !== m.title || next.description !== m.description || next.completed !== m.completed || next.priority !== m.priority || next.labels.join() !== m.labels.join();
          const newParent = ownTodo(a.user, parent);
          expected = { status: 200 };
          if (changed) {
            if (moved && parent !== null && parent !== m.parent && newParent) {
              if (newParent.id === m.id || isAncestor(m, newParent)) expected = refused('body.parent_id', 'cycle');
              else if (depth(newParent) + 1 + height(m) > MAX_DEPTH) expected = refused('body.parent_id', 'depth');
            }
            if (expected.status === 200 && moved && list !== m.list && !ownsList(a.user, list)) expected = refused('body.list_id', 'list');
            if (expected.status === 200 && moved && parent !== null && (!newParent || newParent.list !== list)) expected = refused('body.parent_id', 'parent');
            if (expected.status === 200 && ids && next.labels.join() !== m.labels.join()) expected = firstForeignLabel(a.user, ids) ?? expected;
          }
          if (expected.status === 200 && changed) {
            Object.assign(m, { title: next.title, description: next.description, completed: next.completed, priority: next.priority, labels: next.labels });
            m.version += 1;
            if (moved) place(m, list, parent);
          }
        }
        res = await u.client.patch(id, body, headers);
        expectAnswer(res, expected, label);
        if (res.status === 200) {
          expectTodo(res.body as Todo, label);
          expect(res.headers.get('etag'), label).toBe(`"${m!.version}"`);
        }
      } else if (a.kind === 'move') {
        const id = todoRef(a.user, a.target);
        const m = ownTodo(a.user, id);
        const headers = versionHeader(a.user, id, a.ifMatch);
        const body: Record<string, unknown> = {};
        if ('list' in a.place) body.list_id = listRef(a.user, a.place.list);
        if ('parent' in a.place) body.parent_id = a.place.parent === null ? null : parentRef(a.user, a.place.parent);
        const L = (body.list_id as string | undefined)?.toLowerCase();
        const P = body.parent_id === undefined ? undefined : (body.parent_id as string | null)?.toLowerCase() ?? null;
        const parentTodo = ownTodo(a.user, P);
        const list = L ?? parentTodo?.list ?? m?.list;
        const parent = P !== undefined ? P : list === m?.list ? (m?.parent ?? null) : null;
        let neighbour: { side: 'before' | 'after'; id: string } | undefined;
        if (a.neighbour) {
          // Mostly a todo of the place it moves to (none when it is empty), so that moves between neighbours happen.
          const there = list ? (scopes.get(scopeOf(list, parent)) ?? []).filter((x) => x !== m?.id) : [];
          if (a.neighbour.ref.kind !== 'own' || there.length > 0) {
            neighbour = { side: a.neighbour.side, id: resolve(a.neighbour.ref, there, everTodo) };
            body[`${a.neighbour.side}_id`] = neighbour.id;
            if (a.both) body[a.neighbour.side === 'before' ? 'after_id' : 'before_id'] = neighbour.id;
          }
        }
        const n = ownTodo(a.user, neighbour?.id);
        if (a.both && neighbour) expected = { status: 422, paths: ['body.after_id'] };
        else if (!m) expected = { status: 404 };
        else if (stale(a.user, id, a.ifMatch)) expected = { status: 412 };
        else if (P && !parentTodo) expected = refused('body.parent_id', 'parent');
        else if (neighbour && (!n || n.id === m.id || n.list !== list || n.parent !== parent)) expected = refused(`body.${neighbour.side}_id`, 'neighbour');
        else if (parentTodo && parent !== m.parent && (parentTodo.id === m.id || isAncestor(m, parentTodo))) expected = refused('body.parent_id', 'cycle');
        else if (parentTodo && parent !== m.parent && depth(parentTodo) + 1 + height(m) > MAX_DEPTH) expected = refused('body.parent_id', 'depth');
        else if (list !== m.list && !ownsList(a.user, list!)) expected = refused('body.list_id', 'list');
        else if (parentTodo && parentTodo.list !== list) expected = refused('body.parent_id', 'parent');
        else {
          expected = { status: 200 };
          m.version += 1;
          place(m, list!, parent, neighbour);
        }
        res = await u.client.move(id, body, headers);
        expectAnswer(res, expected, label);
        if (res.status === 200) {
          expectTodo(res.body as Todo, label);
          expect(res.headers.get('etag'), label).toBe(`"${m!.version}"`);
        }
      } else if (a.kind === 'delete') {
        const id = todoRef(a.user, a.target);
        const m = ownTodo(a.user, id);
        expected = !m ? { status: 404 } : stale(a.user, id, a.ifMatch) ? { status: 412 } : { status: 204 };
        res = await u.client.remove(id, versionHeader(a.user, id, a.ifMatch));
        expectAnswer(res, expected, label);
        if (res.status === 204) forget(m!);
      } else if (a.kind === 'get') {
        const id = todoRef(a.user, a.target);
        const m = ownTodo(a.user, id);
        res = await u.client.get(id);
        expectAnswer(res, { status: m ? 200 : 404 }, label);
        if (m) expect(res.body, label).toEqual(seen.get(m.id));
      } else if (a.kind === 'create-label') {
        const taken = [...u.labels.values()].some((name) => name.toLowerCase() === a.name.toLowerCase());
        expected = { status: taken ? 409 : 201 };
        res = await u.client.raw('POST', '/v1/labels', { name: a.name });
        expectAnswer(res, expected, label);
        if (res.status === 201) {
          const { id } = res.body as { id: string };
          u.labels.set(id, a.name);
          everLabel.push(id);
        }
      } else if (a.kind === 'delete-label') {
        const id = labelRef(a.user, a.target);
        const mine = ownsLabel(a.user, id);
        expected = { status: mine ? 204 : 404 };
        res = await u.client.raw('DELETE', `/v1/labels/${id}`);
        expectAnswer(res, expected, label);
        if (mine) {
          u.labels.delete(id.toLowerCase());
          // Its todos lose it, each with a new version.
          for (const m of todos.values()) {
            if (!m.labels.includes(id.toLowerCase())) continue;
            m.labels = m.labels.filter((x) => x !== id.toLowerCase());
            m.version += 1;
          }
        }
      } else if (a.kind === 'create-list') {
        const id = await createList(u.client, `list ${step}`);
        u.lists.push(id);
        everList.push(id);
        listOwner.set(id, a.user);
      } else if (a.kind === 'delete-list') {
        const deletable = u.lists.filter((l) => l !== u.inbox);
        if (deletable.length > 0) {
          const id = deletable[a.n % deletable.length]!;
          await deleteList(u.client, id);
          u.lists.splice(u.lists.indexOf(id), 1);
          for (const m of [...todos.values()]) if (m.list === id && m.parent === null) forget(m);
          scopes.delete(`l:${id}`);
        }
      } else {
        const query: Record<string, string | number | boolean> = { sort: a.sort, limit: a.limit };
        if (a.completed !== undefined) query.completed = a.completed;
        if (a.list) query.list_id = listRef(a.user, a.list);
        if (a.parent !== undefined) query.parent_id = typeof a.parent === 'string' ? a.parent : todoRef(a.user, a.parent);
        if (a.labels) query.label_id = a.labels.map((r) => labelRef(a.user, r)).join(',');
        if (query.parent_id === 'NONE') {
          expectAnswer(await u.client.list(query), { status: 422, paths: ['query.parent_id'] }, label);
        } else {
          const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);
          const wanted = lower(query.label_id)?.split(',');
          const mine = [...todos.values()].filter(
            (m) =>
              m.owner === a.user &&
              (a.completed === undefined || m.completed === a.completed) &&
              (query.list_id === undefined || m.list === lower(query.list_id)) &&
              (query.parent_id === undefined || (query.parent_id === 'none' ? m.parent === null : m.parent === lower(query.parent_id))) &&
              (wanted === undefined || m.labels.some((l) => wanted.includes(l))),
          );
          const rows = await u.client.listAll(query);
          expect(rows.map((r) => r.id), label).toEqual(expectedOrder(mine.map((m) => seen.get(m.id)!), a.sort));
        }
      }

      if (res && res.status >= 400) expect(await snapshot(), `${label}: a ${res.status} changed nothing`).toEqual(before);
      const after = scopeState();
      const changed = [...new Set([...scopesBefore.keys(), ...after.keys()])].filter((k) => scopesBefore.get(k) !== after.get(k));
      await verify(label, changed);
    }

    // At the end, every place of every list, read one by one, in both orders.
    for (const u of users) {
      for (const list of u.lists) {
        await expectScope(`l:${list}`, 'at the end', { everyone: true });
        await expectScope(`l:${list}`, 'at the end', { sort: '-position' });
      }
    }
    for (const m of todos.values()) if (children(m.id).length > 0) await expectScope(`p:${m.id}`, 'at the end', { everyone: true });
  }, 180_000);
});
