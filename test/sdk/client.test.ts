import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiConnectionError, ApiError, ApiProblem, createTodoClient, type TodoClient, type TodoClientOptions } from '../../clients/typescript/src/index.js';
import { withRetries } from '../../clients/typescript/src/retry.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';
import { startFaultProxy, type FaultProxy, type SeenRequest } from './fault-proxy.js';

// The SDK layer against the real app on a real database, through a proxy that records what the
// client sends and injects the failures that retries are for. Every forwarded response is also
// checked against the committed spec (TestApp.request).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What every result adds about its response (the test app limits each user to 1 000 000 requests a minute). */
const META = { requestId: expect.any(String), rateLimit: { remaining: expect.any(Number), resetSeconds: expect.any(Number), limit: 1_000_000, windowSeconds: 60 } };

let t: TestApp;
let proxy: FaultProxy;

beforeAll(async () => {
  t = await startTestApp();
  proxy = await startFaultProxy((path, init) => t.request(path, init));
});
afterAll(async () => {
  await proxy?.close();
  await t?.close();
});
beforeEach(() => proxy.reset());
afterEach(() => expect(proxy.errors).toEqual([]));

/** A client for a new user, through the proxy, with short backoff steps unless told otherwise. */
async function newClient(options: Partial<TodoClientOptions> = {}): Promise<TodoClient> {
  const token = await signToken({ sub: newSubject('sdk'), email: `${newSubject('sdk').replace('|', '-')}@example.com` });
  return createTodoClient({ baseUrl: proxy.url, token, retry: { baseDelayMs: 10 }, ...options });
}

const requests = (method: string, path: string): SeenRequest[] => proxy.seen.filter((r) => r.method === method && r.path.split('?')[0] === path);
const gapMs = (method: string, path: string): number => {
  const [first, second] = requests(method, path);
  return second!.at - first!.at;
};

