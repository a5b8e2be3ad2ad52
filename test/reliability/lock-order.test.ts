import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../src/db/database.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient } from '../helpers/todo-client.js';

// One user's writes all take the user row first (src/db/user-scope.ts, lock order): mixed
// concurrent writes of that user wait for each other and never deadlock. A deadlock would still
// answer (the unit of work retries 40P01), but after a 1 s stall: PostgreSQL's own counter is
// what tells.

const WORKERS = 8;
const RUN_MS = 4000;

type Obj = { id: string };

/** Writes of this test's kinds answer 2xx, or 404/422 when a concurrent write deleted what they name. */
const EXPECTED = new Set([200, 201, 204, 404, 422]);

describe('lock order: concurrent writes of one user', () => {
  let t: TestApp;
  let me: TodoClient;

  beforeAll(async () => {
    t = await startTestApp({ poolMax: WORKERS + 2 });
    me = await newUser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const deadlocks = async () => {
    const [row] = await t.db.query<{ deadlocks: string }>('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()');
    return Number(row?.deadlocks ?? 0);
  };

  it('creates, completions, deletes and moves of todos in one list, list renames and label deletes: no deadlock, every answer expected', { timeout: 60_000 }, async () => {
    const created = async (path: string, body: unknown) => {
      const res = await me.raw('POST', path, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return (res.body as Obj).id;
    };
    const hot = await created('/v1/lists', { name: 'hot' });
    const other = await created('/v1/lists', { name: 'other' });
    const todos: string[] = [];
    const labels: string[] = [];
    for (let i = 0; i < 20; i += 1) todos.push(await created('/v1/todos', { title: `seed ${i}`, list_id: hot }));
    for (let i = 0; i < 6; i += 1) labels.push(await created('/v1/labels', { name: `seed ${i}` }));
    const before = await deadlocks();

    const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];
    const forget = (xs: string[], id: string, status: number) => {
      if (status === 404) xs.splice(xs.indexOf(id), 1);
    };
    const unexpected: string[] = [];
    const counts = new Map<string, number>();
    const ops: Array<() => Promise<[string, Call]>> = [
      async () => {
        const label = Math.random() < 0.5 ? pick(labels) : undefined;
        const res = await me.raw('POST', '/v1/todos', { title: 'new', list_id: hot, ...(label ? { label_ids: [label] } : {}) });
        if (res.status === 201) todos.push((res.body as Obj).id);
        return ['create todo', res];
      },
      async () => {
        const id = pick(todos);
        if (!id) return ['complete todo', { status: 204 } as Call];
        const res = await me.raw('PATCH', `/v1/todos/${id}`, { completed: Math.random() < 0.5 });
        forget(todos, id, res.status);
        return ['complete todo', res];
      },
      async () => {
        const id = pick(todos);
        if (!id) return ['delete todo', { status: 204 } as Call];
        const res = await me.raw('DELETE', `/v1/todos/${id}`);
        todos.splice(todos.indexOf(id), 1);
        return ['delete todo', res];
      },
      async () => {
        const id = pick(todos);
        const after = pick(todos);
        if (!id) return ['move todo', { status: 200 } as Call];
        const body = Math.random() < 0.5 || !after || after === id ? { list_id: Math.random() < 0.5 ? hot : other } : { after_id: after };
        const res = await me.raw('POST', `/v1/todos/${id}/move`, body);
        forget(todos, id, res.status);
        return ['move todo', res];
      },
      async () => ['rename list', await me.raw('PATCH', `/v1/lists/${Math.random() < 0.5 ? hot : other}`, { name: `hot ${randomUUID()}` })],
      async () => {
        const id = pick(labels);
        if (!id) return ['delete label', { status: 204 } as Call];
        labels.splice(labels.indexOf(id), 1);
        const res = await me.raw('DELETE', `/v1/labels/${id}`);
        const made = await me.raw('POST', '/v1/labels', { name: `label ${randomUUID()}` });
        if (made.status === 201) labels.push((made.body as Obj).id);
        return ['delete label', res.status === 204 ? made : res];
      },
    ];

    const stopAt = Date.now() + RUN_MS;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (Date.now() < stopAt) {
          const [what, res] = await pick(ops)!();
          counts.set(what, (counts.get(what) ?? 0) + 1);
          if (!EXPECTED.has(res.status)) unexpected.push(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
    );

    // Backends report their counters when they exit: end the app's connections, then read.
    await closeDatabase();
    for (let i = 0; i < 100; i += 1) {
      const [row] = await t.db.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'todo-api' AND datname = current_database()");
      if (Number(row?.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await deadlocks();

    expect({ deadlocks: after - before, unexpected }, `during ${JSON.stringify(Object.fromEntries(counts))}`).toEqual({ deadlocks: 0, unexpected: [] });
    for (const [what, n] of counts) expect(n, what).toBeGreaterThan(10);
  });
});
