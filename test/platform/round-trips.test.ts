import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { List, ListPage } from '../../clients/typescript/src/types.js';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.js';
import { expectStatus, newUser, type TodoClient } from '../helpers/todo-client.js';

// Statements each request sends to PostgreSQL in steady state (the caller's user is cached).
// On Neon every statement is a network round trip, often through a pooler: this is the budget.

async function statementsOf(spy: ReturnType<typeof spyOnStatements>, call: () => Promise<{ status: number }>) {
  spy.reset();
  const res = await call();
  expect(res.status).toBeLessThan(300);
  return [...spy.sent];
}

/** An app on a database of its own, and a user with one todo: what the counts are taken on. */
async function measuredApp(options: TestAppOptions): Promise<{ t: TestApp; me: TodoClient; id: string }> {
  const t = await startTestApp(options);
  const me = await newUser(t);
  return { t, me, id: (await me.created({ title: 'measured' })).id };
}

// A search (q) sets its own, tighter statement timeout (DB_SEARCH_STATEMENT_TIMEOUT_MS), which
// needs a transaction: BEGIN, set_config, the page, COMMIT. Every other page stays one statement.
describe.each([
  { roleTimeouts: true, read: 1, write: 3, search: 4 },
  { roleTimeouts: false, read: 4, write: 4, search: 5 },
])('statements per request (role timeouts: $roleTimeouts)', ({ roleTimeouts, read, write, search }) => {
  const spy = spyOnStatements();
  let t: TestApp;
  let me: TodoClient;
  let id: string;
  beforeAll(async () => {
    ({ t, me, id } = await measuredApp({ roleTimeouts }));
    spy.install();
  });
  afterAll(async () => {
    spy.restore();
    await t.close();
  });

  it(`GET /v1/todos/{id}: ${read}`, async () => {
    expect(await statementsOf(spy, () => me.get(id))).toHaveLength(read);
  });

  it(`GET /v1/todos (a page): ${read}`, async () => {
    expect(await statementsOf(spy, () => me.list({ limit: 20 }))).toHaveLength(read);
  });

  it(`GET /v1/todos?q= (a search): ${search}, its timeout set in its own transaction`, async () => {
    const sent = await statementsOf(spy, () => me.list({ q: 'measured' }));
    expect(sent).toHaveLength(search);
    expect(sent[0]).toMatch(/^START TRANSACTION/);
    expect(sent.filter((sql) => sql.includes("set_config('statement_timeout', $1, true)"))).not.toHaveLength(0);
    expect(sent.at(-1)).toMatch(/^COMMIT/);
  });

  it(`POST, PATCH and DELETE /v1/todos: ${write} each, BEGIN and COMMIT included (the todo quota is checked inside the INSERT)`, async () => {
    const created = await statementsOf(spy, () => me.create({ title: 'one more' }));
    expect(created).toHaveLength(write);
    expect(created[0]).toMatch(/^START TRANSACTION/);
    expect(created.find((sql) => sql.startsWith('INSERT INTO todos'))).toMatch(/todo_count/);
    expect(created.at(-1)).toMatch(/^COMMIT/);
    expect(await statementsOf(spy, () => me.patch(id, { title: `changed ${Math.random()}` }))).toHaveLength(write);
    const victim = (await me.created({ title: 'to delete' })).id;
    expect(await statementsOf(spy, () => me.remove(victim))).toHaveLength(write);
  });

  // Issue 12: list, parent and labels ride in the create's INSERT (the trigger and foreign keys
  // check them); a move reserves the end key (the lock), reads its context, writes one row.
  it(`a create with list, parent and labels: ${write}; a filtered page in position order: ${read}; a move: ${write + 2}; a PATCH to another list: ${write + 1}`, async () => {
    const label = await me.raw<{ status: number; headers: Headers; body: { id: string } }>('POST', '/v1/labels', { name: `l${Math.random()}` });
    const parent = await me.created({ title: 'parent' });
    const list_id = parent.list_id;
    const created = await statementsOf(spy, () => me.create({ title: 'child', list_id, parent_id: parent.id, label_ids: [label.body.id] }));
    expect(created).toHaveLength(write);
    const page = () => me.list({ list_id, parent_id: parent.id, label_id: label.body.id, sort: 'position', limit: 20 });
    expect(await statementsOf(spy, page)).toHaveLength(read);
    expect(await statementsOf(spy, () => me.move(parent.id, { before_id: id }))).toHaveLength(write + 2);
    const other = await me.raw('POST', '/v1/lists', { name: 'other' });
    expectStatus(other, 201);
    expect(await statementsOf(spy, () => me.patch(parent.id, { list_id: (other.body as List).id }))).toHaveLength(write + 1);
  });

  it(`GET /v1/lists/{id} and a page of lists, counts included: ${read} each`, async () => {
    const created = await me.raw('POST', '/v1/lists', { name: 'measured list' });
    expectStatus(created, 201);
    expect(await statementsOf(spy, () => me.raw('GET', `/v1/lists/${(created.body as List).id}`))).toHaveLength(read);
    const page = await statementsOf(spy, () => me.raw('GET', '/v1/lists?limit=20'));
    expect(page).toHaveLength(read);
    expect(page.find((sql) => sql.includes('FROM lists'))).toMatch(/todo_count, open_todo_count/);
  });

  it(`POST /v1/lists: ${write + 1}, PATCH and DELETE: ${write}, a move: ${write + 2} (the user row's lock first, then the gap, then the write)`, async () => {
    const created = await statementsOf(spy, () => me.raw('POST', '/v1/lists', { name: 'one more list' }));
    expect(created).toHaveLength(write + 1);
    expect(created.filter((sql) => /^UPDATE users SET position_seq/.test(sql))).toHaveLength(1);
    expect(created.find((sql) => sql.startsWith('INSERT INTO lists'))).toMatch(/list_count/);
    const [first, second] = ((await me.raw('GET', '/v1/lists?limit=100')).body as ListPage).data;
    expect(await statementsOf(spy, () => me.raw('PATCH', `/v1/lists/${second!.id}`, { name: `changed ${Math.random()}` }))).toHaveLength(write);
    const moved = await statementsOf(spy, () => me.raw('POST', `/v1/lists/${second!.id}/move`, { before_id: first!.id }));
    expect(moved).toHaveLength(write + 2);
    expect(moved[roleTimeouts ? 1 : 2]).toMatch(/^UPDATE users SET position_seq/);
    expect(await statementsOf(spy, () => me.raw('DELETE', `/v1/lists/${second!.id}`))).toHaveLength(write);
  });

  // Issue 14: a batch is its operations' statements in one transaction, and nothing per operation besides.
  it(`POST /v1/batch of 20 todo creates or 20 updates: ${write - 1} + 20; of 20 list creates: ${write - 1} + 40 (each reserves its end key)`, async () => {
    const creates = Array.from({ length: 20 }, (_, i) => ({ op: 'create', type: 'todo', ref: `t${i}`, data: { title: `batched ${i}` } }));
    const created = await statementsOf(spy, () => me.raw('POST', '/v1/batch', { operations: creates }));
    expect(created).toHaveLength(write - 1 + 20);
    expect(created.filter((sql) => sql.startsWith('INSERT INTO todos'))).toHaveLength(20);
    const ids = ((await me.list({ limit: 20, sort: '-created_at' })).body as { data: Array<{ id: string }> }).data.map((todo) => todo.id);
    const updates = ids.map((todoId, i) => ({ op: 'update', type: 'todo', id: todoId, if_match: '"1"', data: { completed: true, priority: i % 2 === 0 ? 'high' : 'low' } }));
    expect(await statementsOf(spy, () => me.raw('POST', '/v1/batch', { operations: updates }))).toHaveLength(write - 1 + 20);
    const lists = Array.from({ length: 20 }, (_, i) => ({ op: 'create', type: 'list', data: { name: `batched ${i}` } }));
    expect(await statementsOf(spy, () => me.raw('POST', '/v1/batch', { operations: lists }))).toHaveLength(write - 1 + 40);
  });

  it('no statement looks up the caller', async () => {
    spy.reset();
    await me.get(id);
    await me.create({ title: 'again' });
    // The create's INSERT reads the quota counter in the user's row, inside the same statement.
    expect(spy.sent.filter((sql) => /\busers\b/.test(sql) && !sql.startsWith('INSERT INTO todos'))).toEqual([]);
  });
});

// Past USER_CACHE_TTL_MS an instance asks the database whether its cached user still stands: one
// SELECT by subject (the row, or the fresh account of an erased one), not the upsert and its read.
describe('statements when the cached user is past USER_CACHE_TTL_MS', () => {
  const spy = spyOnStatements();
  let t: TestApp;
  let me: TodoClient;
  let id: string;
  beforeAll(async () => {
    ({ t, me, id } = await measuredApp({ env: { USER_CACHE_TTL_MS: '0' } }));
    spy.install();
  });
  afterAll(async () => {
    spy.restore();
    await t.close();
  });

  it('a read costs one statement more: the user, by subject', async () => {
    const sent = await statementsOf(spy, () => me.get(id));
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^SELECT id, email FROM users WHERE subject = \$1/);
  });

  it('a write costs one statement more, outside its transaction', async () => {
    const sent = await statementsOf(spy, () => me.patch(id, { title: `changed ${Math.random()}` }));
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatch(/^SELECT id, email FROM users WHERE subject = \$1/);
    expect(sent[1]).toMatch(/^START TRANSACTION/);
  });
});
