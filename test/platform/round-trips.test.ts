import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type TodoClient } from '../helpers/todo-client.js';

// Statements each request sends to PostgreSQL in steady state (the caller's user is cached).
// On Neon every statement is a network round trip, often through a pooler: this is the budget.

async function statementsOf(spy: ReturnType<typeof spyOnStatements>, call: () => Promise<{ status: number }>) {
  spy.reset();
  const res = await call();
  expect(res.status).toBeLessThan(300);
  return [...spy.sent];
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
    t = await startTestApp({ roleTimeouts });
    me = await newUser(t);
    id = (await me.created({ title: 'measured' })).id;
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
    const other = (await t.db.query<{ id: string }>(
      "INSERT INTO lists (id, user_id, name, position, created_at, updated_at) SELECT gen_random_uuid(), user_id, 'other', 'x' || md5(random()::text), now(), now() FROM todos WHERE id = $1 RETURNING id",
      [id],
    ))[0]!.id;
    expect(await statementsOf(spy, () => me.patch(parent.id, { list_id: other }))).toHaveLength(write + 1);
  });

  it('no statement looks up the caller', async () => {
    spy.reset();
    await me.get(id);
    await me.create({ title: 'again' });
    // The create's INSERT reads the quota counter in the user's row, inside the same statement.
    expect(spy.sent.filter((sql) => /\busers\b/.test(sql) && !sql.startsWith('INSERT INTO todos'))).toEqual([]);
  });
});
