import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiProblem, createTodoClient, type Ref, type TodoClient } from '../../clients/typescript/src/index.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// The SDK's batch builder against the real app: typed references, results, and one failure
// rolling the batch back. The @ts-expect-error lines are checked by `npm run typecheck`.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

async function newClient(): Promise<TodoClient> {
  const token = await signToken({ sub: newSubject('batch-sdk') });
  return createTodoClient({ baseUrl: 'http://batch.test', token, retry: false, fetch: (request) => t.request(request.url.replace('http://batch.test', ''), request) });
}

describe('client.batch()', () => {
  it('creates a list, a labelled todo in it and a subtask, with references, and types the results', async () => {
    const client = await newClient();
    const b = client.batch();
    const list = b.create('list', { name: 'Trip' });
    const label = b.create('label', { name: 'travel' }, { ref: 'travel' });
    const pack = b.create('todo', { title: 'Pack', list_id: list, label_ids: [label] });
    b.create('todo', { title: 'Tent', parent_id: pack });
    const done = b.update('todo', pack, { completed: true }, { ifMatch: 1 });
    expect(b.operations).toEqual([
      { op: 'create', type: 'list', ref: 'r0', data: { name: 'Trip' } },
      { op: 'create', type: 'label', ref: 'travel', data: { name: 'travel' } },
      { op: 'create', type: 'todo', ref: 'r2', data: { title: 'Pack', list_id: '@r0', label_ids: ['@travel'] } },
      { op: 'create', type: 'todo', ref: 'r3', data: { title: 'Tent', parent_id: '@r2' } },
      { op: 'update', type: 'todo', id: '@r2', data: { completed: true }, if_match: '"1"' },
    ]);
    const sent = await b.send({ idempotencyKey: crypto.randomUUID() });
    expect(sent.data.results.map((r) => r.status)).toEqual([201, 201, 201, 201, 200]);
    const trip = sent.get(list).data!;
    // Typed by kind: a List has todo_count, a Todo has completed. Each result is the object as it was after its own operation.
    expect(trip.todo_count).toBe(0);
    expect((await client.lists.get(trip.id)).data.todo_count).toBe(2);
    expect(sent.get(done).data!.completed).toBe(true);
    expect(sent.get(pack).data).toMatchObject({ list_id: trip.id, label_ids: [sent.get(label).data!.id] });
    expect(sent.get(done).etag).toBe('"2"');
    expect(sent.requestId).toEqual(expect.any(String));
  });

  it('a failing operation throws its ApiProblem and nothing of the batch is written', async () => {
    const client = await newClient();
    const { data: todo } = await client.todos.create({ title: 'kept' });
    await client.todos.update(todo.id, { title: 'v2' });
    const b = client.batch();
    b.create('list', { name: 'never' });
    b.update('todo', todo.id, { title: 'lost update' }, { ifMatch: '"1"' });
    const error = await b.send().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiProblem);
    expect(error).toMatchObject({ status: 412, code: 'precondition_failed', errors: [{ path: 'operations/1/if_match' }] });
    expect((await client.lists.list()).data.map((l) => l.name)).toEqual(['Inbox']);
    expect((await client.todos.get(todo.id)).data.title).toBe('v2');
  });

  it('refuses a ref used twice before anything is sent', async () => {
    const b = (await newClient()).batch();
    b.create('label', { name: 'a' }, { ref: 'x' });
    expect(() => b.create('label', { name: 'b' }, { ref: 'x' })).toThrow(/already used/);
    b.create('label', { name: 'c' }, { ref: 'r2' });
    // A generated ref steps aside for one given earlier.
    expect(b.create('label', { name: 'd' })).toMatchObject({ index: 2, name: 'r2_' });
  });

  it('types references by kind (checked by the type checker, not at run time)', async () => {
    const b = (await newClient()).batch();
    const label: Ref<'label'> = b.create('label', { name: 'typed' });
    const list = b.create('list', { name: 'typed' });
    // @ts-expect-error a label is not a list
    b.create('todo', { title: 'x', list_id: label });
    // @ts-expect-error a list is not a label
    b.create('todo', { title: 'x', label_ids: [list] });
    // @ts-expect-error a list is not a todo to move
    b.move('todo', list, {});
    // @ts-expect-error labels have no order
    b.move('label', label, {});
    // @ts-expect-error the single operation's body rules hold: title is required
    b.create('todo', { list_id: list });
    b.create('todo', { title: 'fine', list_id: list, label_ids: [label, '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f'] });
    b.move('list', list, { before_id: list });
    expect(b.operations).toHaveLength(9);
  });
});
