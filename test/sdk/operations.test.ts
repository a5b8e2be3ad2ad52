import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as Signer } from 'standardwebhooks';
import { createTodoClient, verifyWebhook, type TodoClient, type WebhookEventType } from '../../clients/typescript/src/index.js';
import type { operations, webhooks } from '../../clients/typescript/src/schema.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { root } from './run-command.js';

// Every operation of the contract has an SDK method: the map below is keyed by the generated
// `operations` (a new operationId is a type error until it has an entry), checked against the
// spec's operations, and each entry is run against the real app and must send that operation.

type Call = (client: TodoClient) => Promise<unknown>;

const createLabel = (c: TodoClient) => c.labels.create({ name: `reachable ${crypto.randomUUID()}` });
const createList = (c: TodoClient) => c.lists.create({ name: 'reachable' });
const createWebhook = (c: TodoClient) => c.webhooks.create({ url: 'http://127.0.0.1:9/hooks', events: ['*'] });
const newTodo = async (c: TodoClient) => (await c.todos.create({ title: 'reachable' })).data.id;
const newLabel = async (c: TodoClient) => (await createLabel(c)).data.id;
const newList = async (c: TodoClient) => (await createList(c)).data.id;
const newWebhook = async (c: TodoClient) => (await createWebhook(c)).data.id;

// The spec's top-level `webhooks` (onTodoCreated, …) are in the generated `operations` too, but
// they are requests the service SENDS: the SDK's side of them is verifyWebhook (EVENT_TYPES below).
type EventOperationIds = { [K in keyof operations]: operations[K] extends webhooks[keyof webhooks]['post'] ? K : never }[keyof operations];
type ApiOperationId = Exclude<keyof operations, EventOperationIds>;

/** operationId → the SDK call that sends it (with whatever it needs created first). */
const SDK_METHODS: Record<ApiOperationId, Call> = {
  getLiveness: (c) => c.health.live(),
  getReadiness: (c) => c.health.ready(),
  getOpenAPIJson: (c) => c.openapi(),
  getOpenAPIYaml: (c) => c.openapiYaml(),
  getDocs: (c) => c.docs.page(),
  getDocsAsset: (c) => c.docs.asset('swagger-ui.css'),
  getProblemType: (c) => c.docs.problem('/problems/not-found'),
  getMe: (c) => c.me(),
  exportMe: (c) => c.me.export(),
  deleteMe: (c) => c.me.delete(),
  listTodos: (c) => c.todos.list(),
  createTodo: (c) => c.todos.create({ title: 'reachable' }),
  getTodo: async (c) => c.todos.get(await newTodo(c)),
  updateTodo: async (c) => c.todos.update(await newTodo(c), { completed: true }),
  deleteTodo: async (c) => c.todos.delete(await newTodo(c)),
  moveTodo: async (c) => c.todos.move(await newTodo(c), {}),
  listLabels: (c) => c.labels.list(),
  createLabel,
  getLabel: async (c) => c.labels.get(await newLabel(c)),
  updateLabel: async (c) => c.labels.update(await newLabel(c), { color: null }),
  deleteLabel: async (c) => c.labels.delete(await newLabel(c)),
  listLists: (c) => c.lists.list(),
  createList,
  getList: async (c) => c.lists.get(await newList(c)),
  updateList: async (c) => c.lists.update(await newList(c), { color: null }),
  deleteList: async (c) => c.lists.delete(await newList(c)),
  moveList: async (c) => c.lists.move(await newList(c), {}),
  listChanges: (c) => c.changes.list(),
  getLatestChange: (c) => c.changes.latest(),
  runBatch: (c) => {
    const b = c.batch();
    b.create('label', { name: `reachable ${crypto.randomUUID()}` });
    return b.send();
  },
  listWebhooks: (c) => c.webhooks.list(),
  createWebhook,
  getWebhook: async (c) => c.webhooks.get(await newWebhook(c)),
  updateWebhook: async (c) => c.webhooks.update(await newWebhook(c), { description: 'reachable' }),
  deleteWebhook: async (c) => c.webhooks.delete(await newWebhook(c)),
  rotateWebhookSecret: async (c) => c.webhooks.rotateSecret(await newWebhook(c)),
  testWebhook: async (c) => c.webhooks.test(await newWebhook(c)),
  listWebhookDeliveries: async (c) => c.webhooks.deliveries(await newWebhook(c)),
};

/** Event operationId → the event type whose body verifyWebhook returns. */
const EVENT_TYPES: Record<EventOperationIds, WebhookEventType> = {
  onTodoCreated: 'todo.created',
  onTodoUpdated: 'todo.updated',
  onTodoCompleted: 'todo.completed',
  onTodoUncompleted: 'todo.uncompleted',
  onTodoMoved: 'todo.moved',
  onTodoDeleted: 'todo.deleted',
  onListCreated: 'list.created',
  onListUpdated: 'list.updated',
  onListDeleted: 'list.deleted',
  onLabelCreated: 'label.created',
  onLabelUpdated: 'label.updated',
  onLabelDeleted: 'label.deleted',
  onWebhookTest: 'webhook.test',
};

