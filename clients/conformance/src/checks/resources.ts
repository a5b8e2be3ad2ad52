import { describe, expect, expectStatus, type Context, type Group } from '../runner.js';
import { MISSING_ID, type Label, type Page, type Problem, type Todo, type TodoList } from './types.js';

// Every operation's happy path, and every error a caller can provoke from outside.

const fieldError = (problem: unknown, path: string) => ((problem as Problem | undefined)?.errors ?? []).some((e) => e.path === path);

function expectFieldError(res: Awaited<ReturnType<Context['request']>>, path: string): void {
  expectStatus(res, 422, 'validation_failed');
  expect(fieldError(res.body, path), `${describe(res)}, but errors[] does not name ${path}: ${JSON.stringify((res.body as Problem).errors)}`);
}

/** A todo of user A in a list of its own, created once per run and shared by the todos group. */
async function scratchList(ctx: Context): Promise<string> {
  let id = ctx.state.get('todos-list') as string | undefined;
  if (!id) {
    id = (await ctx.freshList('a', 'todos')).id;
    ctx.state.set('todos-list', id);
  }
  return id;
}

const CREATE = 'create a todo: 201 with Location, ETag and the todo as sent';

export const todos: Group = {
  name: 'todos',
  paths: /^\/v1\/todos/,
  checks: [
    {
      name: CREATE,
      async run(ctx) {
        const list = await scratchList(ctx);
        const { res, object } = await ctx.create<Todo>('a', 'todos', { title: `  ${ctx.marker} first  `, priority: 'high', due_at: '2030-01-02T03:04:05+02:00', list_id: list });
        expect(res.headers.get('location')?.endsWith(`/v1/todos/${object.id}`), `Location is ${res.headers.get('location')}, expected …/v1/todos/${object.id}`);
        expect(res.headers.get('etag') === `"${object.version}"`, `ETag is ${res.headers.get('etag')}, expected "${object.version}"`);
        expect(object.title === `${ctx.marker} first`, `title is ${JSON.stringify(object.title)}, expected it trimmed`);
        expect((object as unknown as { due_at: string }).due_at === '2030-01-02T01:04:05.000Z', `due_at is ${(object as unknown as { due_at: string }).due_at}, expected it in UTC with milliseconds`);
        expect(object.completed === false && object.completed_at === null && object.list_id === list, 'a new todo is open, in the list it was created in');
        ctx.state.set('todo', object);
      },
    },
    {
      name: 'a todo created without list_id goes to the default list',
      async run(ctx) {
        const { object } = await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} inbox` });
        const list = await ctx.request('a', 'GET', `/v1/lists/${object.list_id}`);
        expectStatus(list, 200);
        expect((list.body as TodoList).is_default, `the todo went to list ${object.list_id}, which is not the default list`);
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${object.id}`), 204);
      },
    },
    {
      name: 'get a todo: 200 with its ETag',
      async run(ctx) {
        const todo = ctx.need<Todo>('todo', `todos: ${CREATE}`);
        const res = await ctx.request('a', 'GET', `/v1/todos/${todo.id}`);
        expectStatus(res, 200);
        expect((res.body as Todo).id === todo.id && res.headers.get('etag') === `"${todo.version}"`, `GET answers ${res.headers.get('etag')} for version ${todo.version}`);
      },
    },
    {
      name: 'update a todo (JSON Merge Patch): completed sets completed_at, null clears, version goes up by one',
      async run(ctx) {
        const todo = ctx.need<Todo>('todo', `todos: ${CREATE}`);
        const res = await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { completed: true, due_at: null, description: 'notes' }, contentType: 'application/merge-patch+json' });
        expectStatus(res, 200);
        const after = res.body as Todo & { due_at: string | null };
        expect(after.completed && after.completed_at !== null, 'completed: true did not set completed_at');
        expect(after.due_at === null && after.description === 'notes' && after.title === todo.title, 'the patch did not apply as a merge patch');
        expect(after.version === todo.version + 1 && res.headers.get('etag') === `"${after.version}"`, `version ${todo.version} became ${after.version} (ETag ${res.headers.get('etag')}), expected ${todo.version + 1}`);
        const reopened = await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { completed: false } });
        expectStatus(reopened, 200);
        expect((reopened.body as Todo).completed_at === null, 'completed: false did not clear completed_at');
        const same = await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { completed: false } });
        expectStatus(same, 200);
        expect((same.body as Todo).version === (reopened.body as Todo).version, 'a patch that changes nothing changed the version');
        ctx.state.set('todo', same.body);
      },
    },
    {
      name: 'list todos: the filters find the created todo, and only todos that match',
      async run(ctx) {
        const todo = ctx.need<Todo>('todo', `todos: ${CREATE}`);
        const q = encodeURIComponent(ctx.marker.toUpperCase());
        for (const query of [`q=${q}`, `list_id=${todo.list_id}&priority=high,urgent`, `list_id=${todo.list_id}&completed=false&sort=-due_at`]) {
          const res = await ctx.request('a', 'GET', `/v1/todos?${query}`);
          expectStatus(res, 200);
          expect((res.body as Page<Todo>).data.some((t) => t.id === todo.id), `GET /v1/todos?${query} does not list the todo`);
        }
        const none = await ctx.request('a', 'GET', `/v1/todos?list_id=${todo.list_id}&completed=true`);
        expectStatus(none, 200);
        expect(!(none.body as Page<Todo>).data.some((t) => t.id === todo.id), 'completed=true lists an open todo');
      },
    },
    {
      name: 'subtasks: parent_id nests a todo, the parent counts it, and deleting the parent deletes it',
      async run(ctx) {
        const list = await scratchList(ctx);
        const { object: parent } = await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} parent`, list_id: list });
        const { object: child } = await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} child`, parent_id: parent.id });
        expect(child.parent_id === parent.id && child.list_id === list, 'the subtask is not under its parent, in its list');
        const got = await ctx.request('a', 'GET', `/v1/todos/${parent.id}`);
        expect((got.body as Todo).subtask_count === 1 && (got.body as Todo).open_subtask_count === 1, `the parent counts ${(got.body as Todo).subtask_count} subtasks, expected 1`);
        const children = await ctx.request('a', 'GET', `/v1/todos?parent_id=${parent.id}`);
        expect((children.body as Page<Todo>).data.map((t) => t.id).join() === child.id, 'parent_id=<id> does not list exactly the subtask');
        expectFieldError(await ctx.request('a', 'PATCH', `/v1/todos/${parent.id}`, { json: { parent_id: child.id } }), 'body.parent_id');
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${parent.id}`), 204);
        expectStatus(await ctx.request('a', 'GET', `/v1/todos/${child.id}`), 404, 'not_found');
      },
    },
    {
      name: 'move a todo: before_id and after_id reorder it, sort=position shows the order',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'move')).id;
        const ids: string[] = [];
        for (const n of [1, 2, 3]) ids.push((await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} move ${n}`, list_id: list })).object.id);
        const order = async () => ((await ctx.request('a', 'GET', `/v1/todos?list_id=${list}&parent_id=none&sort=position`)).body as Page<Todo>).data.map((t) => t.id);
        expect((await order()).join() === ids.join(), 'new todos do not go to the end of their list');
        const moved = await ctx.request('a', 'POST', `/v1/todos/${ids[2]}/move`, { json: { before_id: ids[0] } });
        expectStatus(moved, 200);
        expect(moved.headers.get('etag') === `"${(moved.body as Todo).version}"`, 'a move does not answer the new ETag');
        expectStatus(await ctx.request('a', 'POST', `/v1/todos/${ids[0]}/move`, { json: { after_id: ids[1] } }), 200);
        const now = await order();
        expect(now.join() === [ids[2], ids[1], ids[0]].join(), `the order after two moves is ${now.join()}`);
        const other = (await ctx.freshList('a', 'move target')).id;
        const across = await ctx.request('a', 'POST', `/v1/todos/${ids[1]}/move`, { json: { list_id: other } });
        expectStatus(across, 200);
        expect((across.body as Todo).list_id === other && (across.body as Todo).id === ids[1], 'a move to another list did not move it (or changed its id)');
        expectFieldError(await ctx.request('a', 'POST', `/v1/todos/${ids[0]}/move`, { json: { before_id: MISSING_ID } }), 'body.before_id');
      },
    },
    {
      name: 'delete a todo: 204, then 404 not_found',
      async run(ctx) {
        const todo = ctx.need<Todo>('todo', `todos: ${CREATE}`);
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${todo.id}`), 204);
        expectStatus(await ctx.request('a', 'GET', `/v1/todos/${todo.id}`), 404, 'not_found');
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${todo.id}`), 404, 'not_found');
      },
    },
    {
      name: 'bad bodies: 422 naming the field (empty title, unknown and read-only fields, bad priority, NUL)',
      async run(ctx) {
        const list = await scratchList(ctx);
        const cases: Array<[unknown, string]> = [
          [{ title: '   ', list_id: list }, 'body.title'],
          [{ title: 'x', titel: 'typo', list_id: list }, 'body.titel'],
          [{ title: 'x', version: 3, list_id: list }, 'body.version'],
          [{ title: 'x', priority: 'critical', list_id: list }, 'body.priority'],
          [{ title: 'a\u0000b', list_id: list }, 'body.title'],
          [{ title: 'x', list_id: MISSING_ID }, 'body.list_id'],
        ];
        for (const [json, path] of cases) expectFieldError(await ctx.request('a', 'POST', '/v1/todos', { json }), path);
        const found = await ctx.request('a', 'GET', `/v1/todos?list_id=${list}&q=${encodeURIComponent('x')}`);
        expect(!(found.body as Page<Todo>).data.some((t) => t.title === 'x'), 'a refused create left a todo behind');
      },
    },
    {
      name: 'malformed requests: 400 for bad JSON, 415 for a wrong content type, 413 for a body too large',
      async run(ctx) {
        expectStatus(await ctx.request('a', 'POST', '/v1/todos', { body: '{"title": "x"', contentType: 'application/json' }), 400, 'bad_request');
        expectStatus(await ctx.request('a', 'POST', '/v1/todos', { body: 'title=x', contentType: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
        expectStatus(await ctx.request('a', 'POST', '/v1/todos', { json: { title: 'x'.repeat(1_100_000) } }), 413, 'payload_too_large');
      },
    },
    {
      name: 'bad paths and queries: a malformed id is a 422 on path.id, a missing one a 404, an unknown or repeated parameter a 422',
      async run(ctx) {
        expectFieldError(await ctx.request('a', 'GET', '/v1/todos/not-an-id'), 'path.id');
        expectFieldError(await ctx.request('a', 'PATCH', '/v1/todos/not-an-id', { json: { title: 'x' } }), 'path.id');
        for (const method of ['GET', 'DELETE']) expectStatus(await ctx.request('a', method, `/v1/todos/${MISSING_ID}`), 404, 'not_found');
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${MISSING_ID}`, { json: { title: 'x' } }), 404, 'not_found');
        expectStatus(await ctx.request('a', 'POST', `/v1/todos/${MISSING_ID}/move`, { json: {} }), 404, 'not_found');
        expectStatus(await ctx.request('a', 'GET', '/v1/todos?colour=red'), 422, 'validation_failed');
        expectStatus(await ctx.request('a', 'GET', '/v1/todos?limit=5&limit=6'), 422, 'validation_failed');
        expectStatus(await ctx.request('a', 'GET', '/v1/todos?sort=title'), 422, 'validation_failed');
        expectStatus(await ctx.request('a', 'GET', '/v1/todos?due_before=tomorrow'), 422, 'validation_failed');
      },
    },
  ],
};

/** Every item of user A at a list path, page by page (at most 20 pages). */
async function allPages<T>(ctx: Context, path: string): Promise<T[]> {
  const all: T[] = [];
  for (let cursor: string | null = null, n = 0; n < 20; n++) {
    const res = await ctx.request('a', 'GET', `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expectStatus(res, 200);
    const page = res.body as Page<T>;
    all.push(...page.data);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return all;
}

const allLists = (ctx: Context, query: string) => allPages<TodoList>(ctx, `/v1/lists?limit=100${query}`);

export const lists: Group = {
  name: 'lists',
  paths: /^\/v1\/lists/,
  checks: [
    {
      name: 'create, get, rename and list lists; exactly one is the default list',
      async run(ctx) {
        const { res, object } = await ctx.create<TodoList>('a', 'lists', { name: `${ctx.marker} list`, color: '#1E90FF' });
        expect(res.headers.get('location')?.endsWith(`/v1/lists/${object.id}`) && res.headers.get('etag') === `"${object.version}"`, 'a new list lacks its Location or ETag');
        expect(!object.is_default && !object.archived && object.todo_count === 0, 'a new list is not an empty, unarchived, ordinary list');
        expectStatus(await ctx.request('a', 'GET', `/v1/lists/${object.id}`), 200);
        const renamed = await ctx.request('a', 'PATCH', `/v1/lists/${object.id}`, { json: { name: `${ctx.marker} renamed` } });
        expectStatus(renamed, 200);
        expect((renamed.body as TodoList).version === object.version + 1, 'a rename did not increment the version');
        const all = await allLists(ctx, '');
        expect(all.some((l) => l.id === object.id), 'GET /v1/lists does not list the new list');
        const defaults = all.filter((l) => l.is_default);
        expect(defaults.length === 1, `the lists hold ${defaults.length} default lists, expected exactly one`);
        ctx.state.set('default-list', defaults[0]!.id);
      },
    },
    {
      name: 'the counts follow the todos, and deleting a list deletes its todos',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'counted')).id;
        const { object: todo } = await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} counted`, list_id: list });
        await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} counted 2`, list_id: list });
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { completed: true } }), 200);
        const got = (await ctx.request('a', 'GET', `/v1/lists/${list}`)).body as TodoList & { open_todo_count: number };
        expect(got.todo_count === 2 && got.open_todo_count === 1, `todo_count ${got.todo_count}, open_todo_count ${got.open_todo_count}: expected 2 and 1`);
        expectStatus(await ctx.request('a', 'DELETE', `/v1/lists/${list}`), 204);
        expectStatus(await ctx.request('a', 'GET', `/v1/lists/${list}`), 404, 'not_found');
        expectStatus(await ctx.request('a', 'GET', `/v1/todos/${todo.id}`), 404, 'not_found');
      },
    },
    {
      name: 'archived lists are listed only with archived=true',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'archived')).id;
        expectStatus(await ctx.request('a', 'PATCH', `/v1/lists/${list}`, { json: { archived: true } }), 200);
        const pages = async (query: string) => (await allLists(ctx, query)).map((l) => l.id);
        expect(!(await pages('')).includes(list), 'an archived list is listed without archived=true');
        expect((await pages('&archived=true')).includes(list), 'archived=true does not list the archived list');
      },
    },
    {
      name: 'move a list: before_id puts it in front',
      async run(ctx) {
        const first = (await ctx.freshList('a', 'order 1')).id;
        const second = (await ctx.freshList('a', 'order 2')).id;
        const moved = await ctx.request('a', 'POST', `/v1/lists/${second}/move`, { json: { before_id: first } });
        expectStatus(moved, 200);
        const a = ((await ctx.request('a', 'GET', `/v1/lists/${first}`)).body as TodoList).position;
        const b = (moved.body as TodoList).position;
        expect(b < a, `after the move the positions are ${b} and ${a}: expected the moved list first (bytewise)`);
      },
    },
    {
      name: 'the default list cannot be deleted or archived (409 default_list); bad list bodies are 422',
      async run(ctx) {
        let inbox = ctx.state.get('default-list') as string | undefined;
        inbox ??= (await allLists(ctx, '')).find((l) => l.is_default)?.id;
        expect(inbox, 'no default list');
        expectStatus(await ctx.request('a', 'DELETE', `/v1/lists/${inbox}`), 409, 'default_list');
        expectStatus(await ctx.request('a', 'PATCH', `/v1/lists/${inbox}`, { json: { archived: true } }), 409, 'default_list');
        expectFieldError(await ctx.request('a', 'POST', '/v1/lists', { json: { name: '' } }), 'body.name');
        expectFieldError(await ctx.request('a', 'POST', '/v1/lists', { json: { name: 'x', color: 'blue' } }), 'body.color');
        expectFieldError(await ctx.request('a', 'GET', '/v1/lists/not-an-id'), 'path.id');
        expectStatus(await ctx.request('a', 'GET', `/v1/lists/${MISSING_ID}`), 404, 'not_found');
      },
    },
  ],
};

