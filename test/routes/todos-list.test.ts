import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTodos, SORTS } from '../../src/services/todo-service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { spyOnStatements } from '../helpers/statement-spy.js';
import { newUser, type TodoClient, expectStatus } from '../helpers/todo-client.js';
import { expectedOrder } from '../helpers/todo-order.js';

type Todo = { id: string; title: string; due_at: string | null; priority: string; created_at: string; updated_at: string; completed: boolean };

describe('GET /v1/todos', () => {
  let t: TestApp;
  let me: TodoClient;
  let mine: Todo[];
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    mine = [];
    const priorities = ['none', 'low', 'medium', 'high', 'urgent'];
    for (let i = 0; i < 23; i += 1) {
      const created = await me.created({
        title: i % 4 === 0 ? `Buy MILK ${i}` : `Task ${i}`,
        description: i % 5 === 0 ? 'remember the 100% juice_box' : null,
        completed: i % 3 === 0,
        due_at: i % 2 === 0 ? new Date(Date.UTC(2026, 11, 1 + (i % 7))).toISOString() : null,
        priority: priorities[i % 5],
      });
      mine.push(created);
    }
    // Some rows share a created_at, so that ties are really broken by id.
    await t.db.query("UPDATE todos SET created_at = '2026-11-01T00:00:00Z' WHERE id = ANY($1)", [mine.slice(0, 6).map((r) => r.id)]);
    mine = await me.listAll({ limit: 100 });
  });
  afterAll(() => t.close());

  it('returns the newest first by default, 20 per page, with next_cursor and Link', async () => {
    const res = await me.list();
    expectStatus(res, 200);
    expect(res.body.data).toHaveLength(20);
    expect(res.body.data.map((r: Todo) => r.id)).toEqual(expectedOrder(mine, '-created_at').slice(0, 20));
    expect(res.body.next_cursor).toEqual(expect.any(String));
    expect(res.headers.get('link')).toBe(`</v1/todos?cursor=${encodeURIComponent(res.body.next_cursor!)}>; rel="next"`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const last = await me.list({ cursor: res.body.next_cursor! });
    expectStatus(last, 200);
    expect(last.body.data).toHaveLength(3);
    expect(last.body.next_cursor).toBeNull();
    expect(last.headers.get('link')).toBeNull();
  });

  it.each(SORTS)('sort=%s walks every todo once, in order, ties broken by id', async (sort) => {
    const walked = await me.listAll({ sort, limit: 4 });
    expect(walked.map((r) => r.id)).toEqual(expectedOrder(mine, sort));
  });

  it.each([
    [{ completed: 'true' }, (r: Todo) => r.completed],
    [{ completed: 'false' }, (r: Todo) => !r.completed],
    [{ q: 'milk' }, (r: Todo) => /milk/i.test(r.title)],
    [{ q: '100%' }, (r: Todo) => r.title.includes('100%') || r.id === '' || (r as unknown as { description: string }).description?.includes('100%')],
    [{ q: 'e_b' }, (r: Todo) => ((r as unknown as { description: string }).description ?? '').includes('e_b')],
    [{ priority: 'high,urgent' }, (r: Todo) => r.priority === 'high' || r.priority === 'urgent'],
    [{ due_before: '2026-12-03T00:00:00Z' }, (r: Todo) => r.due_at !== null && Date.parse(r.due_at) < Date.parse('2026-12-03T00:00:00Z')],
    [{ due_after: '2026-12-03T00:00:00Z' }, (r: Todo) => r.due_at !== null && Date.parse(r.due_at) > Date.parse('2026-12-03T00:00:00Z')],
  ])('filter %j', async (query, keep) => {
    const expected = expectedOrder(mine.filter(keep), '-created_at');
    expect(expected.length).toBeGreaterThan(0);
    expect((await me.listAll({ ...query, limit: 5 })).map((r) => r.id)).toEqual(expected);
  });

  it('updated_since returns what changed at or after the given time', async () => {
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const changed = await me.patch(mine[3]!.id, { title: 'changed' });
    expectStatus(changed, 200);
    const rows = await me.listAll({ updated_since: since });
    expect(rows.map((r) => r.id)).toEqual([changed.body.id]);
  });

  it('combines filters with any sort', async () => {
    const rows = await me.listAll({ completed: 'false', priority: 'none,low,medium', sort: 'due_at', limit: 3 });
    const expected = expectedOrder(mine.filter((r) => !r.completed && ['none', 'low', 'medium'].includes(r.priority)), 'due_at');
    expect(rows.map((r) => r.id)).toEqual(expected);
  });

  describe('cursors', () => {
    let cursor: string;
    beforeAll(async () => {
      const first = await me.list({ limit: 2, sort: 'priority' });
      expectStatus(first, 200);
      cursor = first.body.next_cursor!;
    });

    it('a tampered cursor is a 422 that names query.cursor', async () => {
      const flipped = cursor.slice(0, 5) + (cursor[5] === 'A' ? 'B' : 'A') + cursor.slice(6);
      for (const bad of [flipped, `${cursor}x`, cursor.split('.')[0]!, 'garbage', '..', 'e30.AAAAAAAAAAAAAAAAAAAAAA']) {
        const res = await me.list({ limit: 2, sort: 'priority', cursor: bad });
        expectStatus(res, 422, bad);
        expect(res.body.errors).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
      }
    });

    it('a cursor is bound to the sort and filters it was issued for, not the page size', async () => {
      expect((await me.list({ limit: 2, sort: '-priority', cursor })).status).toBe(422);
      expect((await me.list({ limit: 2, sort: 'priority', completed: 'true', cursor })).status).toBe(422);
      expect((await me.list({ limit: 7, sort: 'priority', cursor })).status).toBe(200);
    });

    it("another user's cursor is a 422", async () => {
      const other = await newUser(t);
      expect((await other.list({ limit: 2, sort: 'priority', cursor })).status).toBe(422);
    });
  });

  it.each([
    ['limit', '0'],
    ['limit', '101'],
    ['limit', '-1'],
    ['limit', 'ten'],
    ['limit', '1.5'],
    ['sort', 'title'],
    ['completed', 'yes'],
    ['priority', 'high,critical'],
    ['due_before', '2026-13-01T00:00:00Z'],
    ['updated_since', 'yesterday'],
    ['q', ''],
    ['unknown', '1'],
  ])('422 for %s=%s', async (name, value) => {
    const res = await me.list({ [name]: value });
    expectStatus(res, 422);
    expect(res.body.errors?.map((e: { path: string }) => e.path)).toContain(`query.${name}`);
  });

  it('422 for a repeated query parameter', async () => {
    const res = await me.raw('GET', '/v1/todos?limit=5&limit=6');
    expectStatus(res, 422);
  });
});