/** The rejection of a call, for assertions on the error itself. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('calls', () => {
  it('create, get, update and delete a todo, with its ETag and Location', async () => {
    const client = await newClient();
    const created = await client.todos.create({ title: '  Buy oat milk ', description: 'two cartons', priority: 'high', due_at: '2026-12-01T17:00:00Z' });
    expect(created.data).toMatchObject({ title: 'Buy oat milk', description: 'two cartons', priority: 'high', completed: false, completed_at: null, version: 1 });
    expect(created.data.due_at).toBe('2026-12-01T17:00:00.000Z');
    expect(created.etag).toMatch(/^".+"$/);
    expect(created.location).toMatch(new RegExp(`/v1/todos/${created.data.id}$`));

    const fetched = await client.todos.get(created.data.id);
    expect(fetched).toEqual({ notModified: false, data: created.data, etag: created.etag, ...META });
    expect(await client.todos.get(created.data.id, { ifNoneMatch: created.etag })).toEqual({ notModified: true, data: null, etag: created.etag, ...META });

    const updated = await client.todos.update(created.data.id, { completed: true, description: null });
    expect(updated.data).toMatchObject({ completed: true, description: null, title: 'Buy oat milk', version: 2 });
    expect(updated.data.completed_at).not.toBeNull();
    expect(updated.etag).not.toBe(created.etag);
    expect(requests('PATCH', `/v1/todos/${created.data.id}`)[0]!.headers['content-type']).toBe('application/merge-patch+json');
    const changed = await client.todos.get(created.data.id, { ifNoneMatch: created.etag });
    expect(changed.notModified).toBe(false);

    // A 204 is a result too: no body, so `data` is null; the answer's metadata is there.
    expect(await client.todos.delete(created.data.id)).toEqual({ data: null, ...META });
    expect(await rejectionOf(client.todos.get(created.data.id))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('webhooks.get: the webhook and its ETag, or { notModified: true } while it is unchanged', async () => {
    const client = await newClient();
    const created = await client.webhooks.create({ url: 'http://127.0.0.1:9/hooks', events: ['todo.created'] });
    const { secret, ...webhook } = created.data;
    expect(secret).toMatch(/^whsec_/);
    expect(await client.webhooks.get(webhook.id)).toEqual({ notModified: false, data: webhook, etag: created.etag, ...META });
    expect(await client.webhooks.get(webhook.id, { ifNoneMatch: created.etag })).toEqual({ notModified: true, data: null, etag: created.etag, ...META });
    const disabled = await client.webhooks.update(webhook.id, { enabled: false }, { ifMatch: created.etag });
    expect(await client.webhooks.get(webhook.id, { ifNoneMatch: created.etag })).toEqual({ notModified: false, data: disabled.data, etag: disabled.etag, ...META });
    expect(await client.webhooks.delete(webhook.id, { ifMatch: disabled.etag })).toEqual({ data: null, ...META });
  });

  it('ifMatch makes update and delete conditional on the ETag that was read', async () => {
    const client = await newClient();
    const created = await client.todos.create({ title: 'read, then changed elsewhere' });
    const changed = await client.todos.update(created.data.id, { priority: 'low' }, { ifMatch: created.etag });
    expect(requests('PATCH', `/v1/todos/${created.data.id}`)[0]!.headers['if-match']).toBe(created.etag);
    const stale = await rejectionOf(client.todos.update(created.data.id, { title: 'lost update' }, { ifMatch: created.etag }));
    expect(stale).toMatchObject({ status: 412, code: 'precondition_failed' });
    expect(await rejectionOf(client.todos.delete(created.data.id, { ifMatch: created.etag }))).toMatchObject({ status: 412 });
    expect((await client.todos.get(created.data.id)).data).toEqual(changed.data);
    await client.todos.delete(created.data.id, { ifMatch: changed.etag });
    expect(await rejectionOf(client.todos.get(created.data.id))).toMatchObject({ code: 'not_found' });
  });

  it('ifMatch also takes the object as read (listed ones carry no ETag) or its version, and sends "<version>"', async () => {
    const client = await newClient();
    const { data: created } = await client.todos.create({ title: 'listed, then changed' });
    const [listed] = (await client.todos.list()).data;
    const updated = await client.todos.update(listed!.id, { priority: 'low' }, { ifMatch: listed! });
    expect(requests('PATCH', `/v1/todos/${created.id}`).map((r) => r.headers['if-match'])).toEqual(['"1"']);
    expect(updated.data.version).toBe(2);
    expect(await rejectionOf(client.todos.update(created.id, { title: 'lost update' }, { ifMatch: listed! }))).toMatchObject({ status: 412, code: 'precondition_failed' });
    expect(await rejectionOf(client.todos.move(created.id, {}, { ifMatch: 1 }))).toMatchObject({ status: 412, code: 'precondition_failed' });
    const moved = await client.todos.move(created.id, {}, { ifMatch: 2 });
    expect(requests('POST', `/v1/todos/${created.id}/move`).map((r) => r.headers['if-match'])).toEqual(['"1"', '"2"']);
    expect((await client.todos.get(created.id)).data).toMatchObject({ title: 'listed, then changed', priority: 'low', version: 3 });

    await client.labels.create({ name: 'versioned' });
    const [label] = (await client.labels.list()).data;
    expect((await client.labels.update(label!.id, { color: '#000000' }, { ifMatch: label! })).data.version).toBe(2);
    await client.labels.delete(label!.id, { ifMatch: 2 });
    const { data: list } = await client.lists.create({ name: 'versioned' });
    const archived = await client.lists.update(list.id, { archived: true }, { ifMatch: list.version });
    await client.lists.delete(list.id, { ifMatch: archived.data });
    expect(requests('DELETE', `/v1/lists/${list.id}`).map((r) => r.headers['if-match'])).toEqual(['"2"']);

    // A version that no ETag has is refused before anything is sent; a string is sent as it is.
    proxy.reset();
    for (const bad of [0, 1.5, -1, Number.NaN, { version: Number.POSITIVE_INFINITY }]) {
      expect(await rejectionOf(client.todos.delete(created.id, { ifMatch: bad }))).toBeInstanceOf(TypeError);
    }
    expect(proxy.seen).toEqual([]);
    expect(await rejectionOf(client.todos.delete(created.id, { ifMatch: '3' }))).toMatchObject({ status: 400, code: 'invalid_if_match' });
    await client.todos.delete(moved.data.id, { ifMatch: '"3"' });
  });

  it('labels: create, get, list, iterate, update and delete, with ETags; a duplicate name is a label_exists problem', async () => {
    const client = await newClient();
    const work = await client.labels.create({ name: ' Work ', color: '#1E90FF' });
    expect(work.data).toMatchObject({ name: 'Work', color: '#1e90ff', version: 1 });
    expect(work.location).toBe(`/v1/labels/${work.data.id}`);
    expect(await client.labels.get(work.data.id, { ifNoneMatch: work.etag })).toEqual({ notModified: true, data: null, etag: work.etag, ...META });
    expect(await rejectionOf(client.labels.create({ name: 'WORK' }))).toMatchObject({ status: 409, code: 'label_exists' });
    for (const name of ['b', 'C', 'a']) await client.labels.create({ name });
    expect((await client.labels.list({ limit: 2 })).data.map((l) => l.name)).toEqual(['a', 'b']);
    const names: string[] = [];
    for await (const label of client.labels.iterate({ limit: 2 })) names.push(label.name);
    expect(names).toEqual(['a', 'b', 'C', 'Work']);
    const renamed = await client.labels.update(work.data.id, { name: 'Office', color: null }, { ifMatch: work.etag });
    expect(renamed).toEqual({ data: expect.objectContaining({ name: 'Office', color: null, version: 2 }), etag: '"2"', ...META });
    expect(await rejectionOf(client.labels.delete(work.data.id, { ifMatch: work.etag }))).toMatchObject({ status: 412 });
    await client.labels.delete(work.data.id, { ifMatch: renamed.etag });
    expect(await rejectionOf(client.labels.get(work.data.id))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('todos.move: subtasks, labels and a move, with the new ETag; a foreign neighbour is a 422 naming body.after_id', async () => {
    const client = await newClient();
    const urgent = await client.labels.create({ name: 'urgent' });
    const parent = await client.todos.create({ title: 'Plan the trip', label_ids: [urgent.data.id] });
    const first = await client.todos.create({ title: 'Book flights', parent_id: parent.data.id });
    const second = await client.todos.create({ title: 'Book a hotel', parent_id: parent.data.id });
    const moved = await client.todos.move(second.data.id, { before_id: first.data.id }, { ifMatch: second.etag });
    expect(moved).toEqual({ data: expect.objectContaining({ parent_id: parent.data.id, version: 2 }), etag: '"2"', ...META });
    const subtasks = await client.todos.list({ parent_id: parent.data.id, sort: 'position' });
    expect(subtasks.data.map((t) => t.title)).toEqual(['Book a hotel', 'Book flights']);
    expect((await client.todos.list({ label_id: urgent.data.id })).data.map((t) => t.id)).toEqual([parent.data.id]);
    const problem = await rejectionOf(client.todos.move(first.data.id, { after_id: crypto.randomUUID() }));
    expect(problem).toMatchObject({ status: 422, code: 'validation_failed', errors: [expect.objectContaining({ path: 'body.after_id' })] });
  });

  it('lists: create, get, list, iterate, update, move and delete, with ETags; the default list is a default_list problem', async () => {
    const client = await newClient();
    const [inbox] = (await client.lists.list()).data;
    expect(inbox).toMatchObject({ name: 'Inbox', is_default: true });
    const home = await client.lists.create({ name: ' Home ', color: '#2E8B57' });
    expect(home.data).toMatchObject({ name: 'Home', color: '#2e8b57', version: 1, todo_count: 0, archived: false });
    expect(home.location).toBe(`/v1/lists/${home.data.id}`);
    expect(await client.lists.get(home.data.id, { ifNoneMatch: home.etag })).toEqual({ notModified: true, data: null, etag: home.etag, ...META });
    const work = await client.lists.create({ name: 'Work' });
    const moved = await client.lists.move(work.data.id, { before_id: home.data.id }, { ifMatch: work.etag });
    expect(moved).toEqual({ data: expect.objectContaining({ name: 'Work', version: 2 }), etag: '"2"', ...META });
    expect(await rejectionOf(client.lists.move(work.data.id, {}, { ifMatch: work.etag }))).toMatchObject({ status: 412 });
    const names: string[] = [];
    for await (const list of client.lists.iterate({ limit: 1 })) names.push(list.name);
    expect(names).toEqual(['Inbox', 'Work', 'Home']);
    const archived = await client.lists.update(home.data.id, { archived: true }, { ifMatch: home.etag });
    expect(archived).toEqual({ data: expect.objectContaining({ archived: true, version: 2 }), etag: '"2"', ...META });
    expect((await client.lists.list({ archived: true })).data.map((l) => l.name)).toEqual(['Home']);
    expect(await rejectionOf(client.lists.update(inbox!.id, { archived: true }))).toMatchObject({ status: 409, code: 'default_list' });
    expect(await rejectionOf(client.lists.delete(inbox!.id))).toMatchObject({ status: 409, code: 'default_list' });
    await client.lists.delete(home.data.id, { ifMatch: archived.etag });
    expect(await rejectionOf(client.lists.get(home.data.id))).toMatchObject({ status: 404, code: 'not_found' });
    expect((await client.me()).data.usage).toMatchObject({ lists: 2 });
  });

  it('changes: latest, list, iterate page by page from a cursor; snapshot then follow keeps a copy', async () => {
    const client = await newClient();
    const { data: { cursor } } = await client.changes.latest();
    const copy = new Map((await client.changes.list()).data.map((c) => [`${c.type} ${c.id}`, c.data]));
    expect([...copy.keys()]).toHaveLength(1); // the default list
    const todo = await client.todos.create({ title: 'followed' });
    const label = await client.labels.create({ name: 'followed' });
    await client.labels.delete(label.data.id);
    const pages = [];
    for await (const page of client.changes.iterate(cursor, { limit: 1 })) pages.push(page);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
    const changes = pages.flatMap((p) => p.data);
    expect(changes.map((c) => `${c.type} ${c.op}`)).toEqual(['todo upsert', 'list upsert', 'label delete']);
    expect(changes[0]).toMatchObject({ id: todo.data.id, version: 1, data: todo.data });
    // The last page's cursor is where to poll from: nothing new yet.
    const again = await client.changes.list({ cursor: pages.at(-1)!.next_cursor });
    expect(again).toMatchObject({ data: [], has_more: false });
    const expired = await rejectionOf(client.changes.list({ cursor: 'forged.cursor' }));
    expect(expired).toBeInstanceOf(ApiProblem);
    expect(expired).toMatchObject({ status: 422, code: 'validation_failed' });
  });

  it('me, health, readiness and the OpenAPI document', async () => {
    const client = await newClient();
    const { data: me } = await client.me();
    expect(me.id).toMatch(UUID);
    expect(me.email).toMatch(/@example\.com$/);
    // Outside /v1 there is no rate limit: `rateLimit` is there, undefined.
    expect(await client.health.live()).toEqual({ data: { status: 'ok' }, requestId: expect.any(String), rateLimit: undefined });
    expect((await client.health.ready()).data).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    const { data: document } = await client.openapi();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths as object)).toContain('/v1/todos/{id}');
  });

  it('sends the bearer token from getToken on every request', async () => {
    const token = await signToken({ sub: newSubject('sdk') });
    let calls = 0;
    const client = createTodoClient({ baseUrl: proxy.url, getToken: () => Promise.resolve((calls++, token)) });
    const first = await client.me();
    expect((await client.me()).data.id).toBe(first.data.id);
    expect(calls).toBe(2);
    expect(proxy.seen.map((r) => r.headers.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
  });
});

describe('listing', () => {
  it('list passes the filters, and iterate walks every page by next_cursor', async () => {
    const client = await newClient();
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) ids.push((await client.todos.create({ title: `todo ${i}`, completed: i % 3 === 0 })).data.id);

    const page = await client.todos.list({ limit: 2, sort: 'created_at' });
    expect(page.data.map((todo) => todo.id)).toEqual(ids.slice(0, 2));
    expect(page.next_cursor).toEqual(expect.any(String));

    proxy.reset();
    const all = [];
    for await (const todo of client.todos.iterate({ limit: 3 })) all.push(todo.id);
    expect(all).toEqual([...ids].reverse());
    expect(requests('GET', '/v1/todos')).toHaveLength(3);

    const done = [];
    for await (const todo of client.todos.iterate({ completed: true, sort: 'created_at', limit: 2 })) done.push(todo.id);
    expect(done).toEqual([ids[0], ids[3], ids[6]]);
  });

  it('priority and label_id take arrays, sent comma-separated; the string form still works', async () => {
    const client = await newClient();
    const [home, work] = [await client.labels.create({ name: 'home' }), await client.labels.create({ name: 'work' })];
    await client.todos.create({ title: 'high', priority: 'high', label_ids: [home.data.id] });
    await client.todos.create({ title: 'urgent', priority: 'urgent', label_ids: [work.data.id] });
    await client.todos.create({ title: 'low', priority: 'low' });
    const titles = (page: { data: Array<{ title: string }> }) => page.data.map((todo) => todo.title);

    proxy.reset();
    expect(titles(await client.todos.list({ priority: ['high', 'urgent'], sort: 'created_at' }))).toEqual(['high', 'urgent']);
    expect(titles(await client.todos.list({ priority: 'high,urgent', sort: 'created_at' }))).toEqual(['high', 'urgent']);
    expect(titles(await client.todos.list({ priority: ['urgent'] }))).toEqual(['urgent']);
    expect(titles(await client.todos.list({ label_id: [home.data.id, work.data.id], sort: 'created_at' }))).toEqual(['high', 'urgent']);
    expect(titles(await client.todos.list({ label_id: `${home.data.id},${work.data.id}`, sort: 'created_at' }))).toEqual(['high', 'urgent']);
    const sent = requests('GET', '/v1/todos').map((r) => new URL(r.path, proxy.url).searchParams);
    expect(sent.map((q) => q.get('priority'))).toEqual(['high,urgent', 'high,urgent', 'urgent', null, null]);
    expect(sent[3]!.get('label_id')).toBe(`${home.data.id},${work.data.id}`);

    const walked = [];
    for await (const todo of client.todos.iterate({ label_id: [work.data.id], priority: ['urgent', 'high'], limit: 1 })) walked.push(todo.title);
    expect(walked).toEqual(['urgent']);
    // @ts-expect-error: not a priority, a compile error; at run time the API's 422
    expect(await rejectionOf(client.todos.list({ priority: ['critical'] }))).toMatchObject({ status: 422, errors: [expect.objectContaining({ path: 'query.priority' })] });
    expect(await rejectionOf(client.todos.list({ priority: [] }))).toMatchObject({ status: 422, errors: [expect.objectContaining({ path: 'query.priority' })] });
  });

  it('paginate yields pages from a cursor; collect gathers every todo, or up to max, with the cursor to resume from', async () => {
    const client = await newClient();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await client.todos.create({ title: `todo ${i}`, priority: i % 2 === 0 ? 'high' : 'low' })).data.id);

    const pages = [];
    for await (const page of client.todos.paginate({ sort: 'created_at', limit: 2 })) pages.push(page);
    expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
    expect(pages.at(-1)!.next_cursor).toBeNull();
    expect(pages[0]).toMatchObject({ requestId: expect.any(String) });
    const resumed = [];
    for await (const page of client.todos.paginate({ sort: 'created_at', limit: 2 }, { from: pages[0]!.next_cursor })) resumed.push(...page.data.map((t) => t.id));
    expect(resumed).toEqual(ids.slice(2));

    expect(await client.todos.collect({ sort: 'created_at', limit: 2 })).toEqual({ data: expect.any(Array), next_cursor: null, ...META });
    expect((await client.todos.collect({ sort: 'created_at' })).data.map((t) => t.id)).toEqual(ids);
    const first = await client.todos.collect({ sort: 'created_at', limit: 2 }, { max: 3 });
    expect(first.data.map((t) => t.id)).toEqual(ids.slice(0, 4)); // whole pages
    expect(first.next_cursor).toEqual(expect.any(String));
    const rest = await client.todos.collect({ sort: 'created_at', limit: 2 }, { from: first.next_cursor });
    expect(rest).toEqual({ data: [expect.objectContaining({ id: ids[4] })], next_cursor: null, ...META });
    expect((await client.todos.collect({ priority: ['high'], sort: 'created_at' })).data.map((t) => t.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(await client.todos.collect({ completed: true })).toEqual({ data: [], next_cursor: null, ...META });
    expect(await rejectionOf(client.todos.collect({}, { from: 'forged.cursor' }))).toMatchObject({ status: 422 });
  });

  it('iterate yields nothing for a user with no todos', async () => {
    const client = await newClient();
    const all = [];
    for await (const todo of client.todos.iterate()) all.push(todo);
    expect(all).toEqual([]);
  });
});

describe('errors', () => {
  it('a 404 is an ApiProblem with every problem field and the raw response', async () => {
    const client = await newClient();
    const id = '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f';
    const problem = await rejectionOf(client.todos.get(id));
    expect(problem).toBeInstanceOf(ApiProblem);
    expect(problem).toBeInstanceOf(Error);
    const p = problem as ApiProblem;
    expect(p).toMatchObject({ name: 'ApiProblem', status: 404, code: 'not_found', instance: `/v1/todos/${id}`, errors: [] });
    expect(p.type).toMatch(/problems\/not-found$/);
    expect(p.title).toEqual(expect.any(String));
    expect(p.detail).toEqual(expect.any(String));
    expect(p.request_id).toBe(p.response.headers.get('x-request-id'));
    expect(p.response.status).toBe(404);
    expect(p.message).toContain('not_found');
  });

  it('a 422 carries errors[] naming each field', async () => {
    const client = await newClient();
    const p = (await rejectionOf(client.todos.create({ title: '   ', priority: 'urgent' }))) as ApiProblem;
    expect(p).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(p.errors).toContainEqual({ path: 'body.title', message: expect.any(String) });
    const { data } = await client.todos.create({ title: 'ok' });
    const patch = (await rejectionOf(client.todos.update(data.id, { title: '' }))) as ApiProblem;
    expect(patch.errors.map((e) => e.path)).toEqual(['body.title']);
  });

  it('a bad token is an ApiProblem with code unauthorized', async () => {
    const client = await newClient({ token: 'not-a-jwt' });
    expect(await rejectionOf(client.me())).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('an answer that is not problem details is still an ApiProblem', async () => {
    const client = createTodoClient({ baseUrl: 'http://gateway.invalid', fetch: () => Promise.resolve(new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' })) });
    expect(await rejectionOf(client.health.live())).toMatchObject({ status: 502, code: 'unexpected_response', title: 'Bad Gateway', detail: '<h1>Bad gateway</h1>' });
  });
});

describe('one error family: ApiError', () => {
  it('an ApiProblem is an ApiError with the method, URL and request id', async () => {
    const client = await newClient();
    const id = crypto.randomUUID();
    const problem = (await rejectionOf(client.todos.update(id, { title: 'gone' }))) as ApiProblem;
    expect(problem).toBeInstanceOf(ApiError);
    expect(problem).toBeInstanceOf(ApiProblem);
    expect(problem).toMatchObject({ status: 404, code: 'not_found', method: 'PATCH', url: `${proxy.url}/v1/todos/${id}` });
    expect(problem.requestId).toBe(problem.response.headers.get('x-request-id'));
    expect(problem.request_id).toBe(problem.requestId);
    expect(problem.message).toContain(`PATCH ${proxy.url}/v1/todos/${id}`);
  });

  it('no answer (refused, dropped, lost) is an ApiConnectionError with the method, URL and the fetch error as cause', async () => {
    const client = await newClient({ retry: false });
    proxy.failNext('drop');
    const dropped = (await rejectionOf(client.todos.list({ completed: false }))) as ApiConnectionError;
    expect(dropped).toBeInstanceOf(ApiError);
    expect(dropped).not.toBeInstanceOf(ApiProblem);
    expect(dropped).toMatchObject({ name: 'ApiConnectionError', code: 'connection_failed', method: 'GET', url: `${proxy.url}/v1/todos?completed=false`, requestId: undefined });
    expect(dropped.cause).toBeInstanceOf(TypeError);
    expect(dropped.message).toContain(`GET ${proxy.url}/v1/todos?completed=false`);

    proxy.failNext('lose-response');
    expect(await rejectionOf(client.todos.create({ title: 'answer lost' }))).toMatchObject({ code: 'connection_failed', method: 'POST' });

    // Nothing listens on a closed server's port: refused, after the retries.
    const closed = await startFaultProxy(() => Promise.resolve(new Response(null)));
    await closed.close();
    const refused = createTodoClient({ baseUrl: closed.url, token: 'x', retry: { retries: 1, baseDelayMs: 1 } });
    const error = (await rejectionOf(refused.me())) as ApiConnectionError;
    expect(error).toMatchObject({ code: 'connection_failed', method: 'GET', url: `${closed.url}/v1/me` });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('timeout: an attempt that takes longer is aborted and retried, then an ApiConnectionError with code timeout', async () => {
    const client = await newClient({ timeout: 200 });
    proxy.failNext({ delayMs: 1000 });
    expect((await client.me()).data.id).toMatch(UUID);
    expect(requests('GET', '/v1/me')).toHaveLength(2);

    proxy.reset();
    const once = await newClient({ timeout: 200, retry: false });
    proxy.failNext({ delayMs: 1000 });
    const started = performance.now();
    const error = (await rejectionOf(once.health.live())) as ApiConnectionError;
    expect(performance.now() - started).toBeLessThan(900);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ name: 'ApiConnectionError', code: 'timeout', timeoutMs: 200, method: 'GET', url: `${proxy.url}/health/live` });
    expect(requests('GET', '/health/live')).toHaveLength(1);
  });

  it('timeout covers the body; an answer whose headers came carries their request id', async () => {
    const client = await newClient({ retry: false, timeout: 300 });
    const { data } = await client.todos.create({ title: 'slow body' });
    proxy.failNext('stall-body');
    const error = (await rejectionOf(client.todos.get(data.id))) as ApiConnectionError;
    expect(error).toMatchObject({ code: 'timeout', method: 'GET' });
    expect(error.requestId).toEqual(expect.any(String));
  });

  it('a per-call timeout wins over the client one; the caller aborting is still its own reason', async () => {
    const client = await newClient({ timeout: 100, retry: false });
    proxy.failNext({ delayMs: 400 });
    expect((await client.health.live({ timeout: 3000 })).data).toEqual({ status: 'ok' });
    proxy.failNext({ delayMs: 400 });
    expect(await rejectionOf(client.health.live({ timeout: 150 }))).toMatchObject({ code: 'timeout', timeoutMs: 150 });
    proxy.failNext({ delayMs: 1000 });
    const aborted = await rejectionOf(client.health.live({ timeout: 3000, signal: AbortSignal.timeout(100) }));
    expect(aborted).not.toBeInstanceOf(ApiError);
    expect((aborted as Error).name).toBe('TimeoutError');
  });

  it('a write that timed out is retried with its key: the todo is created once', async () => {
    const client = await newClient({ timeout: 200 });
    proxy.failNext({ delayMs: 600 });
    const { data } = await client.todos.create({ title: 'slow write' });
    const keys = requests('POST', '/v1/todos').map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 800)); // the delayed first attempt reaches the app too
    expect((await client.todos.list()).data.map((todo) => todo.id)).toEqual([data.id]);
  });

  it('a timeout also applies to a fetch that ignores signals', async () => {
    const never = () => new Promise<Response>(() => {});
    const client = createTodoClient({ baseUrl: 'http://app.invalid', fetch: never, timeout: 50, retry: false });
    expect(await rejectionOf(client.health.live())).toMatchObject({ code: 'timeout', url: 'http://app.invalid/health/live' });
  });
});

describe('response metadata: requestId and rateLimit', () => {
  it('every result carries the request id and rate limit, page by page too', async () => {
    const client = await newClient();
    const created = await client.todos.create({ title: 'with metadata' });
    const fetched = await client.todos.get(created.data.id);
    const updated = await client.todos.update(created.data.id, { priority: 'low' }, { ifMatch: created.etag });
    const notModified = await client.todos.get(created.data.id, { ifNoneMatch: updated.etag });
    const moved = await client.todos.move(created.data.id, {});
    const page = await client.todos.list();
    const label = await client.labels.create({ name: 'meta' });
    const list = await client.lists.create({ name: 'meta' });
    const changes = await client.changes.list();
    const results = [created, fetched, updated, notModified, moved, page, label, list, await client.labels.list(), await client.lists.list(), changes];
    for (const result of results) expect(result).toMatchObject(META);
    // Each result has its own answer's id; the quota (refilled 16 666 a second here) is below its limit.
    expect(new Set(results.map((r) => r.requestId)).size).toBe(results.length);
    for (const result of results) expect(result.rateLimit!.remaining).toBeLessThan(1_000_000);
    const pages = [];
    for await (const p of client.changes.iterate(undefined, { limit: 1 })) pages.push(p);
    for (const p of pages) expect(p).toMatchObject(META);
  });

  it('an ApiProblem carries the rate limit of its answer; a 429 says when the quota is back', async () => {
    const client = await newClient();
    const missing = (await rejectionOf(client.todos.get(crypto.randomUUID()))) as ApiProblem;
    expect(missing).toMatchObject({ status: 404, ...META });
    const unauthenticated = await rejectionOf(client.docs.problem('no-such-problem'));
    expect(unauthenticated).toMatchObject({ status: 404, rateLimit: undefined, requestId: expect.any(String) });

    const once = await newClient({ retry: false });
    proxy.failNext({ status: 429, retryAfter: '30', rateLimit: '"default";r=0;t=30', rateLimitPolicy: '"default";q=600;w=60' });
    const limited = (await rejectionOf(once.me())) as ApiProblem;
    expect(limited).toBeInstanceOf(ApiError);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', requestId: 'fault-proxy', rateLimit: { remaining: 0, resetSeconds: 30, limit: 600, windowSeconds: 60 } });
  });

  it('a connection error has neither a request id nor a rate limit', async () => {
    const client = await newClient({ retry: false });
    proxy.failNext('drop');
    expect(await rejectionOf(client.todos.create({ title: 'x' }))).toMatchObject({ requestId: undefined, rateLimit: undefined });
  });
});

describe('retries', () => {
  it('a GET is retried after 503 and 429 and then succeeds', async () => {
    const client = await newClient();
    proxy.failNext({ status: 503, retryAfter: '0' }, { status: 429, retryAfter: '0' });
    expect((await client.me()).data.id).toMatch(UUID);
    expect(requests('GET', '/v1/me')).toHaveLength(3);
  });

  it('a GET is retried after a dropped connection', async () => {
    const client = await newClient();
    proxy.failNext('drop');
    expect((await client.health.live()).data).toEqual({ status: 'ok' });
    expect(requests('GET', '/health/live')).toHaveLength(2);
  });

  it('a POST is retried with the same Idempotency-Key, and creates one todo', async () => {
    const client = await newClient();
    proxy.failNext({ status: 503, retryAfter: '0' }, 'drop');
    const { data } = await client.todos.create({ title: 'exactly once' });
    const keys = requests('POST', '/v1/todos').map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(UUID);
    expect(new Set(keys).size).toBe(1);
    expect((await client.todos.list()).data.map((todo) => todo.id)).toEqual([data.id]);
  });

  it('a POST whose response was lost is retried with its key, and the stored answer comes back', async () => {
    const client = await newClient();
    proxy.failNext('lose-response');
    const { data, etag, location } = await client.todos.create({ title: 'answer lost on the way back' });
    const [first, second] = requests('POST', '/v1/todos');
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
    expect(location).toMatch(new RegExp(`/v1/todos/${data.id}$`));
    expect((await client.todos.get(data.id)).etag).toBe(etag);
    expect((await client.todos.list()).data.map((todo) => todo.id)).toEqual([data.id]);
  });

  it('a keyed write still in progress elsewhere (409 idempotency_key_in_use) is retried', async () => {
    const client = await newClient();
    const { data } = await client.todos.create({ title: 'in use' });
    proxy.failNext({ status: 409, retryAfter: '0' });
    await client.todos.delete(data.id);
    expect(requests('DELETE', `/v1/todos/${data.id}`)).toHaveLength(2);
  });

  it('the Idempotency-Key the caller passes is sent on every attempt', async () => {
    const client = await newClient();
    const { data } = await client.todos.create({ title: 'keyed' });
    proxy.failNext({ status: 503, retryAfter: '0' }, { status: 503, retryAfter: '0' });
    await client.todos.update(data.id, { completed: true }, { idempotencyKey: 'order-42-complete' });
    expect(requests('PATCH', `/v1/todos/${data.id}`).map((r) => r.headers['idempotency-key'])).toEqual(['order-42-complete', 'order-42-complete', 'order-42-complete']);
    proxy.failNext({ status: 429, retryAfter: '0' });
    await client.todos.delete(data.id, { idempotencyKey: 'order-42-delete' });
    expect(requests('DELETE', `/v1/todos/${data.id}`).map((r) => r.headers['idempotency-key'])).toEqual(['order-42-delete', 'order-42-delete']);
  });

  it('every write gets a new key of its own when the caller gives none', async () => {
    const client = await newClient();
    const { data } = await client.todos.create({ title: 'no key given' });
    await client.todos.update(data.id, { priority: 'low' });
    await client.todos.delete(data.id);
    const keys = proxy.seen.filter((r) => r.method !== 'GET').map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(UUID);
    expect(new Set(keys).size).toBe(3);
  });

  it('with retry: false nothing is retried, and a network error is an ApiConnectionError', async () => {
    const client = await newClient({ retry: false });
    proxy.failNext({ status: 503, retryAfter: '0' });
    expect(await rejectionOf(client.me())).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(requests('GET', '/v1/me')).toHaveLength(1);

    proxy.failNext('drop');
    const error = await rejectionOf(client.todos.create({ title: 'dropped' }));
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect(error).not.toBeInstanceOf(ApiProblem);
    expect(requests('POST', '/v1/todos')).toHaveLength(1);
  });

  it('the number of retries is bounded: 2 by default, or retry.retries', async () => {
    const byDefault = await newClient({ retry: undefined });
    proxy.failNext(...Array.from({ length: 5 }, () => ({ status: 503 as const, retryAfter: '0' })));
    expect(await rejectionOf(byDefault.me())).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(requests('GET', '/v1/me')).toHaveLength(3);

    proxy.reset();
    const four = await newClient({ retry: { retries: 4, baseDelayMs: 1 } });
    proxy.failNext(...Array.from({ length: 9 }, () => 'drop' as const));
    expect(await rejectionOf(four.health.live())).toMatchObject({ name: 'ApiConnectionError', code: 'connection_failed' });
    expect(requests('GET', '/health/live')).toHaveLength(5);
  });

  it('a write without an Idempotency-Key is never retried', async () => {
    // The client always adds a key; this is the rule underneath, for writes built some other way.
    const send = withRetries((request) => fetch(request), { baseDelayMs: 1 });
    proxy.failNext({ status: 503, retryAfter: '0' }, { status: 503, retryAfter: '0' });
    const response = await send(new Request(`${proxy.url}/v1/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"x"}' }));
    expect(response.status).toBe(503);
    expect(requests('POST', '/v1/todos')).toHaveLength(1);
  });

  it('a 500 is not retried', async () => {
    const client = await newClient();
    proxy.failNext({ status: 500 });
    expect(await rejectionOf(client.me())).toMatchObject({ status: 500, code: 'internal_error' });
    expect(requests('GET', '/v1/me')).toHaveLength(1);
  });

  it('a 409 other than idempotency_key_in_use is not retried', async () => {
    // Two subjects with one email address: the second one's /v1/me is a 409 conflict.
    const email = `taken-${newSubject('sdk').split('|')[1]}@example.com`;
    await (await newClient({ token: await signToken({ sub: newSubject('sdk'), email }) })).me();
    const sameEmail = await newClient({ token: await signToken({ sub: newSubject('sdk'), email }) });
    proxy.reset();
    expect(await rejectionOf(sameEmail.me())).toMatchObject({ status: 409, code: 'conflict' });
    expect(requests('GET', '/v1/me')).toHaveLength(1);
  });

  it('honours Retry-After in seconds', async () => {
    const client = await newClient();
    proxy.failNext({ status: 503, retryAfter: '1' });
    await client.me();
    // Backoff alone would wait 5 to 10 ms here; timers may fire a millisecond early.
    expect(gapMs('GET', '/v1/me')).toBeGreaterThanOrEqual(995);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const client = await newClient();
    proxy.failNext({ status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString() });
    await client.health.live();
    // The date has whole seconds, so the wait is between 1 and 2 s.
    expect(gapMs('GET', '/health/live')).toBeGreaterThanOrEqual(950);
  });

  it('caps a long Retry-After at retry.maxDelayMs', async () => {
    const client = await newClient({ retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    proxy.failNext({ status: 503, retryAfter: '3600' });
    await client.health.live();
    expect(gapMs('GET', '/health/live')).toBeLessThan(1000);
  });

  it('stops waiting when the caller aborts', async () => {
    const client = await newClient();
    proxy.failNext({ status: 503, retryAfter: '5' });
    const started = performance.now();
    const error = await rejectionOf(client.me({ signal: AbortSignal.timeout(100) }));
    expect((error as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(requests('GET', '/v1/me')).toHaveLength(1);
  });
});