/** What a result may carry beside `data` (README "Results"). */
const RESULT_FIELDS = new Set(['requestId', 'rateLimit', 'etag', 'location', 'notModified', 'next_cursor', 'has_more', 'get']);

interface SpecOperation {
  method: string;
  path: string;
}

type SpecDocument = { paths: Record<string, Record<string, { operationId?: string }>>; webhooks: Record<string, { post: { operationId: string } }> };
const specDocument = () => parse(readFileSync(path.join(root, 'openapi', 'openapi.yaml'), 'utf8')) as SpecDocument;

/** operationId → method and path template, from the committed openapi/openapi.yaml. */
function specOperations(): Map<string, SpecOperation> {
  const spec = specDocument();
  const found = new Map<string, SpecOperation>();
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'patch', 'delete', 'head', 'options'].includes(method)) continue;
      expect(operation.operationId, `${method.toUpperCase()} ${template} has no operationId`).toEqual(expect.any(String));
      found.set(operation.operationId!, { method: method.toUpperCase(), path: template });
    }
  }
  return found;
}

const templateRegExp = (template: string) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/?]+')}(\\?.*)?$`);

let t: TestApp;
let proxy: FaultProxy;

beforeAll(async () => {
  t = await startTestApp();
  proxy = await startFaultProxy((p, init) => t.request(p, init));
});
afterAll(async () => {
  await proxy?.close();
  await t?.close();
});
afterEach(() => expect(proxy.errors).toEqual([]));

describe('the SDK covers the contract', () => {
  const spec = specOperations();

  it('has a method for every operationId of openapi/openapi.yaml, and none for an operation that does not exist', () => {
    expect(Object.keys(SDK_METHODS).sort()).toEqual([...spec.keys()].sort());
  });

  it.each([...spec.entries()])('%s is sent by its SDK method and succeeds', async (operationId, { method, path: template }) => {
    const client = createTodoClient({ baseUrl: proxy.url, token: await signToken({ sub: newSubject('ops') }), retry: false });
    const call = SDK_METHODS[operationId as ApiOperationId];
    expect(call, `no SDK method for ${operationId}`).toBeDefined();
    proxy.reset();
    const result = await call(client);
    const sent = proxy.seen.filter((r) => r.method === method && templateRegExp(template).test(r.path));
    expect(sent, `${operationId}: no ${method} ${template} among ${proxy.seen.map((r) => `${r.method} ${r.path}`).join(', ')}`).toHaveLength(1);
    // One shape for every call: `data` (null for a 204), the answer's metadata, and only the documented extras.
    expect(result, operationId).toHaveProperty('data');
    expect(result, operationId).toMatchObject({ requestId: expect.any(String) });
    const { data, ...beside } = result as Record<string, unknown>;
    expect(data === null, `${operationId}: data is null exactly for a 204`).toBe(method === 'DELETE');
    expect(Object.keys(beside).filter((key) => !RESULT_FIELDS.has(key)), operationId).toEqual([]);
    expect('rateLimit' in beside, operationId).toBe(true);
    if (template.startsWith('/v1/')) expect(beside.rateLimit, `${operationId}: a /v1 answer carries its rate limit`).toMatchObject({ remaining: expect.any(Number) });
  });

  it("maps every event of the spec's top-level webhooks to verifyWebhook, which returns it typed", () => {
    const events = Object.entries(specDocument().webhooks).map(([type, item]) => [item.post.operationId, type]);
    expect(Object.fromEntries(events)).toEqual(EVENT_TYPES);
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    for (const type of Object.values(EVENT_TYPES)) {
      const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data: { object: { id: crypto.randomUUID() }, change_seq: 1 } });
      const id = crypto.randomUUID();
      const now = new Date();
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Signer(secret).sign(id, now, body) };
      expect(verifyWebhook(body, headers, secret).type).toBe(type);
    }
  });

  it('docs: the page is HTML, an asset a Blob of its content type, a problem type its page', async () => {
    const client = createTodoClient({ baseUrl: proxy.url, retry: false });
    expect((await client.docs.page()).data).toMatch(/<html/i);
    const { data: css } = await client.docs.asset('swagger-ui.css');
    expect(css.type).toMatch(/^text\/css/);
    expect(css.size).toBeGreaterThan(1000);
    expect((await client.docs.problem('validation-failed')).data).toMatch(/<html/i);
    expect((await client.docs.problem('/problems/validation-failed')).data).toBe((await client.docs.problem('validation-failed')).data);
    expect((await client.openapiYaml()).data).toBe(readFileSync(path.join(root, 'openapi', 'openapi.yaml'), 'utf8'));
    await expect(client.docs.problem('no-such-problem')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});