describe('list query plans', () => {
  let t: TestApp;
  let userId: string;
  let listId: string;
  beforeAll(async () => {
    t = await startTestApp();
    // Enough rows, over many users, that a sequential scan would be the planner's choice without an index.
    await t.db.query(`
      INSERT INTO users (id, subject) SELECT gen_random_uuid(), 'bulk-' || g FROM generate_series(1, 50) g;
      INSERT INTO todos (id, user_id, list_id, position, title, priority, due_at, completed, created_at, updated_at)
      SELECT gen_random_uuid(), u.id, l.id, fractional_key(1000 + g), 'bulk ' || g, g % 5, CASE WHEN g % 3 = 0 THEN NULL ELSE now() + g * interval '1 hour' END,
             false, now() - g * interval '1 minute', now() - g * interval '1 minute'
      FROM users u JOIN lists l ON l.user_id = u.id AND l.is_default CROSS JOIN generate_series(1, 400) g;
      ANALYZE todos;
    `);
    userId = (await t.db.query<{ id: string }>("SELECT id FROM users WHERE subject = 'bulk-1'"))[0]!.id;
    listId = (await t.db.query<{ id: string }>('SELECT id FROM lists WHERE user_id = $1 AND is_default', [userId]))[0]!.id;
  });
  afterAll(() => t.close());

  // The manual order is a list's: `position` is served within one list (API.md, Manual order).
  const filtersFor = (sort: string) => (sort.endsWith('position') ? { list_id: listId } : {});

  it.each(SORTS)('sort=%s reads a page through an index, with and without a cursor', async (sort) => {
    const spy = spyOnStatements();
    spy.install();
    try {
      const first = await listTodos(userId, { sort, limit: 20, ...filtersFor(sort) });
      expect(first.todos).toHaveLength(20);
      await listTodos(userId, { sort, limit: 20, cursor: first.nextCursor ?? undefined, ...filtersFor(sort) });
    } finally {
      spy.restore();
    }
    // A fresh pool connection may send its own set-up statements first.
    const pages = spy.sent.flatMap((text, i) => (/FROM todos/.test(text) ? [{ text, values: spy.values[i] }] : []));
    expect(pages).toHaveLength(2);
    for (const { text, values } of pages) {
      const plan = (await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).map((r) => r['QUERY PLAN']).join('\n');
      expect(plan, plan).toMatch(sort.endsWith('position') ? /Index Scan( Backward)? using todos_list_position_idx/ : /Index Scan( Backward)? using todos_user_/);
      expect(plan, plan).not.toMatch(/Seq Scan|Sort\b/);
    }
  });
});

