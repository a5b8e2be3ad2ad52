import { describe, expect, expectStatus, type Context, type Group } from '../runner.js';
import type { ApiResponse } from '../http.js';
import { MISSING_ID, type Change, type ChangePage, type Label, type Page, type Problem, type Todo, type TodoList } from './types.js';

// The cross-cutting rules: per-user isolation, ETag/If-Match, Idempotency-Key, pagination and
// the change feed.

/** A problem's body without what differs per request (request_id, detail naming the id, instance). */
function problemShape(res: ApiResponse): string {
  const p = res.body as Problem | undefined;
  return `${res.status} ${p?.code} ${p?.type} ${p?.title}`;
}

async function todoOfA(ctx: Context, name: string): Promise<Todo> {
  const list = (await ctx.freshList('a', name)).id;
  return (await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} ${name}`, list_id: list })).object;
}

export const isolation: Group = {
  name: 'isolation',
  checks: [
    {
      name: "another user's todo, list and label answer exactly like missing ones (404, same problem) in every operation",
      async run(ctx) {
        const todo = await todoOfA(ctx, 'private');
        const label = (await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} private` })).object;
        const resources: Array<[string, 'todos' | 'lists' | 'labels', unknown]> = [
          [todo.id, 'todos', { title: 'taken over' }],
          [todo.list_id, 'lists', { name: 'taken over' }],
          [label.id, 'labels', { name: 'taken over' }],
        ];
        for (const [id, kind, patch] of resources) {
          const ops: Array<[string, string, unknown?]> = [['GET', ''], ['PATCH', '', patch], ...(kind === 'labels' ? [] : [['POST', '/move', {}] as [string, string, unknown]]), ['DELETE', '']];
          for (const [method, suffix, json] of ops) {
            const foreign = await ctx.request('b', method, `/v1/${kind}/${id}${suffix}`, { json });
            const missing = await ctx.request('b', method, `/v1/${kind}/${MISSING_ID}${suffix}`, { json });
            expectStatus(foreign, 404, 'not_found');
            expect(problemShape(foreign) === problemShape(missing), `${method} /v1/${kind}/{id}${suffix} of another user's object (${problemShape(foreign)}) differs from a missing one (${problemShape(missing)})`);
          }
        }
        const still = await ctx.request('a', 'GET', `/v1/todos/${todo.id}`);
        expectStatus(still, 200);
        expect((still.body as Todo).version === todo.version && (still.body as Todo).title === todo.title, "the other user's attempts changed the todo");
      },
    },
    {
      name: "another user's data never appears in a list, a search or a filter",
      async run(ctx) {
        const todo = await todoOfA(ctx, 'unseen');
        const queries = [`q=${encodeURIComponent(ctx.marker)}`, `list_id=${todo.list_id}`, 'limit=100'];
        for (const query of queries) {
          const res = await ctx.request('b', 'GET', `/v1/todos?${query}`);
          expectStatus(res, 200);
          expect(!(res.body as Page<Todo>).data.some((t) => t.id === todo.id || t.title.includes(ctx.marker)), `GET /v1/todos?${query} as the other user shows the first user's todo`);
        }
        const lists = (await ctx.request('b', 'GET', '/v1/lists?limit=100&archived=true')).body as Page<TodoList>;
        expect(!lists.data.some((l) => l.id === todo.list_id || l.name.includes(ctx.marker)), "the other user's lists show the first user's list");
        const labelPage = (await ctx.request('b', 'GET', '/v1/labels?limit=100')).body as Page<Label>;
        expect(!labelPage.data.some((l) => l.name.includes(ctx.marker)), "the other user's labels show the first user's labels");
      },
    },
    {
      name: "another user's id in a body is the same 422 as a missing id, naming the field",
      async run(ctx) {
        const todo = await todoOfA(ctx, 'referenced');
        const label = (await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} referenced` })).object;
        const bodies: Array<[unknown, string]> = [
          [{ title: 'x', list_id: todo.list_id }, 'body.list_id'],
          [{ title: 'x', parent_id: todo.id }, 'body.parent_id'],
          [{ title: 'x', label_ids: [label.id] }, 'body.label_ids.0'],
        ];
        for (const [json, path] of bodies) {
          const res = await ctx.request('b', 'POST', '/v1/todos', { json });
          expectStatus(res, 422, 'validation_failed');
          expect((res.body as Problem).errors?.some((e) => e.path === path), `${describe(res)} does not name ${path}`);
        }
      },
    },
  ],
};

export const conditional: Group = {
  name: 'conditional',
  checks: [
    {
      name: 'If-None-Match with the current ETag is a 304 without a body',
      async run(ctx) {
        const todo = await todoOfA(ctx, 'etag');
        const res = await ctx.request('a', 'GET', `/v1/todos/${todo.id}`, { headers: { 'if-none-match': `"${todo.version}"` } });
        expectStatus(res, 304);
        expect(res.text === '', 'a 304 has a body');
        expectStatus(await ctx.request('a', 'GET', `/v1/todos/${todo.id}`, { headers: { 'if-none-match': `"${todo.version + 1}"` } }), 200);
      },
    },
    {
      name: 'a stale If-Match on PATCH is a 412 precondition_failed and changes nothing; the current one succeeds',
      async run(ctx) {
        const todo = await todoOfA(ctx, 'if-match');
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { title: `${ctx.marker} v2` } }), 200);
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { title: `${ctx.marker} lost` }, headers: { 'if-match': `"${todo.version}"` } }), 412, 'precondition_failed');
        const now = await ctx.request('a', 'GET', `/v1/todos/${todo.id}`);
        expect((now.body as Todo).title === `${ctx.marker} v2`, 'a 412 PATCH changed the todo');
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { title: `${ctx.marker} v3` }, headers: { 'if-match': now.headers.get('etag') ?? '' } }), 200);
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { title: `${ctx.marker} v4` }, headers: { 'if-match': '*' } }), 200);
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { title: 'x' }, headers: { 'if-match': `W/"${todo.version + 3}"` } }), 412, 'precondition_failed');
      },
    },
    {
      name: 'a stale If-Match on DELETE and on a move is a 412, and the todo stays',
      async run(ctx) {
        const todo = await todoOfA(ctx, 'if-match-delete');
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { completed: true } }), 200);
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${todo.id}`, { headers: { 'if-match': `"${todo.version}"` } }), 412, 'precondition_failed');
        expectStatus(await ctx.request('a', 'POST', `/v1/todos/${todo.id}/move`, { json: {}, headers: { 'if-match': `"${todo.version}"` } }), 412, 'precondition_failed');
        expectStatus(await ctx.request('a', 'GET', `/v1/todos/${todo.id}`), 200);
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${todo.id}`, { headers: { 'if-match': `"${todo.version + 1}"` } }), 204);
      },
    },
    {
      name: 'an unquoted If-Match is a 400 invalid_if_match; lists and labels honour If-Match too',
      async run(ctx) {
        const todo = await todoOfA(ctx, 'if-match-unquoted');
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { title: 'x' }, headers: { 'if-match': String(todo.version) } }), 400, 'invalid_if_match');
        const list = ((await ctx.request('a', 'GET', `/v1/lists/${todo.list_id}`)).body as TodoList);
        expectStatus(await ctx.request('a', 'PATCH', `/v1/lists/${list.id}`, { json: { name: 'x' }, headers: { 'if-match': `"${list.version + 1}"` } }), 412, 'precondition_failed');
        const label = (await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} etag` })).object;
        expectStatus(await ctx.request('a', 'DELETE', `/v1/labels/${label.id}`, { headers: { 'if-match': `"${label.version + 1}"` } }), 412, 'precondition_failed');
        expectStatus(await ctx.request('a', 'GET', `/v1/labels/${label.id}`, { headers: { 'if-none-match': `"${label.version}"` } }), 304);
      },
    },
  ],
};

