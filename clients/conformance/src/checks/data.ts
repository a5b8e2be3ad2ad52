import { expect, expectStatus, type Context, type Group } from '../runner.js';
import { MISSING_ID, type Page, type Problem, type Todo, type TodoList } from './types.js';

// Batches (POST /v1/batch) and the account's data (GET /v1/me/export, DELETE /v1/me).

interface BatchResult {
  status: number;
  data: { id: string; list_id?: string } | null;
  etag: string | null;
}

const noSpec = (ctx: Context, path: string) => (ctx.spec.hasPath(path) ? undefined : `the spec has no ${path}`);

export const batch: Group = {
  name: 'batch',
  paths: /^\/v1\/batch$/,
  cannotRun: (ctx) => noSpec(ctx, '/v1/batch'),
  checks: [
    {
      name: 'a batch creates a list and a todo in it by @reference in one request: 200, one result per operation; a second batch deletes both',
      async run(ctx) {
        const res = await ctx.request('a', 'POST', '/v1/batch', {
          json: {
            operations: [
              { op: 'create', type: 'list', ref: 'errands', data: { name: `${ctx.marker} batch` } },
              { op: 'create', type: 'todo', data: { title: `${ctx.marker} batch`, list_id: '@errands' } },
            ],
          },
        });
        expectStatus(res, 200);
        const [list, todo] = (res.body as { results: BatchResult[] }).results;
        expect(list?.status === 201 && todo?.status === 201, `results are ${JSON.stringify((res.body as { results: unknown }).results)}, expected two 201s`);
        expect(todo.data?.list_id === list.data?.id, `the todo is in list ${todo.data?.list_id}, not in the list the batch created (${list.data?.id})`);
        const gone = await ctx.request('a', 'POST', '/v1/batch', {
          json: { operations: [{ op: 'delete', type: 'todo', id: todo.data!.id }, { op: 'delete', type: 'list', id: list.data!.id }] },
        });
        expectStatus(gone, 200);
        const statuses = (gone.body as { results: BatchResult[] }).results.map((r) => r.status);
        expect(statuses.join() === '204,204', `the deletes answered ${statuses.join()}, expected 204,204`);
        expectStatus(await ctx.request('a', 'GET', `/v1/lists/${list.data!.id}`), 404, 'not_found');
      },
    },
    {
      name: 'a batch whose second operation fails writes nothing: the failure names operations/1, and the first create is not there',
      async run(ctx) {
        const title = `${ctx.marker} never written`;
        const res = await ctx.request('a', 'POST', '/v1/batch', {
          json: { operations: [{ op: 'create', type: 'todo', data: { title } }, { op: 'update', type: 'todo', id: MISSING_ID, data: { title: 'x' } }] },
        });
        expectStatus(res, 404, 'not_found');
        const paths = ((res.body as Problem).errors ?? []).map((e) => e.path);
        expect(paths.some((p) => p.startsWith('operations/1')), `errors[] names ${JSON.stringify(paths)}, expected a path in operations/1`);
        const found = await ctx.request('a', 'GET', `/v1/todos?q=${encodeURIComponent(title)}`);
        expectStatus(found, 200);
        expect((found.body as Page<Todo>).data.length === 0, 'the todo of the failed batch was written');
      },
    },
  ],
};

export const account: Group = {
  name: 'account',
  paths: /^\/v1\/me(\/export)?$/,
  cannotRun: (ctx) => noSpec(ctx, '/v1/me/export'),
  checks: [
    {
      name: "export: one JSON document of the caller's data (format todo-api-export), each object as its GET returns it",
      async run(ctx) {
        const { object: list } = await ctx.create<TodoList>('a', 'lists', { name: `${ctx.marker} exported` });
        const res = await ctx.request('a', 'GET', '/v1/me/export');
        expectStatus(res, 200);
        const doc = res.body as { format: string; format_version: number; lists: TodoList[]; todos: unknown[]; labels: unknown[] };
        expect(doc.format === 'todo-api-export' && doc.format_version === 1, `format is ${doc.format} ${doc.format_version}`);
        const exported = doc.lists.find((l) => l.id === list.id);
        const read = await ctx.request('a', 'GET', `/v1/lists/${list.id}`);
        expect(JSON.stringify(exported) === JSON.stringify(read.body), `the exported list ${JSON.stringify(exported)} is not what GET returns: ${JSON.stringify(read.body)}`);
        expect(/attachment/.test(res.headers.get('content-disposition') ?? ''), 'the export is not served as a download (Content-Disposition: attachment)');
      },
    },
    {
      name: "erasure: DELETE /v1/me of the second user (token B) answers 204, and B's next request finds a fresh, empty account",
      async run(ctx) {
        const before = await ctx.request('b', 'GET', '/v1/me');
        expectStatus(before, 200);
        expectStatus(await ctx.request('b', 'DELETE', '/v1/me'), 204);
        const after = await ctx.request('b', 'GET', '/v1/me');
        expectStatus(after, 200);
        const [old, fresh] = [before.body, after.body] as Array<{ id: string; usage: { todos: number } }>;
        expect(fresh!.id !== old!.id, `B still has the id ${old!.id} after the erasure`);
        expect(fresh!.usage.todos === 0, `B's fresh account has ${fresh!.usage.todos} todos`);
      },
    },
  ],
};
