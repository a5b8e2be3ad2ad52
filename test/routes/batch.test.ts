import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../clients/typescript/src/schema.js';
import type { Label, List, Todo } from '../../clients/typescript/src/types.js';
import type { TestApp } from '../helpers/test-app.js';
import { expectStatus, newUser, startAppWithUser, type Call, type TodoClient } from '../helpers/todo-client.js';

type BatchResponse = components['schemas']['BatchResponse'];
type Problem = components['schemas']['Problem'];
type Operation = Record<string, unknown>;

const errorPaths = (res: Call) => ((res.body as Problem).errors ?? []).map((e) => e.path);

/** Every table a batch can write, as one digest per table: equal digests, byte-identical contents. */
const TABLES = ['users', 'lists', 'todos', 'labels', 'todo_labels', 'changes', 'idempotency_keys'];

describe('POST /v1/batch', () => {
  let t: TestApp;
  let me: TodoClient;
  const batch = (c: TodoClient, operations: unknown, headers?: Record<string, string>) => c.raw('POST', '/v1/batch', { operations }, headers);
  const ok = async (c: TodoClient, operations: Operation[], headers?: Record<string, string>) => {
    const res = await batch(c, operations, headers);
    expectStatus(res, 200);
    return (res.body as BatchResponse).results;
  };
  const snapshot = async () => {
    const digests: Record<string, string | null> = {};
    for (const table of TABLES) {
      const [row] = await t.db.query<{ d: string | null }>(`SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) AS d FROM ${table} t`);
      digests[table] = row!.d;
    }
    return digests;
  };

  beforeAll(async () => ({ t, me } = await startAppWithUser()));
  afterAll(() => t.close());

  it('runs every kind of operation in order and answers each as the single operation would', async () => {
    const todo = await me.created({ title: 'to update' });
    const doomed = await me.created({ title: 'to delete' });
    const results = await ok(me, [
      { op: 'create', type: 'list', ref: 'trip', data: { name: 'Trip', color: '#1E90FF' } },
      { op: 'create', type: 'label', ref: 'urgent', data: { name: 'urgent' } },
      { op: 'create', type: 'todo', ref: 'pack', data: { title: '  Pack  ', list_id: '@trip', label_ids: ['@urgent'] } },
      { op: 'create', type: 'todo', ref: 'tent', data: { title: 'Tent', parent_id: '@pack' } },
      { op: 'update', type: 'todo', id: todo.id, if_match: '"1"', data: { completed: true } },
      { op: 'move', type: 'todo', id: todo.id, data: { list_id: '@trip', before_id: '@pack' } },
      { op: 'delete', type: 'todo', id: doomed.id, if_match: '*' },
      { op: 'update', type: 'list', id: '@trip', data: { name: 'Big trip' } },
      { op: 'create', type: 'list', ref: 'later', data: { name: 'Later' } },
      { op: 'move', type: 'list', id: '@later', data: { before_id: '@trip' } },
      { op: 'update', type: 'label', id: '@urgent', data: { color: '#ff0000' } },
      { op: 'create', type: 'label', ref: 'spare', data: { name: 'spare' } },
      { op: 'delete', type: 'label', id: '@spare' },
      { op: 'create', type: 'list', ref: 'gone', data: { name: 'Gone' } },
      { op: 'delete', type: 'list', id: '@gone' },
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 200, 200, 204, 200, 201, 200, 200, 201, 204, 201, 204]);
    const trip = results[0]!.data as List;
    const urgent = results[1]!.data as Label;
    const pack = results[2]!.data as Todo;
    const tent = results[3]!.data as Todo;
    expect(trip).toMatchObject({ name: 'Trip', color: '#1e90ff', version: 1 });
    expect(results[0]!.etag).toBe('"1"');
    expect(pack).toMatchObject({ title: 'Pack', list_id: trip.id, label_ids: [urgent.id] });
    expect(tent).toMatchObject({ parent_id: pack.id, list_id: trip.id });
    expect(results[4]).toMatchObject({ status: 200, etag: '"2"', data: { id: todo.id, completed: true, version: 2 } });
    expect(results[5]!.data).toMatchObject({ id: todo.id, list_id: trip.id, version: 3 });
    expect((results[5]!.data as Todo).position < pack.position).toBe(true);
    expect(results[6]).toEqual({ status: 204, data: null, etag: null });
    expect(results[7]!.data).toMatchObject({ id: trip.id, name: 'Big trip', version: 2 });
    expect(results[9]!.data).toMatchObject({ name: 'Later', version: 2 });
    expect(results[10]!.data).toMatchObject({ id: urgent.id, color: '#ff0000', version: 2 });
    // What the single operations read afterwards.
    expect((await me.get(doomed.id)).status).toBe(404);
    expect((await me.get(tent.id)).body).toMatchObject({ parent_id: pack.id });
    const lists = (await me.raw('GET', '/v1/lists')).body as { data: List[] };
    expect(lists.data.map((l) => l.name)).toEqual(['Inbox', 'Later', 'Big trip']);
    expect((await me.raw('GET', `/v1/labels/${(results[11]!.data as Label).id}`)).status).toBe(404);
  });

  describe('a failure at any position leaves every table byte-identical', () => {
    const valid = (existing: Todo): Operation[] => [
      { op: 'create', type: 'list', ref: 'l', data: { name: 'L' } },
      { op: 'create', type: 'todo', ref: 't', data: { title: 'T', list_id: '@l' } },
      { op: 'update', type: 'todo', id: existing.id, data: { title: 'changed' } },
      { op: 'create', type: 'label', ref: 'x', data: { name: `label ${Math.random()}` } },
      { op: 'delete', type: 'todo', id: '@t' },
    ];
    for (const position of [0, 1, 2, 3, 4, 5]) {
      it(`a 404 at operation ${position}`, async () => {
        const existing = await me.created({ title: 'existing' });
        const operations = valid(existing);
        operations.splice(position, 0, { op: 'update', type: 'todo', id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f', data: { title: 'nobody' } });
        const before = await snapshot();
        const res = await batch(me, operations);
        expectStatus(res, 404);
        expect(res.body).toMatchObject({ code: 'not_found', detail: expect.stringMatching(new RegExp(`^Operation ${position}: No todo with this id`)) });
        expect(errorPaths(res)).toEqual([`operations/${position}/id`]);
        expect(await snapshot()).toEqual(before);
      });
    }

    it('a 412 on a stale if_match at the last operation', async () => {
      const existing = await me.created({ title: 'existing' });
      await me.patch(existing.id, { title: 'v2' });
      const before = await snapshot();
      const res = await batch(me, [...valid(existing), { op: 'update', type: 'todo', id: existing.id, if_match: '"1"', data: { completed: true } }]);
      expectStatus(res, 412);
      expect(errorPaths(res)).toEqual(['operations/5/if_match']);
      expect(await snapshot()).toEqual(before);
    });

    it('a 422 from the database (a label of no one) names the path inside the operation', async () => {
      const before = await snapshot();
      const res = await batch(me, [
        { op: 'create', type: 'todo', data: { title: 'fine' } },
        { op: 'create', type: 'todo', data: { title: 'bad label', label_ids: ['019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f'] } },
      ]);
      expectStatus(res, 422);
      expect(errorPaths(res)).toEqual(['operations/1/data/label_ids/0']);
      expect(await snapshot()).toEqual(before);
    });

    it('a 409 label_exists and a 409 default_list', async () => {
      const inbox = ((await me.raw('GET', '/v1/lists')).body as { data: List[] }).data.find((l) => l.is_default)!;
      const before = await snapshot();
      const dup = await batch(me, [
        { op: 'create', type: 'label', data: { name: 'twice' } },
        { op: 'create', type: 'label', data: { name: 'TWICE' } },
      ]);
      expectStatus(dup, 409);
      expect(dup.body).toMatchObject({ code: 'label_exists' });
      expect(errorPaths(dup)).toEqual(['operations/1/data/name']);
      const inboxDelete = await batch(me, [{ op: 'create', type: 'todo', data: { title: 'x' } }, { op: 'delete', type: 'list', id: inbox.id }]);
      expectStatus(inboxDelete, 409);
      expect(inboxDelete.body).toMatchObject({ code: 'default_list' });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('bad input is a 4xx before anything runs', () => {
    it('validation failures name every field with batch paths', async () => {
      const before = await snapshot();
      const res = await batch(me, [
        { op: 'create', type: 'todo', data: { title: 'fine' } },
        { op: 'create', type: 'todo', data: { title: '   ' } },
        { op: 'move', type: 'label', id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f', data: {} },
        { op: 'explode', type: 'todo' },
        { op: 'create', type: 'folder', data: {} },
        { op: 'create', type: 'todo', data: { title: 'x', titel: 'y' } },
        { op: 'delete', type: 'todo', id: 'not-an-id' },
        { op: 'delete', type: 'todo', id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f', data: {} },
      ]);
      expectStatus(res, 422);
      expect(errorPaths(res)).toEqual([
        'operations/1/data/title',
        'operations/2/op',
        'operations/3/op',
        'operations/4/type',
        'operations/5/data/titel',
        'operations/6/id',
        'operations/7/data',
      ]);
      const errors = (res.body as Problem).errors!;
      expect(errors[1]!.message).toMatch(/labels have no order, so no move/);
      expect(errors[4]!.message).toMatch(/did you mean title\?/);
      expect(await snapshot()).toEqual(before);
    });

    it('references: unknown, later, own, of the wrong kind, and a ref used twice', async () => {
      const res = await batch(me, [
        { op: 'create', type: 'todo', data: { title: 'a', list_id: '@nowhere' } },
        { op: 'create', type: 'todo', data: { title: 'b', list_id: '@later' } },
        { op: 'create', type: 'todo', ref: 'self', data: { title: 'c', parent_id: '@self' } },
        { op: 'create', type: 'label', ref: 'lbl', data: { name: 'l' } },
        { op: 'create', type: 'todo', data: { title: 'd', list_id: '@lbl', label_ids: ['@self'] } },
        { op: 'create', type: 'list', ref: 'later', data: { name: 'Later' } },
        { op: 'create', type: 'list', ref: 'later', data: { name: 'Again' } },
        { op: 'update', type: 'list', id: '@lbl', data: { name: 'x' } },
      ]);
      expectStatus(res, 422);
      expect(errorPaths(res)).toEqual([
        'operations/0/data/list_id',
        'operations/1/data/list_id',
        'operations/2/data/parent_id',
        'operations/4/data/list_id',
        'operations/4/data/label_ids/0',
        'operations/6/ref',
        'operations/7/id',
      ]);
      const messages = (res.body as Problem).errors!.map((e) => e.message);
      expect(messages[0]).toMatch(/No operation of this batch has ref "nowhere"/);
      expect(messages[1]).toMatch(/operation 5, which does not come before/);
      expect(messages[3]).toMatch(/@lbl is a label \(operation 3\); this field takes a list/);
    });

    it('no operations, too many, no body, unknown fields and a ref on an update', async () => {
      for (const [body, path] of [
        [{ operations: [] }, 'operations'],
        [{ operations: Array.from({ length: 101 }, () => ({ op: 'create', type: 'label', data: { name: 'x' } })) }, 'operations'],
        [{}, 'operations'],
        [{ operations: [{ op: 'create', type: 'todo', data: { title: 'x' } }], extra: 1 }, 'extra'],
        [{ operations: [{ op: 'update', type: 'todo', id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f', ref: 'x', data: {} }] }, 'operations/0/ref'],
      ] as const) {
        const res = await me.raw('POST', '/v1/batch', body);
        expectStatus(res, 422, JSON.stringify(body).slice(0, 80));
        expect(errorPaths(res)[0]).toBe(path);
      }
    });

    it('an unquoted if_match is the single operation\'s 400 invalid_if_match', async () => {
      const todo = await me.created({ title: 'x' });
      const res = await batch(me, [{ op: 'update', type: 'todo', id: todo.id, if_match: '1', data: { title: 'y' } }]);
      expectStatus(res, 400);
      expect(res.body).toMatchObject({ code: 'invalid_if_match' });
      expect(errorPaths(res)).toEqual(['operations/0/if_match']);
      expect((await me.get(todo.id)).body).toMatchObject({ title: 'x' });
    });

    it('NUL characters are refused by the schema', async () => {
      const res = await batch(me, [{ op: 'create', type: 'todo', data: { title: 'a\u0000b' } }]);
      expectStatus(res, 422);
      expect(errorPaths(res)).toEqual(['operations/0/data/title']);
    });
  });

  it('Idempotency-Key covers the whole batch: a retry replays the 200 and writes nothing; another body with the key is a 422', async () => {
    const key = crypto.randomUUID();
    const operations = [
      { op: 'create', type: 'list', ref: 'l', data: { name: 'Keyed' } },
      { op: 'create', type: 'todo', data: { title: 'keyed', list_id: '@l' } },
    ];
    const first = await batch(me, operations, { 'idempotency-key': key });
    expectStatus(first, 200);
    const before = await snapshot();
    const again = await batch(me, operations, { 'idempotency-key': key });
    expectStatus(again, 200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await snapshot()).toEqual(before);
    const other = await batch(me, [operations[0]], { 'idempotency-key': key });
    expectStatus(other, 422);
    expect(other.body).toMatchObject({ code: 'idempotency_key_reused' });
    // A failed batch stores nothing: its key is free for the corrected batch.
    const failedKey = crypto.randomUUID();
    expectStatus(await batch(me, [{ op: 'delete', type: 'todo', id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f' }], { 'idempotency-key': failedKey }), 404);
    expectStatus(await batch(me, [operations[0]], { 'idempotency-key': failedKey }), 200);
  });

  it('a batch and a single write racing on one todo with If-Match: one wins, the other is a 412, nothing half-written', async () => {
    for (let round = 0; round < 10; round += 1) {
      const todo = await me.created({ title: `race ${round}` });
      const marker = `made by batch ${round}`;
      const [viaBatch, single] = await Promise.all([
        batch(me, [
          { op: 'create', type: 'todo', data: { title: marker } },
          { op: 'update', type: 'todo', id: todo.id, if_match: '"1"', data: { title: 'batch won' } },
        ]),
        me.patch(todo.id, { title: 'single won' }, { 'if-match': '"1"' }),
      ]);
      expect([viaBatch.status, single.status].sort()).toEqual([200, 412]);
      const now = (await me.get(todo.id)).body as Todo;
      const made = await t.db.query('SELECT id FROM todos WHERE title = $1', [marker]);
      if (viaBatch.status === 200) {
        expect(now).toMatchObject({ title: 'batch won', version: 2 });
        expect(made).toHaveLength(1);
      } else {
        expect(viaBatch.body).toMatchObject({ code: 'precondition_failed', errors: [{ path: 'operations/1/if_match' }] });
        expect(now).toMatchObject({ title: 'single won', version: 2 });
        expect(made).toHaveLength(0);
      }
    }
  });

  it('concurrent batches of one user over the same todos, in opposite orders, neither deadlock nor lose a write', async () => {
    const todos = await Promise.all(Array.from({ length: 8 }, (_, i) => me.created({ title: `shared ${i}` })));
    const rounds = 6;
    const answers = await Promise.all(
      Array.from({ length: rounds }, (_, round) => {
        const order = round % 2 === 0 ? todos : [...todos].reverse();
        return batch(me, order.map((todo) => ({ op: 'update', type: 'todo', id: todo.id, data: { description: `round ${round}` } })));
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: rounds }, () => 200));
    // Each batch ran whole, one after another: every todo was written once per batch and ends with one batch's value.
    const now = await Promise.all(todos.map(async (todo) => (await me.get(todo.id)).body as Todo));
    expect(now.map((todo) => todo.version)).toEqual(todos.map(() => rounds + 1));
    expect(new Set(now.map((todo) => todo.description)).size).toBe(1);
  });

  it('the change feed after a batch is the feed after the same single operations', async () => {
    /** A feed without what differs between two users: ids become their order of first appearance, times go. */
    const normalised = async (c: TodoClient) => {
      const body = (await c.raw('GET', '/v1/changes?limit=1000')).body as { data: Array<Record<string, unknown>> };
      const ids = new Map<string, string>();
      const TIME = new Set(['changed_at', 'created_at', 'updated_at', 'completed_at']);
      const walk = (value: unknown): unknown => {
        if (typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(value)) {
          if (!ids.has(value)) ids.set(value, `id${ids.size}`);
          return ids.get(value);
        }
        if (Array.isArray(value)) return value.map(walk);
        if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => !TIME.has(k) && k !== 'seq').map(([k, v]) => [k, walk(v)]));
        return value;
      };
      return body.data.map(walk);
    };
    const single = await newUser(t);
    const batched = await newUser(t);
    // The same work, one request per operation, then in one batch.
    const list = ((await single.raw('POST', '/v1/lists', { name: 'Feed' })).body as List).id;
    const todo = (await single.created({ title: 'fed', list_id: list })).id;
    const label = ((await single.raw('POST', '/v1/labels', { name: 'fed' })).body as Label).id;
    expectStatus(await single.patch(todo, { label_ids: [label], completed: true }), 200);
    const gone = (await single.created({ title: 'gone' })).id;
    expectStatus(await single.remove(gone), 204);
    expectStatus(await single.raw('PATCH', `/v1/lists/${list}`, { name: 'Feed 2' }), 200);
    expectStatus(await single.move(todo, { list_id: (await single.created({ title: 'anchor' })).list_id }), 200);
    expectStatus(await single.raw('DELETE', `/v1/labels/${label}`), 204);

    await ok(batched, [
      { op: 'create', type: 'list', ref: 'list', data: { name: 'Feed' } },
      { op: 'create', type: 'todo', ref: 'todo', data: { title: 'fed', list_id: '@list' } },
      { op: 'create', type: 'label', ref: 'label', data: { name: 'fed' } },
      { op: 'update', type: 'todo', id: '@todo', data: { label_ids: ['@label'], completed: true } },
      { op: 'create', type: 'todo', ref: 'gone', data: { title: 'gone' } },
      { op: 'delete', type: 'todo', id: '@gone' },
      { op: 'update', type: 'list', id: '@list', data: { name: 'Feed 2' } },
      { op: 'create', type: 'todo', data: { title: 'anchor' } },
      { op: 'move', type: 'todo', id: '@todo', data: { list_id: ((await batched.raw('GET', '/v1/lists')).body as { data: List[] }).data[0]!.id } },
      { op: 'delete', type: 'label', id: '@label' },
    ]);
    const expected = await normalised(single);
    expect(expected.length).toBeGreaterThan(3);
    expect(await normalised(batched)).toEqual(expected);
  });

  it('a batch of 100 operations takes well under DB_STATEMENT_TIMEOUT_MS, every one of its statements far less', async () => {
    const operations: Operation[] = [
      { op: 'create', type: 'list', ref: 'big', data: { name: 'Big' } },
      ...Array.from({ length: 9 }, (_, i) => ({ op: 'create', type: 'label', ref: `l${i}`, data: { name: `big ${i} ${Math.random()}` } })),
      ...Array.from({ length: 60 }, (_, i) => ({ op: 'create', type: 'todo', ref: `t${i}`, data: { title: `big ${i}`, list_id: '@big', label_ids: [`@l${i % 9}`] } })),
      ...Array.from({ length: 20 }, (_, i) => ({ op: 'update', type: 'todo', id: `@t${i}`, if_match: '"1"', data: { completed: true } })),
      ...Array.from({ length: 10 }, (_, i) => ({ op: 'move', type: 'todo', id: `@t${59 - i}`, data: { before_id: '@t0' } })),
    ];
    expect(operations).toHaveLength(100);
    const started = performance.now();
    const results = await ok(me, operations);
    const ms = performance.now() - started;
    expect(results).toHaveLength(100);
    expect(ms).toBeLessThan(t.config.dbStatementTimeoutMs / 4);
    console.info(`a batch of 100 operations: ${Math.round(ms)} ms`);
  });

  it("another user's ids are a 404, exactly like ids that do not exist", async () => {
    const mine = await me.created({ title: 'mine' });
    const other = await newUser(t);
    const res = await batch(other, [{ op: 'delete', type: 'todo', id: mine.id }]);
    expectStatus(res, 404);
    const list = await batch(other, [{ op: 'create', type: 'todo', data: { title: 'x', list_id: mine.list_id } }]);
    expectStatus(list, 422);
    expect(errorPaths(list)).toEqual(['operations/0/data/list_id']);
    expect((await me.get(mine.id)).status).toBe(200);
  });
});