const key = (ctx: Context, name: string) => `${ctx.marker}-${name}`;

export const idempotency: Group = {
  name: 'idempotency',
  checks: [
    {
      name: 'a POST repeated with its Idempotency-Key replays the first response (Idempotent-Replayed: true) and creates one todo',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'idempotent')).id;
        const json = { title: `${ctx.marker} once`, list_id: list };
        const headers = { 'idempotency-key': key(ctx, 'create') };
        const first = await ctx.create<Todo>('a', 'todos', json, headers);
        // Key order and spacing do not make another body.
        const again = await ctx.request('a', 'POST', '/v1/todos', { body: JSON.stringify({ list_id: list, title: json.title }, null, 2), headers });
        expectStatus(again, 201);
        const page = (await ctx.request('a', 'GET', `/v1/todos?list_id=${list}`)).body as Page<Todo>;
        expect(page.data.length === 1, `the list holds ${page.data.length} todos after a replayed create, expected 1`);
        expect(again.headers.get('idempotent-replayed') === 'true', `the repeat answered Idempotent-Replayed: ${again.headers.get('idempotent-replayed')}`);
        expect((again.body as Todo).id === first.object.id && again.headers.get('location') === first.res.headers.get('location') && again.headers.get('etag') === first.res.headers.get('etag'), 'the replay is not the first response (id, Location, ETag)');
        expect(first.res.headers.get('idempotent-replayed') !== 'true', 'the first response says it was replayed');
      },
    },
    {
      name: 'the same key with another body, path or method is a 422 idempotency_key_reused',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'reused')).id;
        const headers = { 'idempotency-key': key(ctx, 'reused') };
        await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} reused`, list_id: list }, headers);
        expectStatus(await ctx.request('a', 'POST', '/v1/todos', { json: { title: `${ctx.marker} other`, list_id: list }, headers }), 422, 'idempotency_key_reused');
        expectStatus(await ctx.request('a', 'POST', '/v1/labels', { json: { name: `${ctx.marker} reused` }, headers }), 422, 'idempotency_key_reused');
        const page = (await ctx.request('a', 'GET', `/v1/todos?list_id=${list}`)).body as Page<Todo>;
        expect(page.data.length === 1, 'a reused key wrote a second todo');
      },
    },
    {
      name: 'a retried PATCH and DELETE replay their answers; a request that failed stores nothing',
      async run(ctx) {
        const todo = await todoOfA(ctx, 'idempotent-write');
        const patchKey = { 'idempotency-key': key(ctx, 'patch') };
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { title: '' }, headers: patchKey }), 422, 'validation_failed');
        const patched = await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { priority: 'low' }, headers: patchKey });
        expectStatus(patched, 200);
        expect(patched.headers.get('idempotent-replayed') !== 'true', 'the PATCH after a failed one with the same key was a replay: the failure was stored');
        const replayed = await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { priority: 'low' }, headers: patchKey });
        expect(replayed.headers.get('idempotent-replayed') === 'true' && (replayed.body as Todo).version === (patched.body as Todo).version, 'a retried PATCH was not replayed');
        const deleteKey = { 'idempotency-key': key(ctx, 'delete') };
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${todo.id}`, { headers: deleteKey }), 204);
        const again = await ctx.request('a', 'DELETE', `/v1/todos/${todo.id}`, { headers: deleteKey });
        expectStatus(again, 204);
        expect(again.headers.get('idempotent-replayed') === 'true', 'a retried DELETE did not replay its 204');
      },
    },
    {
      name: 'keys are per user, and a key longer than 255 characters is a 422',
      async run(ctx) {
        const headers = { 'idempotency-key': key(ctx, 'shared') };
        await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} shared` }, headers);
        const other = await ctx.create<Label>('b', 'labels', { name: `${ctx.marker} shared` }, headers);
        expect(other.res.headers.get('idempotent-replayed') !== 'true', "the other user's request with the same key was answered with the first user's response");
        expectStatus(await ctx.request('a', 'POST', '/v1/labels', { json: { name: `${ctx.marker} long key` }, headers: { 'idempotency-key': 'k'.repeat(256) } }), 422, 'validation_failed');
      },
    },
  ],
};

export const pagination: Group = {
  name: 'pagination',
  checks: [
    {
      name: 'limit and next_cursor walk every todo once, with Link rel="next", and the last page has next_cursor null',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'pages')).id;
        const ids: string[] = [];
        for (let n = 0; n < 5; n++) ids.push((await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} page ${n}`, list_id: list })).object.id);
        for (const sort of ['position', '-created_at', 'priority']) {
          const seen: string[] = [];
          let url = `/v1/todos?list_id=${list}&parent_id=none&sort=${sort}&limit=2`;
          for (let n = 0; n < 10; n++) {
            const res = await ctx.request('a', 'GET', url);
            expectStatus(res, 200);
            const page = res.body as Page<Todo>;
            expect(page.data.length <= 2, `a page of limit=2 holds ${page.data.length} todos`);
            seen.push(...page.data.map((t) => t.id));
            if (page.next_cursor === null) {
              expect(!/rel="next"/.test(res.headers.get('link') ?? ''), 'the last page has a Link rel="next"');
              break;
            }
            expect(/rel="next"/.test(res.headers.get('link') ?? ''), 'a page with next_cursor has no Link rel="next"');
            url = `/v1/todos?list_id=${list}&parent_id=none&sort=${sort}&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`;
          }
          expect(seen.length === 5 && new Set(seen).size === 5 && ids.every((id) => seen.includes(id)), `sort=${sort}: the pages hold ${seen.length} todos (${new Set(seen).size} different), expected the 5 once each`);
          if (sort === 'position') expect(seen.join() === ids.join(), 'sort=position does not list the todos in the order they were created');
        }
      },
    },
    {
      name: 'a cursor keeps its place while todos are added and deleted',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'churn')).id;
        const ids: string[] = [];
        for (let n = 0; n < 4; n++) ids.push((await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} churn ${n}`, list_id: list })).object.id);
        const base = `/v1/todos?list_id=${list}&parent_id=none&sort=position&limit=2`;
        const first = (await ctx.request('a', 'GET', base)).body as Page<Todo>;
        expect(first.next_cursor, 'the first page of 4 todos at limit=2 has no next_cursor');
        expectStatus(await ctx.request('a', 'DELETE', `/v1/todos/${ids[0]}`), 204);
        const added = (await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} churn new`, list_id: list })).object.id;
        const second = (await ctx.request('a', 'GET', `${base}&cursor=${encodeURIComponent(first.next_cursor)}`)).body as Page<Todo>;
        expect(second.data.map((t) => t.id).join() === [ids[2], ids[3]].join(), `after churn the next page is ${second.data.map((t) => t.id).join()}, expected the 3rd and 4th todos`);
        expect(second.next_cursor !== null, `the todo added during the walk (${added}) is not on a later page`);
      },
    },
    {
      name: 'a tampered cursor, a cursor with other filters and another user\'s cursor are 422; limit must be 1 to 100',
      async run(ctx) {
        const list = (await ctx.freshList('a', 'cursor')).id;
        for (let n = 0; n < 2; n++) await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} cursor ${n}`, list_id: list });
        const page = (await ctx.request('a', 'GET', `/v1/todos?list_id=${list}&limit=1`)).body as Page<Todo>;
        const cursor = page.next_cursor;
        expect(cursor, 'no next_cursor on a page of 1 of 2 todos');
        const flipped = `${cursor.slice(0, -2)}${cursor.slice(-2) === 'AA' ? 'BB' : 'AA'}`;
        expectStatus(await ctx.request('a', 'GET', `/v1/todos?list_id=${list}&limit=1&cursor=${encodeURIComponent(flipped)}`), 422, 'validation_failed');
        expectStatus(await ctx.request('a', 'GET', `/v1/todos?list_id=${list}&limit=1&sort=due_at&cursor=${encodeURIComponent(cursor)}`), 422, 'validation_failed');
        expectStatus(await ctx.request('b', 'GET', `/v1/todos?list_id=${list}&limit=1&cursor=${encodeURIComponent(cursor)}`), 422, 'validation_failed');
        expectStatus(await ctx.request('a', 'GET', `/v1/todos?list_id=${list}&limit=5&cursor=${encodeURIComponent(cursor)}`), 200);
        for (const limit of ['0', '101', 'ten']) expectStatus(await ctx.request('a', 'GET', `/v1/todos?limit=${limit}`), 422, 'validation_failed');
      },
    },
    {
      name: 'lists and labels page with limit and next_cursor too',
      async run(ctx) {
        for (let n = 0; n < 2; n++) await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} paged ${n}` });
        for (const kind of ['labels', 'lists']) {
          const first = await ctx.request('a', 'GET', `/v1/${kind}?limit=1`);
          expectStatus(first, 200);
          const page = first.body as Page<{ id: string }>;
          expect(page.data.length === 1 && page.next_cursor, `GET /v1/${kind}?limit=1 with at least 2 ${kind} has no next_cursor`);
          const next = await ctx.request('a', 'GET', `/v1/${kind}?limit=1&cursor=${encodeURIComponent(page.next_cursor)}`);
          expectStatus(next, 200);
          expect((next.body as Page<{ id: string }>).data[0]?.id !== page.data[0]!.id, `the second page of /v1/${kind} repeats the first`);
          expectStatus(await ctx.request('a', 'GET', `/v1/${kind}?limit=1&cursor=not-a-cursor`), 422, 'validation_failed');
        }
      },
    },
  ],
};

