import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, newUser, type TodoClient } from '../helpers/todo-client.js';

// Issue 11, item 9: "No quota". At most LIMIT_TODOS_PER_USER todos per user, checked against a
// counter in the user's row (no scan of the user's todos), shown in GET /v1/me.

const LIMIT = 3;

describe('item 9: per-user quotas (LIMIT_TODOS_PER_USER=3)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LIMIT_TODOS_PER_USER: String(LIMIT) } });
  });
  afterAll(() => t.close());

  const rowsOf = async (me: TodoClient) => {
    const id = (await me.me()).body as { id: string };
    const [row] = await t.db.query<{ n: number; counted: number }>(
      'SELECT (SELECT count(*)::int FROM todos WHERE user_id = $1) AS n, (SELECT todo_count FROM users WHERE id = $1) AS counted',
      [id.id],
    );
    return row!;
  };

  it('a batch is held to the same quota: the create past it is a 409 at its operation, and the batch writes nothing', async () => {
    const me = await newUser(t);
    await me.created({ title: 'already there' });
    const operations = Array.from({ length: LIMIT }, (_, i) => ({ op: 'create', type: 'todo', data: { title: `batched ${i}` } }));
    const refused = await me.raw('POST', '/v1/batch', { operations });
    expectStatus(refused, 409);
    expect(refused.body).toMatchObject({ code: 'limit_reached', errors: [{ path: `operations/${LIMIT - 1}` }] });
    expect(await rowsOf(me)).toEqual({ n: 1, counted: 1 });
    expectStatus(await me.raw('POST', '/v1/batch', { operations: operations.slice(1) }), 200);
    expect(await rowsOf(me)).toEqual({ n: LIMIT, counted: LIMIT });
  });

  it('the 4th create is a 409 limit_reached that names the limit and writes nothing; deleting one frees a slot', async () => {
    const me = await newUser(t);
    const made = [];
    for (let i = 0; i < LIMIT; i += 1) made.push(await me.created({ title: `todo ${i}` }));
    const refused = await me.create({ title: 'one too many' });
    expectStatus(refused, 409);
    const problem = refused.body;
    expect(problem).toMatchObject({ code: 'limit_reached', status: 409, type: '/problems/limit-reached' });
    expect(problem.detail).toContain(`${LIMIT} todos`);
    expect(problem.detail).toContain('limits.todos');
    expect(await rowsOf(me)).toEqual({ n: LIMIT, counted: LIMIT });
    expect((await me.listAll()).map((r) => r.title)).not.toContain('one too many');

    expectStatus(await me.remove(made[0]!.id), 204);
    expect(await rowsOf(me)).toEqual({ n: LIMIT - 1, counted: LIMIT - 1 });
    expectStatus(await me.create({ title: 'fits again' }), 201);
    expectStatus(await me.create({ title: 'full again' }), 409);
    expect(await rowsOf(me)).toEqual({ n: LIMIT, counted: LIMIT });
  });

  it('another user has a quota of their own', async () => {
    const full = await newUser(t);
    for (let i = 0; i < LIMIT; i += 1) await full.created({ title: `todo ${i}` });
    const other = await newUser(t);
    expectStatus(await other.create({ title: 'mine' }), 201);
  });

  it('concurrent creates never go past the limit', async () => {
    for (const start of [0, LIMIT - 1]) {
      const me = await newUser(t);
      for (let i = 0; i < start; i += 1) await me.created({ title: `before ${i}` });
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => me.create({ title: `race ${i}` })));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(LIMIT - start);
      expect(statuses.filter((s) => s !== 201).every((s) => s === 409)).toBe(true);
      expect(await rowsOf(me)).toEqual({ n: LIMIT, counted: LIMIT });
    }
  });

  it('GET /v1/me shows the limits and the usage, read from the user row without counting todos', async () => {
    const me = await newUser(t);
    await me.created({ title: 'one' });
    await me.created({ title: 'two' });
    const spy = spyOnStatements();
    spy.install();
    let res;
    try {
      res = await me.me();
    } finally {
      spy.restore();
    }
    expectStatus(res, 200);
    expect(res.body.limits).toEqual({ todos: LIMIT, lists: 1000, labels: 500, webhooks: 10, labels_per_todo: 20, subtask_depth: 4 });
    expect(res.body.usage).toEqual({ todos: 2, lists: 1, labels: 0, webhooks: 0 });
    expect(spy.sent.filter((sql) => /\btodos\b/.test(sql))).toEqual([]);
  });

  it('the count follows todos written and deleted outside the API too (triggers), one statement of many rows at a time', async () => {
    const me = await newUser(t);
    const { id } = (await me.me()).body as { id: string };
    await t.db.query(
      "INSERT INTO todos (id, user_id, title, created_at, updated_at) SELECT gen_random_uuid(), $1, 'bulk ' || g, now(), now() FROM generate_series(1, 5) g",
      [id],
    );
    expect(await rowsOf(me)).toEqual({ n: 5, counted: 5 });
    expectStatus(await me.create({ title: 'over' }), 409);
    await t.db.query("DELETE FROM todos WHERE user_id = $1 AND title IN ('bulk 1', 'bulk 2', 'bulk 3')", [id]);
    expect(await rowsOf(me)).toEqual({ n: 2, counted: 2 });
    expectStatus(await me.create({ title: 'fits' }), 201);
  });
});
