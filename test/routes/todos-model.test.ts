import { randomUUID } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { SORTS } from '../../src/services/todo-service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type TodoClient, expectStatus } from '../helpers/todo-client.js';
import { expectedOrder } from '../helpers/todo-order.js';

// Model-based: random sequences of create, patch, delete, get and list by two users, each
// answer checked against an in-memory model of what each user should see.

interface ModelTodo {
  owner: number;
  todo: Record<string, unknown> & { id: string; version: number; due_at: string | null; priority: string; created_at: string; updated_at: string };
}

const priority = fc.constantFrom('none', 'low', 'medium', 'high', 'urgent');
const title = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0);
const dueAt = fc.option(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()));
const user = fc.constantFrom(0, 1);
/** Which todo an action targets: one created earlier (by either user), or an id that never existed. */
const target = fc.oneof(fc.nat({ max: 30 }), fc.constant(-1));

const action = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), user, body: fc.record({ title, priority, due_at: dueAt, completed: fc.boolean() }, { requiredKeys: ['title'] }) }),
  fc.record({
    kind: fc.constant('patch' as const),
    user,
    target,
    body: fc.record({ title, priority, due_at: dueAt, completed: fc.boolean(), description: fc.option(fc.string({ maxLength: 10 })) }, { requiredKeys: [] }),
  }),
  fc.record({ kind: fc.constant('delete' as const), user, target }),
  fc.record({ kind: fc.constant('get' as const), user, target }),
  fc.record({ kind: fc.constant('list' as const), user, sort: fc.constantFrom(...SORTS), completed: fc.option(fc.boolean()), limit: fc.integer({ min: 1, max: 7 }) }),
);

describe('todos against a model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  test.prop([fc.array(action, { minLength: 1, maxLength: 30 })], { numRuns: 40 })('every answer matches the model', async (actions) => {
    const users: TodoClient[] = [await newUser(t), await newUser(t)];
    const model = new Map<string, ModelTodo>();
    const ids: string[] = [];
    const idFor = (n: number) => (n < 0 || ids.length === 0 ? randomUUID() : ids[n % ids.length]!);
    const visible = (u: number, id: string) => model.get(id)?.owner === u;

    for (const a of actions) {
      const client = users[a.user]!;
      if (a.kind === 'create') {
        const res = await client.create(a.body);
        expectStatus(res, 201);
        expect(res.body).toMatchObject({
          title: a.body.title.trim(),
          priority: a.body.priority ?? 'none',
          completed: a.body.completed ?? false,
          due_at: a.body.due_at ?? null,
          version: 1,
        });
        model.set(res.body.id, { owner: a.user, todo: res.body });
        ids.push(res.body.id);
      } else if (a.kind === 'get') {
        const id = idFor(a.target);
        const res = await client.get(id);
        if (visible(a.user, id)) {
          expectStatus(res, 200);
          expect(res.body).toEqual(model.get(id)!.todo);
        } else expectStatus(res, 404);
      } else if (a.kind === 'patch') {
        const id = idFor(a.target);
        const res = await client.patch(id, a.body);
        if (!visible(a.user, id)) {
          expectStatus(res, 404);
          continue;
        }
        expectStatus(res, 200);
        const before = model.get(id)!.todo;
        const expected: Record<string, unknown> = { ...before };
        if (a.body.title !== undefined) expected.title = a.body.title.trim();
        if (a.body.priority !== undefined) expected.priority = a.body.priority;
        if (a.body.due_at !== undefined) expected.due_at = a.body.due_at;
        if (a.body.description !== undefined) expected.description = a.body.description;
        if (a.body.completed !== undefined) expected.completed = a.body.completed;
        const changed = ['title', 'priority', 'due_at', 'description', 'completed'].some((k) => expected[k] !== before[k]);
        expect(res.body.version).toBe(before.version + (changed ? 1 : 0));
        if (!expected.completed) expect(res.body.completed_at).toBeNull();
        else if (before.completed) expect(res.body.completed_at).toBe(before.completed_at);
        else expect(res.body.completed_at).toEqual(expect.any(String));
        const { version: _v, updated_at: _u, completed_at: _c, ...rest } = expected;
        expect(res.body).toMatchObject(rest);
        model.set(id, { owner: a.user, todo: res.body });
      } else if (a.kind === 'delete') {
        const id = idFor(a.target);
        const res = await client.remove(id);
        if (visible(a.user, id)) {
          expectStatus(res, 204);
          model.delete(id);
        } else expectStatus(res, 404);
      } else {
        const query = { sort: a.sort, limit: a.limit, ...(a.completed === null ? {} : { completed: a.completed }) };
        const rows = await client.listAll(query);
        const mine = [...model.values()]
          .filter((m) => m.owner === a.user && (a.completed === null || m.todo.completed === a.completed))
          .map((m) => m.todo);
        expect(rows.map((r) => r.id)).toEqual(expectedOrder(mine, a.sort));
        for (const row of rows) expect(row).toEqual(model.get(row.id)!.todo);
      }
    }
  });
});
