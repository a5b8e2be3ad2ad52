import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

/** A 404 body without the parts that differ per request. */
const comparable = (res: Call) => {
  const { request_id: _id, instance: _instance, ...rest } = res.body as Record<string, unknown>;
  return { status: res.status, contentType: res.headers.get('content-type'), body: rest };
};

describe("isolation: user B and user A's todos", () => {
  let t: TestApp;
  let alice: TodoClient;
  let bob: TodoClient;
  let aliceTodos: Array<Record<string, unknown> & { id: string }>;
  beforeAll(async () => {
    t = await startTestApp();
    alice = await newUser(t);
    bob = await newUser(t);
    aliceTodos = [];
    for (const title of ['alpha secret', 'beta secret', 'gamma']) {
      aliceTodos.push(await alice.created({ title, description: 'only for alice', priority: 'high', due_at: '2026-12-24T00:00:00Z' }));
    }
    await bob.create({ title: 'bob own todo' });
  });
  afterAll(() => t.close());

  const operations: Array<[string, (c: TodoClient, id: string) => Promise<Call>]> = [
    ['GET', (c, id) => c.get(id)],
    ['GET with If-None-Match', (c, id) => c.get(id, { 'if-none-match': '"1"' })],
    ['PATCH', (c, id) => c.patch(id, { title: 'stolen', completed: true })],
    ['DELETE', (c, id) => c.remove(id)],
    ['POST move', (c, id) => c.move(id, {})],
  ];

  it.each(operations)('%s on an id of A is a 404 identical to one for a random id', async (_name, op) => {
    for (const todo of aliceTodos) {
      const theirs = await op(bob, todo.id);
      const random = await op(bob, randomUUID());
      expect(theirs.status).toBe(404);
      expect(comparable(theirs)).toEqual(comparable(random));
      expect(theirs.headers.get('etag')).toBeNull();
    }
  });

  it("B's lists, filters, sorts and searches never contain A's todos", async () => {
    const queries: Array<Record<string, string | number>> = [
      {},
      { q: 'secret' },
      { q: 'alice' },
      { priority: 'high' },
      { completed: 'false' },
      { due_after: '2026-01-01T00:00:00Z' },
      { updated_since: '2000-01-01T00:00:00Z' },
      { sort: 'due_at' },
      { sort: '-priority', limit: 1 },
    ];
    for (const query of queries) {
      const rows = await bob.listAll(query);
      expect(rows.every((r) => r.title === 'bob own todo'), JSON.stringify(query)).toBe(true);
    }
  });

  // Every id a body or filter names (issue 12): A's list, todo (as parent or neighbour) and label behave for B exactly like random ids.
  it("A's ids in B's bodies are the same 422 as random ids, and change nothing", async () => {
    const aliceListId = aliceTodos[0]!.list_id as string;
    const label = await alice.raw<{ status: number; headers: Headers; body: { id: string } }>('POST', '/v1/labels', { name: 'alice label' });
    expectStatus(label, 201);
    const bobTodo = await bob.created({ title: 'bob movable' });
    const attempts: Array<[string, (id: string) => Promise<Call>]> = [
      ['create list_id', (id) => bob.create({ title: 'x', list_id: id })],
      ['create parent_id', (id) => bob.create({ title: 'x', parent_id: id })],
      ['create label_ids', (id) => bob.create({ title: 'x', label_ids: [id] })],
      ['patch list_id', (id) => bob.patch(bobTodo.id, { list_id: id })],
      ['patch parent_id', (id) => bob.patch(bobTodo.id, { parent_id: id })],
      ['patch label_ids', (id) => bob.patch(bobTodo.id, { label_ids: [id] })],
      ['move list_id', (id) => bob.move(bobTodo.id, { list_id: id })],
      ['move parent_id', (id) => bob.move(bobTodo.id, { parent_id: id })],
      ['move after_id', (id) => bob.move(bobTodo.id, { after_id: id })],
      ['move before_id', (id) => bob.move(bobTodo.id, { before_id: id })],
    ];
    const aliceIdFor = (name: string) => (name.endsWith('list_id') ? aliceListId : name.endsWith('label_ids') ? label.body.id : aliceTodos[0]!.id);
    for (const [name, attempt] of attempts) {
      const theirs = await attempt(aliceIdFor(name));
      const random = await attempt(randomUUID());
      expect(theirs.status, name).toBe(422);
      expect(comparable(theirs), name).toEqual(comparable(random));
    }
    const after = await bob.get(bobTodo.id);
    expectStatus(after, 200);
    expect(after.body).toEqual(bobTodo);
  });

  // The depth rule must not be checked against another user's tree: a "4 levels" answer would tell B that the id exists.
  it("another user's deep todo as B's parent is the same 422 as a random id, whatever the depths", async () => {
    const carol = await newUser(t);
    const chain = [await carol.created({ title: 'carol 1' })];
    for (let i = 2; i <= 4; i++) chain.push(await carol.created({ title: `carol ${i}`, parent_id: chain.at(-1)!.id }));
    const top = await bob.created({ title: 'bob top' });
    await bob.created({ title: 'bob sub', parent_id: (await bob.created({ title: 'bob mid', parent_id: top.id })).id });
    const attempts: Array<[string, (id: string) => Promise<Call>]> = [
      ['create parent_id', (id) => bob.create({ title: 'x', parent_id: id })],
      ['patch parent_id', (id) => bob.patch(top.id, { parent_id: id })],
      ['move parent_id', (id) => bob.move(top.id, { parent_id: id })],
    ];
    for (const [name, attempt] of attempts) {
      const random = await attempt(randomUUID());
      for (const theirs of chain) {
        const res = await attempt(theirs.id);
        expect(res.status, name).toBe(422);
        expect(comparable(res), `${name} under carol's level ${chain.indexOf(theirs) + 1}`).toEqual(comparable(random));
      }
    }
    const after = await bob.get(top.id);
    expectStatus(after, 200);
    expect(after.body).toMatchObject({ parent_id: null, position: top.position, version: top.version });
  });

  it("A's list, parent and label ids as B's filters give B an empty page", async () => {
    const label = await alice.raw<{ status: number; headers: Headers; body: { data: Array<{ id: string }> } }>('GET', '/v1/labels');
    expectStatus(label, 200);
    const queries: Array<Record<string, string>> = [{ list_id: aliceTodos[0]!.list_id as string }, { parent_id: aliceTodos[0]!.id }, { label_id: label.body.data[0]!.id }];
    for (const query of queries) {
      const page = await bob.list({ ...query, sort: 'position' });
      expectStatus(page, 200);
      expect(page.body.data, JSON.stringify(query)).toEqual([]);
    }
  });

  it("A's cursor shows B nothing of A's", async () => {
    const page = await alice.list({ limit: 1 });
    expectStatus(page, 200);
    const res = await bob.list({ limit: 1, cursor: page.body.next_cursor! });
    expectStatus(res, 422);
  });

  it("A's todos are unchanged afterwards", async () => {
    for (const todo of aliceTodos) {
      const res = await alice.get(todo.id);
      expectStatus(res, 200);
      expect(res.body).toEqual(todo);
    }
    expect(await alice.listAll()).toHaveLength(3);
  });
});