export const labels: Group = {
  name: 'labels',
  paths: /^\/v1\/labels/,
  checks: [
    {
      name: 'create, get, rename and list labels; a name is unique ignoring case (409 label_exists)',
      async run(ctx) {
        const { res, object } = await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} Work`, color: '#AABBCC' });
        expect(res.headers.get('location')?.endsWith(`/v1/labels/${object.id}`) && res.headers.get('etag') === `"${object.version}"`, 'a new label lacks its Location or ETag');
        expect(object.color === '#aabbcc', `color is ${object.color}, expected it lower-case`);
        expectStatus(await ctx.request('a', 'GET', `/v1/labels/${object.id}`), 200);
        expectStatus(await ctx.request('a', 'POST', '/v1/labels', { json: { name: `${ctx.marker} WORK` } }), 409, 'label_exists');
        const renamed = await ctx.request('a', 'PATCH', `/v1/labels/${object.id}`, { json: { name: `${ctx.marker} Office` } });
        expectStatus(renamed, 200);
        const all = await allPages<Label>(ctx, '/v1/labels?limit=100');
        expect(all.some((l) => l.id === object.id && l.name === `${ctx.marker} Office`), 'GET /v1/labels does not list the renamed label');
      },
    },
    {
      name: "a todo's label_ids keep their order, filter with label_id, and deleting a label takes it off its todos",
      async run(ctx) {
        const first = (await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} one` })).object;
        const second = (await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} two` })).object;
        const list = (await ctx.freshList('a', 'labelled')).id;
        const { object: todo } = await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} labelled`, list_id: list, label_ids: [second.id, first.id] });
        expect(todo.label_ids.join() === [second.id, first.id].join(), 'label_ids are not kept in the order given');
        const filtered = await ctx.request('a', 'GET', `/v1/todos?label_id=${first.id}`);
        expect((filtered.body as Page<Todo>).data.some((t) => t.id === todo.id), 'label_id=<id> does not find the labelled todo');
        expectFieldError(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { label_ids: [first.id, MISSING_ID] } }), 'body.label_ids.1');
        expectStatus(await ctx.request('a', 'DELETE', `/v1/labels/${second.id}`), 204);
        const after = (await ctx.request('a', 'GET', `/v1/todos/${todo.id}`)).body as Todo;
        expect(after.label_ids.join() === first.id && after.version === todo.version + 1, 'deleting a label did not take it off its todo with a new version');
        expectStatus(await ctx.request('a', 'GET', `/v1/labels/${second.id}`), 404, 'not_found');
      },
    },
    {
      name: 'bad label bodies and ids: 422 naming the field, 404 for a missing label',
      async run(ctx) {
        expectFieldError(await ctx.request('a', 'POST', '/v1/labels', { json: { name: ' ' } }), 'body.name');
        expectFieldError(await ctx.request('a', 'POST', '/v1/labels', { json: { name: 'x'.repeat(65) } }), 'body.name');
        expectFieldError(await ctx.request('a', 'POST', '/v1/labels', { json: { name: 'x', id: MISSING_ID } }), 'body.id');
        expectFieldError(await ctx.request('a', 'GET', '/v1/labels/not-an-id'), 'path.id');
        for (const method of ['GET', 'DELETE']) expectStatus(await ctx.request('a', method, `/v1/labels/${MISSING_ID}`), 404, 'not_found');
        expectStatus(await ctx.request('a', 'PATCH', `/v1/labels/${MISSING_ID}`, { json: { name: 'x' } }), 404, 'not_found');
      },
    },
  ],
};