// Issue 12: the parent and label filters are index lookups, however many todos the user has.
describe('subtask and label filter plans', () => {
  let t: TestApp;
  let userId: string;
  let parentId: string;
  let labelId: string;
  beforeAll(async () => {
    t = await startTestApp();
    await t.db.query(`
      INSERT INTO users (id, subject) SELECT gen_random_uuid(), 'tree-' || g FROM generate_series(1, 20) g;
      INSERT INTO todos (id, user_id, list_id, position, title, created_at, updated_at)
      SELECT gen_random_uuid(), u.id, l.id, fractional_key(1000 + g), 'bulk ' || g, now() - g * interval '1 minute', now()
      FROM users u JOIN lists l ON l.user_id = u.id AND l.is_default CROSS JOIN generate_series(1, 500) g;
    `);
    userId = (await t.db.query<{ id: string }>("SELECT id FROM users WHERE subject = 'tree-1'"))[0]!.id;
    parentId = (await t.db.query<{ id: string }>('SELECT id FROM todos WHERE user_id = $1 ORDER BY position LIMIT 1', [userId]))[0]!.id;
    labelId = (
      await t.db.query<{ id: string }>("INSERT INTO labels (id, user_id, name, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'plan', now(), now()) RETURNING id", [userId])
    )[0]!.id;
    await t.db.query(
      `INSERT INTO todos (id, user_id, list_id, parent_id, position, title, created_at, updated_at)
       SELECT gen_random_uuid(), p.user_id, p.list_id, p.id, fractional_key(g), 'sub ' || g, now(), now() FROM todos p, generate_series(1, 600) g WHERE p.id = $1`,
      [parentId],
    );
    // Every user labels a fifth of their todos, so that todo_labels is big enough for its index to matter.
    await t.db.query(`
      INSERT INTO labels (id, user_id, name, created_at, updated_at) SELECT gen_random_uuid(), id, 'other', now(), now() FROM users WHERE subject LIKE 'tree-%';
      UPDATE todos t SET label_ids = ARRAY[l.id] FROM labels l WHERE l.user_id = t.user_id AND l.name = 'other' AND t.title LIKE 'bulk %' AND right(t.title, 1) IN ('3', '7');
    `);
    await t.db.query("UPDATE todos SET label_ids = label_ids || $2::uuid WHERE user_id = $1 AND title LIKE 'bulk 1%'", [userId, labelId]);
    await t.db.query('ANALYZE todos; ANALYZE todo_labels');
  });
  afterAll(() => t.close());

  const plansOf = async (options: Parameters<typeof listTodos>[1]) => {
    const spy = spyOnStatements();
    spy.install();
    let page;
    try {
      page = await listTodos(userId, options);
    } finally {
      spy.restore();
    }
    const sent = spy.sent.flatMap((text, i) => (/FROM todos/.test(text) ? [{ text, values: spy.values[i] }] : []));
    expect(sent).toHaveLength(1);
    const plan = (await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sent[0]!.text}`, sent[0]!.values)).map((r) => r['QUERY PLAN']).join('\n');
    return { page, plan };
  };

  it('parent_id=…&sort=position reads the parent index in order', async () => {
    const { page, plan } = await plansOf({ parent_id: parentId, sort: 'position', limit: 20 });
    expect(page.todos.map((x) => x.title).slice(0, 3)).toEqual(['sub 1', 'sub 2', 'sub 3']);
    expect(plan, plan).toMatch(/Index Scan using todos_parent_position_idx/);
    expect(plan, plan).not.toMatch(/Seq Scan|Sort\b/);
  });

  it('label_id=… looks its todos up through todo_labels', async () => {
    const { page, plan } = await plansOf({ label_id: [labelId], limit: 20 });
    expect(page.todos.length).toBeGreaterThan(0);
    expect(page.todos.every((x) => x.label_ids.includes(labelId))).toBe(true);
    expect(plan, plan).toMatch(/todo_labels_(label_idx|pkey)/);
    expect(plan, plan).not.toMatch(/Seq Scan/);
  });
});

describe('search query plans (issue 11, item 8)', () => {
  let t: TestApp;
  let userId: string;
  beforeAll(async () => {
    t = await startTestApp();
    await t.db.query(`
      INSERT INTO users (id, subject) SELECT gen_random_uuid(), 'search-plan-' || g FROM generate_series(1, 50) g;
      INSERT INTO todos (id, user_id, list_id, position, title, description, created_at, updated_at)
      SELECT gen_random_uuid(), u.id, l.id, fractional_key(1000 + g), 'bulk task ' || g, CASE WHEN g % 2 = 0 THEN 'some notes ' || md5(g::text) END, now() - g * interval '1 minute', now()
      FROM users u JOIN lists l ON l.user_id = u.id AND l.is_default CROSS JOIN generate_series(1, 400) g;
    `);
    // Fresh statistics, as autovacuum's ANALYZE leaves them (no VACUUM needed: see the migration).
    await t.db.query('ANALYZE todos');
    userId = (await t.db.query<{ id: string }>("SELECT id FROM users WHERE subject = 'search-plan-1'"))[0]!.id;
  });
  afterAll(() => t.close());

  it.each(['no such words here', 'a'.repeat(199) + 'b', 'Quick Brown Fox Jumps Over The Lazy Dog'])('q=%s reads the trigram index, one user\'s entries, and no ILIKE', async (q) => {
    const spy = spyOnStatements();
    spy.install();
    try {
      expect((await listTodos(userId, { q, limit: 20 })).todos).toEqual([]);
    } finally {
      spy.restore();
    }
    const i = spy.sent.findIndex((text) => /FROM todos/.test(text));
    const plan = (await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${spy.sent[i]}`, spy.values[i])).map((r) => r['QUERY PLAN']).join('\n');
    expect(plan, plan).toMatch(/Bitmap Index Scan on todos_user_search_idx[^\n]*\n\s+Index Cond: \(\(user_id = /);
    expect(plan, plan).not.toMatch(/Seq Scan|~~\*/);
  });
});