async function feedSince(ctx: Context, who: 'a' | 'b', cursor: string): Promise<Change[]> {
  const changes: Change[] = [];
  for (let n = 0; n < 50; n++) {
    const res = await ctx.request(who, 'GET', `/v1/changes?cursor=${encodeURIComponent(cursor)}&limit=1000`);
    expectStatus(res, 200);
    const page = res.body as ChangePage;
    changes.push(...page.data);
    expect(typeof page.next_cursor === 'string', 'a page of the feed has no next_cursor');
    cursor = page.next_cursor;
    if (!page.has_more) return changes;
  }
  throw new Error('the change feed did not end after 50 pages');
}

async function latest(ctx: Context, who: 'a' | 'b'): Promise<string> {
  const res = await ctx.request(who, 'GET', '/v1/changes/latest');
  expectStatus(res, 200);
  const cursor = (res.body as { cursor?: unknown }).cursor;
  expect(typeof cursor === 'string', 'GET /v1/changes/latest has no cursor');
  return cursor;
}

export const changes: Group = {
  name: 'changes',
  paths: /^\/v1\/changes/,
  cannotRun: (ctx) => (ctx.spec.hasPath('/v1/changes') ? undefined : 'the spec has no /v1/changes operations'),
  checks: [
    {
      name: 'writes after /v1/changes/latest come in the feed in order, the last state of each, deletions included',
      async run(ctx) {
        const cursor = await latest(ctx, 'a');
        const list = (await ctx.freshList('a', 'feed')).id;
        const { object: todo } = await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} feed`, list_id: list });
        expectStatus(await ctx.request('a', 'PATCH', `/v1/todos/${todo.id}`, { json: { completed: true } }), 200);
        const label = (await ctx.create<Label>('a', 'labels', { name: `${ctx.marker} feed` })).object;
        expectStatus(await ctx.request('a', 'DELETE', `/v1/labels/${label.id}`), 204);
        const feed = await feedSince(ctx, 'a', cursor);
        const seqs = feed.map((c) => c.seq);
        expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `the feed's seq is not increasing: ${seqs.join(', ')}`);
        const last = (type: string, id: string) => feed.filter((c) => c.type === type && c.id === id).at(-1);
        expect(last('list', list)?.op === 'upsert', 'the new list is not in the feed');
        const todoChange = last('todo', todo.id);
        expect(todoChange?.op === 'upsert' && todoChange.version >= todo.version + 1 && (todoChange.data as Todo | null)?.completed === true, `the todo's last change is ${JSON.stringify(todoChange)}, expected an upsert with completed: true`);
        expect(last('label', label.id)?.op === 'delete' && last('label', label.id)?.data === null, "the label's deletion is not in the feed (op delete, data null)");
        const empty = await ctx.request('a', 'GET', `/v1/changes?cursor=${encodeURIComponent(await latest(ctx, 'a'))}`);
        expectStatus(empty, 200);
        expect((empty.body as ChangePage).data.length === 0 && typeof (empty.body as ChangePage).next_cursor === 'string', 'the feed from the latest cursor is not empty with a next_cursor');
      },
    },
    {
      name: "the feed never shows another user's changes, and a foreign or tampered cursor is a 422",
      async run(ctx) {
        const cursorA = await latest(ctx, 'a');
        const cursorB = await latest(ctx, 'b');
        const todo = await todoOfA(ctx, 'feed-private');
        const feedB = await feedSince(ctx, 'b', cursorB);
        expect(!feedB.some((c) => c.id === todo.id || c.id === todo.list_id), "the other user's feed shows the first user's writes");
        expectStatus(await ctx.request('b', 'GET', `/v1/changes?cursor=${encodeURIComponent(cursorA)}`), 422, 'validation_failed');
        expectStatus(await ctx.request('a', 'GET', `/v1/changes?cursor=${encodeURIComponent(`${cursorA.slice(0, -2)}${cursorA.slice(-2) === 'AA' ? 'BB' : 'AA'}`)}`), 422, 'validation_failed');
        for (const limit of ['0', '1001']) expectStatus(await ctx.request('a', 'GET', `/v1/changes?cursor=${encodeURIComponent(cursorA)}&limit=${limit}`), 422, 'validation_failed');
      },
    },
    {
      name: 'a failed request never appears in the feed',
      async run(ctx) {
        const cursor = await latest(ctx, 'a');
        expectStatus(await ctx.request('a', 'POST', '/v1/todos', { json: { title: `${ctx.marker} refused`, list_id: MISSING_ID } }), 422, 'validation_failed');
        const feed = await feedSince(ctx, 'a', cursor);
        expect(!feed.some((c) => JSON.stringify(c.data ?? '').includes(`${ctx.marker} refused`)), 'a refused create appears in the feed');
      },
    },
  ],
};
