import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { List, ListPage } from '../../clients/typescript/src/types.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

/** A problem body without the parts that differ per request. */
const comparable = (res: Call) => {
  const { request_id: _id, instance: _instance, ...rest } = res.body as Record<string, unknown>;
  return { status: res.status, contentType: res.headers.get('content-type'), body: rest };
};

describe("isolation: user B and user A's lists", () => {
  let t: TestApp;
  let alice: TodoClient;
  let bob: TodoClient;
  let aliceLists: List[];
  let bobList: List;
  const snapshot = () => t.db.query('SELECT id, user_id, name, color, position, archived, version, updated_at, todo_count FROM lists ORDER BY id');
  const todosSnapshot = () => t.db.query('SELECT id, list_id, version FROM todos ORDER BY id');
  beforeAll(async () => {
    t = await startTestApp();
    alice = await newUser(t);
    bob = await newUser(t);
    for (const name of ['Secret', 'Alpha']) expectStatus(await alice.raw('POST', '/v1/lists', { name, color: '#ff0000' }), 201);
    const archived = await alice.raw('POST', '/v1/lists', { name: 'Archived secret' });
    expectStatus(archived, 201);
    expectStatus(await alice.raw('PATCH', `/v1/lists/${(archived.body as List).id}`, { archived: true }), 200);
    const active = (await alice.raw('GET', '/v1/lists?limit=100')).body as ListPage;
    const shelved = (await alice.raw('GET', '/v1/lists?limit=100&archived=true')).body as ListPage;
    // Her default list too: to B it is a 404 like any other id, never a 409 default_list.
    aliceLists = [...active.data, ...shelved.data];
    expect(aliceLists.map((l) => l.name)).toEqual(['Inbox', 'Secret', 'Alpha', 'Archived secret']);
    const aliceId = (await t.db.query<{ user_id: string }>('SELECT user_id FROM lists WHERE id = $1', [aliceLists[1]!.id]))[0]!.user_id;
    for (const list of aliceLists) {
      await t.db.query(
        `INSERT INTO todos (user_id, id, list_id, title, completed, priority, created_at, updated_at) VALUES ($1, $2, $3, 'hers', false, 0, now(), now())`,
        [aliceId, uuidv7(), list.id],
      );
    }
    const own = await bob.raw('POST', '/v1/lists', { name: 'bob own list' });
    expectStatus(own, 201);
    bobList = own.body as List;
  });
  afterAll(() => t.close());

  const operations: Array<[string, (c: TodoClient, id: string) => Promise<Call>]> = [
    ['GET', (c, id) => c.raw('GET', `/v1/lists/${id}`)],
    ['GET with If-None-Match', (c, id) => c.raw('GET', `/v1/lists/${id}`, undefined, { 'if-none-match': '"1"' })],
    ['PATCH', (c, id) => c.raw('PATCH', `/v1/lists/${id}`, { name: 'stolen', color: null })],
    ['PATCH archived', (c, id) => c.raw('PATCH', `/v1/lists/${id}`, { archived: true })],
    ['PATCH with If-Match', (c, id) => c.raw('PATCH', `/v1/lists/${id}`, { name: 'stolen' }, { 'if-match': '"1"' })],
    ['DELETE', (c, id) => c.raw('DELETE', `/v1/lists/${id}`)],
    ['DELETE with If-Match', (c, id) => c.raw('DELETE', `/v1/lists/${id}`, undefined, { 'if-match': '"1"' })],
    ['move to the end', (c, id) => c.raw('POST', `/v1/lists/${id}/move`, {})],
    ['move with If-Match', (c, id) => c.raw('POST', `/v1/lists/${id}/move`, {}, { 'if-match': '"1"' })],
    ['move after one of B', (c, id) => c.raw('POST', `/v1/lists/${id}/move`, { after_id: bobList.id })],
  ];

  it.each(operations)('%s on an id of A is a 404 identical to one for a random id, and changes nothing', async (_name, op) => {
    const before = await snapshot();
    const todos = await todosSnapshot();
    for (const list of aliceLists) {
      const theirs = await op(bob, list.id);
      const random = await op(bob, randomUUID());
      expect(theirs.status).toBe(404);
      expect(comparable(theirs)).toEqual(comparable(random));
      expect(theirs.headers.get('etag')).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
    expect(await todosSnapshot()).toEqual(todos);
  });

  it.each(['before_id', 'after_id'])("A's list as %s of B's move is the same 422 as a random id, and changes nothing", async (side) => {
    const before = await snapshot();
    for (const list of aliceLists) {
      const theirs = await bob.raw('POST', `/v1/lists/${bobList.id}/move`, { [side]: list.id });
      const random = await bob.raw('POST', `/v1/lists/${bobList.id}/move`, { [side]: randomUUID() });
      expect(theirs.status).toBe(422);
      expect(comparable(theirs)).toEqual(comparable(random));
      expect(theirs.body).toMatchObject({ errors: [{ path: `body.${side}` }] });
    }
    expect(await snapshot()).toEqual(before);
  });

  it("B's pages never show A's lists or count A's todos, archived or not; B's usage counts B's lists only", async () => {
    const page = await bob.raw('GET', '/v1/lists?limit=100');
    expectStatus(page, 200);
    const lists = (page.body as ListPage).data;
    expect(lists.map((l) => [l.name, l.todo_count, l.open_todo_count])).toEqual([
      ['Inbox', 0, 0],
      ['bob own list', 0, 0],
    ]);
    expect(lists.every((l) => !aliceLists.some((a) => a.id === l.id))).toBe(true);
    expect(((await bob.raw('GET', '/v1/lists?archived=true')).body as ListPage).data).toEqual([]);
    const meB = await bob.me();
    expectStatus(meB, 200);
    expect(meB.body.usage).toMatchObject({ lists: 2, todos: 0 });
    // A's own view is untouched and counts her todos.
    const hers = ((await alice.raw('GET', '/v1/lists?limit=100')).body as ListPage).data;
    expect(hers.map((l) => [l.name, l.todo_count])).toEqual([
      ['Inbox', 1],
      ['Secret', 1],
      ['Alpha', 1],
    ]);
  });

  it("a cursor of A's pages is a 422 for B", async () => {
    const first = (await alice.raw('GET', '/v1/lists?limit=1')).body as ListPage;
    const res = await bob.raw('GET', `/v1/lists?limit=1&cursor=${encodeURIComponent(first.next_cursor!)}`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ errors: [{ path: 'query.cursor' }] });
  });
});
