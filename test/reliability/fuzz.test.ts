import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { spec } from '../helpers/contract.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// Arbitrary requests for every operation in the spec, valid and invalid: the server never
// answers 5xx, never changes data on a 4xx, and every answer matches the spec (TestApp.request
// checks each one against openapi.yaml).

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: { enum?: string[]; example?: string | number | boolean };
  example?: string | number | boolean;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  hasBody: boolean;
}

// DELETE /v1/me takes no input to fuzz and erases the fuzzer's own user with its seeded ids, so
// that every later request would register a fresh account: test/routes/account.test.ts covers it.
const operations: Operation[] = Object.entries(spec.paths)
  .flatMap(([path, item]) =>
    Object.entries(item as unknown as Record<string, { parameters?: Parameter[]; requestBody?: unknown }>).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      hasBody: op.requestBody !== undefined,
    })),
  )
  .filter((op) => !(op.method === 'DELETE' && op.path === '/v1/me'));

const printable = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
const anyText = fc.oneof(printable, fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '0', '-1', '1e309', 'null', 'true', '%', '../..', "' OR 1=1 --"));

// Issue 12: ids of the caller's todos, subtask, labels and list, and of another user's, are written
// as placeholders (QTODO0, QUPLABEL1 for the id in upper case, …) and put in when the request is made.
const PLACEHOLDERS = ['QTODO0', 'QTODO1', 'QTODO2', 'QCHILD', 'QLABEL0', 'QLABEL1', 'QLABEL2', 'QLIST', 'QTHEIRTODO', 'QTHEIRLABEL', 'QTHEIRLIST'];
const seededId = fc.tuple(fc.constantFrom(...PLACEHOLDERS), fc.boolean()).map(([name, upper]) => (upper ? name.replace(/^Q/, 'QUP') : name));
/** An id as a body sends it: a seeded one (also with NUL or in braces), any UUID, or something else entirely. */
const idValue = fc.oneof(
  { weight: 4, arbitrary: seededId },
  { weight: 1, arbitrary: seededId.map((id) => `${id}\u0000`) },
  { weight: 1, arbitrary: seededId.map((id) => `{${id}}`) },
  { weight: 1, arbitrary: seededId.map((id) => ({ id })) },
  { weight: 1, arbitrary: seededId.map((id) => [id]) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('none', 'NONE', '') },
  { weight: 1, arbitrary: fc.jsonValue() },
);
const labelIdsValue = fc.oneof(
  fc.array(idValue, { maxLength: 4 }),
  fc.uniqueArray(seededId, { maxLength: 11 }),
  fc.constant(Array.from({ length: 21 }, (_, i) => `019a8f2e-7c41-7b3e-9d5a-${String(i).padStart(12, '0')}`)),
  fc.constant(Array.from({ length: 2000 }, () => 'QLABEL0')),
  idValue,
);
/** An id, or a list of them, as a query parameter sends it. */
const idText = fc.oneof(
  seededId,
  fc.constantFrom('none', 'NONE', 'None', ',', 'QLABEL0,', 'QLABEL0,QLABEL0', 'QTODO0%00', 'QTODO0\u0000'),
  fc.array(seededId, { minLength: 2, maxLength: 25 }).map((ids) => ids.join(',')),
  seededId.map((id) => JSON.stringify({ id })),
);
// Bodies the contract accepts, so that the database's own refusals (another user's list, parent,
// label or neighbour; cycles; depth) are reached too.
const seededTodo = fc.constantFrom('QTODO0', 'QTODO1', 'QCHILD', 'QUPCHILD', 'QTHEIRTODO');
const acceptedTodo = fc.record(
  {
    title: fc.constant('fuzzed'),
    list_id: fc.constantFrom('QLIST', 'QUPLIST', 'QTHEIRLIST'),
    parent_id: fc.option(seededTodo),
    label_ids: fc.uniqueArray(fc.constantFrom('QLABEL0', 'QLABEL1', 'QUPLABEL2', 'QTHEIRLABEL'), { maxLength: 3 }),
  },
  { requiredKeys: ['title'] },
);
const acceptedMove = fc.record(
  {
    list_id: fc.constantFrom('QLIST', 'QTHEIRLIST'),
    parent_id: fc.option(seededTodo),
    neighbour: fc.tuple(fc.constantFrom('before_id', 'after_id'), seededTodo),
  },
  { requiredKeys: [] },
).map(({ neighbour, ...rest }) => (neighbour ? { ...rest, [neighbour[0]]: neighbour[1] } : rest));
/** Filters the contract accepts, with seeded ids. */
const acceptedFilters = fc.record(
  {
    list_id: fc.constantFrom('QLIST', 'QUPLIST', 'QTHEIRLIST'),
    parent_id: fc.constantFrom('none', 'QTODO0', 'QUPTODO0', 'QTHEIRTODO'),
    label_id: fc.uniqueArray(fc.constantFrom('QLABEL0', 'QUPLABEL1', 'QTHEIRLABEL'), { minLength: 1, maxLength: 3 }).map((ids) => ids.join(',')),
    sort: fc.constantFrom('position', '-position'),
    limit: fc.constantFrom('1', '2'),
  },
  { requiredKeys: [] },
);
const moveFields = fc.record(
  {
    list_id: idValue,
    parent_id: fc.oneof(fc.constant(null), idValue),
    before_id: idValue,
    after_id: idValue,
    position: fc.oneof(fc.constantFrom('a0', 'zz'), printable),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const todoFields = fc.record(
  {
    title: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('x'.repeat(1025)), fc.jsonValue()),
    description: fc.oneof(fc.constant(null), fc.string({ maxLength: 30 }), fc.jsonValue()),
    completed: fc.oneof(fc.boolean(), fc.jsonValue()),
    due_at: fc.oneof(fc.constant(null), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), printable),
    priority: fc.oneof(fc.constantFrom('none', 'low', 'medium', 'high', 'urgent'), printable),
    id: fc.uuid(),
    version: fc.integer(),
    extra: fc.jsonValue(),
    list_id: idValue,
    parent_id: fc.oneof(fc.constant(null), idValue),
    label_ids: labelIdsValue,
    position: fc.oneof(fc.constantFrom('a0', 'zz'), printable),
    subtask_count: fc.integer(),
  },
  { requiredKeys: [] },
);
const labelFields = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('x'.repeat(65)), fc.jsonValue()),
    color: fc.oneof(fc.constant(null), fc.constantFrom('#a1b2c3', '#A1B2C3', '#abc', 'red'), printable, fc.jsonValue()),
    id: fc.uuid(),
    version: fc.integer(),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
// LIST0..LIST2 stand for the seeded lists' ids, put in when the request is made.
const listId = fc.oneof(fc.constantFrom('LIST0', 'LIST1', 'LIST2'), fc.uuid(), printable, fc.jsonValue());
const listFields = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('x'.repeat(256)), fc.jsonValue()),
    color: fc.oneof(fc.constant(null), fc.constantFrom('#a1b2c3', '#A1B2C3', '#abc', 'red'), printable, fc.jsonValue()),
    archived: fc.oneof(fc.boolean(), fc.jsonValue()),
    before_id: listId,
    after_id: listId,
    position: fc.oneof(fc.constantFrom('a0', 'zz'), printable),
    is_default: fc.boolean(),
    todo_count: fc.integer(),
  },
  { requiredKeys: [] },
);
// Webhooks: loopback URLs (no worker runs here, so nothing is sent), and every kind of bad one.
const webhookFields = fc.record(
  {
    url: fc.oneof(
      fc.constantFrom('http://127.0.0.1:9/hooks', 'https://[::1]:9/x', 'ftp://127.0.0.1/', 'http://u:p@127.0.0.1/', 'http://127.0.0.1/#f', '/relative', 'http://127.0.0.1/\u0000'),
      printable,
      fc.jsonValue(),
    ),
    events: fc.oneof(
      fc.uniqueArray(fc.constantFrom('todo.created', 'todo.completed', 'list.deleted', 'label.updated'), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(['*'], ['*', 'todo.created'], ['todo.created', 'todo.created'], [], ['webhook.test'], ['TODO.CREATED']),
      fc.array(printable, { maxLength: 3 }),
      fc.jsonValue(),
    ),
    description: fc.oneof(fc.constant(null), fc.string({ maxLength: 30 }), fc.constant('x'.repeat(501)), fc.jsonValue()),
    enabled: fc.oneof(fc.boolean(), fc.jsonValue()),
    secret: fc.constantFrom('whsec_AAAA', ''),
    version: fc.integer(),
  },
  { requiredKeys: [] },
);
const acceptedWebhook = fc.record(
  {
    url: fc.constantFrom('http://127.0.0.1:9/hooks', 'https://127.0.0.1:9/other'),
    events: fc.constantFrom(['*'], ['todo.created'], ['list.updated', 'label.deleted']),
    description: fc.option(fc.string({ maxLength: 20 })),
    enabled: fc.boolean(),
  },
  { requiredKeys: ['url', 'events'] },
);
const body = fc.oneof(
  todoFields.map((o) => JSON.stringify(o)),
  webhookFields.map((o) => JSON.stringify(o)),
  { weight: 2, arbitrary: acceptedWebhook.map((o) => JSON.stringify(o)) },
  labelFields.map((o) => JSON.stringify(o)),
  listFields.map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  moveFields.map((o) => JSON.stringify(o)),
  { weight: 4, arbitrary: acceptedTodo.map((o) => JSON.stringify(o)) },
  { weight: 4, arbitrary: acceptedMove.map((o) => JSON.stringify(o)) },
);
// Issue 14: batches of the operations above, with ids, `@name` references (good, unknown, later,
// of the wrong kind) and if_match values, each of them also as garbage.
const refName = fc.constantFrom('a', 'b', 'trip', 'Z9', '', '9x', 'x'.repeat(41));
const batchId = fc.oneof(idValue, refName.map((name) => `@${name}`));
const batchOperation = fc.record(
  {
    op: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('create', 'update', 'delete', 'move') }, { weight: 1, arbitrary: fc.jsonValue() }),
    type: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('todo', 'list', 'label') }, { weight: 1, arbitrary: fc.jsonValue() }),
    id: batchId,
    ref: fc.oneof(refName, fc.jsonValue()),
    data: fc.oneof(acceptedTodo, acceptedMove, todoFields, labelFields, listFields, moveFields, fc.record({ title: fc.constant('x'), list_id: batchId, parent_id: batchId, label_ids: fc.array(batchId, { maxLength: 3 }) })),
    if_match: fc.oneof(fc.constantFrom('"1"', '"2"', '*', '1', 'W/"1"', '"99999999999"', ''), printable, fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
/** Operations the contract accepts, on seeded objects or on ones the batch creates, so that batches also succeed and fail midway. */
const seededOf = { todo: seededTodo, list: fc.constantFrom('QLIST', 'QUPLIST', 'QTHEIRLIST', 'LIST0', 'LIST1'), label: fc.constantFrom('QLABEL0', 'QLABEL1', 'QTHEIRLABEL') };
const goodRef = fc.constantFrom('a', 'b', 'trip');
const targetOf = (type: 'todo' | 'list' | 'label') => fc.oneof(seededOf[type], goodRef.map((name) => `@${name}`));
const acceptedOperation = fc.oneof(
  fc.record({ op: fc.constant('create'), type: fc.constant('todo'), ref: goodRef, data: acceptedTodo }, { requiredKeys: ['op', 'type', 'data'] }),
  fc.record({ op: fc.constant('create'), type: fc.constant('todo'), ref: goodRef, data: fc.record({ title: fc.constant('t'), list_id: targetOf('list'), parent_id: targetOf('todo') }, { requiredKeys: ['title'] }) }, { requiredKeys: ['op', 'type', 'data'] }),
  fc.record({ op: fc.constant('create'), type: fc.constant('list'), ref: goodRef, data: fc.constant({ name: 'fuzzed' }) }, { requiredKeys: ['op', 'type', 'data'] }),
  fc.record({ op: fc.constant('create'), type: fc.constant('label'), ref: goodRef, data: fc.record({ name: fc.constantFrom('a', 'b', 'seed 0', 'SEED 1') }) }, { requiredKeys: ['op', 'type', 'data'] }),
  fc.constantFrom('todo', 'list', 'label').chain((type) =>
    fc.record(
      {
        op: fc.constant('update'),
        type: fc.constant(type),
        id: targetOf(type),
        data: type === 'todo' ? fc.record({ completed: fc.boolean(), list_id: targetOf('list'), parent_id: fc.option(targetOf('todo')) }, { requiredKeys: [] }) : fc.record({ name: fc.constantFrom('renamed', 'seed 2') }),
        if_match: fc.constantFrom('"1"', '"2"', '*'),
      },
      { requiredKeys: ['op', 'type', 'id', 'data'] },
    ),
  ),
  fc.constantFrom('todo', 'list', 'label').chain((type) => fc.record({ op: fc.constant('delete'), type: fc.constant(type), id: targetOf(type), if_match: fc.constantFrom('"1"', '*') }, { requiredKeys: ['op', 'type', 'id'] })),
  fc.constantFrom('todo', 'list').chain((type) =>
    fc.record({ op: fc.constant('move'), type: fc.constant(type), id: targetOf(type), data: type === 'todo' ? acceptedMove : fc.record({ before_id: targetOf('list') }, { requiredKeys: [] }) }),
  ),
);
const batchBody = fc
  .oneof(
    { weight: 8, arbitrary: fc.array(fc.oneof({ weight: 12, arbitrary: acceptedOperation }, { weight: 1, arbitrary: batchOperation }), { minLength: 1, maxLength: 5 }).map((operations) => ({ operations })) },
    { weight: 2, arbitrary: fc.array(batchOperation, { maxLength: 6 }).map((operations) => ({ operations })) },
    { weight: 1, arbitrary: fc.record({ operations: fc.jsonValue(), extra: fc.jsonValue() }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.constant({ operations: Array.from({ length: 101 }, () => ({ op: 'create', type: 'label', data: { name: 'x' } })) }) },
  )
  .map((b) => JSON.stringify(b));

const contentType = fc.constantFrom('application/json', 'application/merge-patch+json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined);

interface Problem {
  code: string;
  errors?: Array<{ path: string; message: string }>;
}

/** A 422 for invalid input names where it is: a path parameter, a query parameter or header that was sent, or a body field that was sent (or is required). */
function expectNamesWhatWasSent(problem: Problem, { url, init, op }: { url: string; init: RequestInit; op: Operation }, label: string) {
  if (problem.code !== 'validation_failed') return;
  expect(problem.errors?.length, label).toBeGreaterThan(0);
  let body: unknown;
  try {
    body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
  } catch {
    body = undefined;
  }
  const sent = new URL(url, 'http://x').searchParams;
  for (const { path, message } of problem.errors ?? []) {
    if (op.path === '/v1/batch' && path !== 'body') {
      // A batch names a place in its body (`operations/3/data/title`): everything up to the last step was sent.
      const steps = path.split('/');
      let at: unknown = body;
      for (const step of steps.slice(0, -1)) {
        expect(typeof at === 'object' && at !== null && Object.hasOwn(at, step), `${label}: ${path} (${message})`).toBe(true);
        at = (at as Record<string, unknown>)[step];
      }
      continue;
    }
    const part = path.split('.')[0]!;
    // The name after the part, itself possibly with dots (an unknown parameter `a.b`).
    const name = path.slice(part.length + 1);
    const where = `${label}: ${path} (${message})`;
    if (part === 'path') expect(op.parameters.some((p) => p.in === 'path' && p.name === name), where).toBe(true);
    else if (part === 'query') expect(sent.has(name), where).toBe(true);
    else if (part === 'header') expect(new Headers(init.headers).has(name), where).toBe(true);
    else if (part === 'body' && path !== 'body') {
      const fields = typeof body === 'object' && body !== null ? Object.keys(body) : [];
      expect(message === 'Required.' || fields.some((field) => name === field || name.startsWith(`${field}.`)), where).toBe(true);
    } else expect(path, where).toBe('body');
  }
}

describe('fuzzing every operation', () => {
  let t: TestApp;
  let token: string;
  let ids: string[];
  let labelIds: string[];
  let listIds: string[];
  let webhookIds: string[];
  beforeAll(async () => {
    t = await startTestApp();
    token = await signToken({ sub: newSubject('fuzz'), email: 'fuzz@example.com' });
    ids = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await t.request('/v1/todos', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: `seed ${i}` }) });
      ids.push(((await res.json()) as { id: string }).id);
    }
    labelIds = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await t.request('/v1/labels', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `seed ${i}` }) });
      labelIds.push(((await res.json()) as { id: string }).id);
    }
    // The default list (which cannot be deleted or archived) and two more.
    const inbox = await t.request('/v1/lists', { headers: { authorization: `Bearer ${token}` } });
    listIds = [((await inbox.json()) as { data: Array<{ id: string }> }).data[0]!.id];
    for (let i = 0; i < 2; i += 1) {
      const res = await t.request('/v1/lists', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `seed ${i}` }) });
      listIds.push(((await res.json()) as { id: string }).id);
    }
    webhookIds = [];
    for (const events of [['*'], ['todo.created'], ['list.deleted']]) {
      const res = await t.request('/v1/webhooks', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/hooks', events }) });
      webhookIds.push(((await res.json()) as { id: string }).id);
    }
  });
  /** What each placeholder stands for: seeded rows of the caller and of another user. */
  let seeded: Record<string, string>;
  beforeAll(async () => {
    const as = (bearer: string) => ({ authorization: `Bearer ${bearer}`, 'content-type': 'application/json' });
    const post = async (bearer: string, path: string, body: unknown) => (await (await t.request(path, { method: 'POST', headers: as(bearer), body: JSON.stringify(body) })).json()) as { id: string; list_id: string };
    const child = await post(token, '/v1/todos', { title: 'seed child', parent_id: ids[0], label_ids: [labelIds[0]] });
    const theirs = await signToken({ sub: newSubject('fuzz-other'), email: 'fuzz-other@example.com' });
    const theirTodo = await post(theirs, '/v1/todos', { title: 'theirs' });
    const theirLabel = await post(theirs, '/v1/labels', { name: 'theirs' });
    seeded = {
      TODO0: ids[0]!,
      TODO1: ids[1]!,
      TODO2: ids[2]!,
      CHILD: child.id,
      LABEL0: labelIds[0]!,
      LABEL1: labelIds[1]!,
      LABEL2: labelIds[2]!,
      LIST: child.list_id,
      THEIRTODO: theirTodo.id,
      THEIRLABEL: theirLabel.id,
      THEIRLIST: theirTodo.list_id,
    };
  });
  const fill = (text: string) => text.replace(/Q(UP)?(TODO[0-2]|CHILD|LABEL[0-2]|LIST|THEIRTODO|THEIRLABEL|THEIRLIST)/g, (_, upper: string | undefined, name: string) => (upper ? seeded[name]!.toUpperCase() : seeded[name]!));
  afterAll(() => t.close());

  const snapshot = async () =>
    t.db.query(`SELECT
      (SELECT md5(coalesce(string_agg(j::text, ',' ORDER BY j.todo_id, j.label_id), '')) FROM todo_labels j) AS todo_labels,
      (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM todos x) AS todos,
      (SELECT md5(coalesce(string_agg(u::text, ',' ORDER BY u.id), '')) FROM users u) AS users,
      (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l.id), '')) FROM labels l) AS labels,
      (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l.id), '')) FROM lists l) AS lists,
      (SELECT md5(coalesce(string_agg(c::text, ',' ORDER BY c.user_id, c.seq), '')) FROM changes c) AS changes,
      (SELECT md5(coalesce(string_agg(k::text, ',' ORDER BY k.key), '')) FROM idempotency_keys k) AS keys,
      (SELECT md5(coalesce(string_agg(w::text, ',' ORDER BY w.id), '')) FROM webhooks w) AS webhooks,
      (SELECT md5(coalesce(string_agg(e::text, ',' ORDER BY e.id), '')) FROM webhook_events e) AS webhook_events,
      (SELECT md5(coalesce(string_agg(d::text, ',' ORDER BY d.id), '')) FROM webhook_deliveries d) AS webhook_deliveries`);

  const request = fc.record({
    operation: fc.constantFrom(...operations),
    id: fc.oneof(fc.nat({ max: 2 }), fc.uuid(), printable.filter((s) => s.length > 0), seededId),
    query: fc.array(fc.tuple(fc.boolean(), fc.oneof(anyText, idText)), { maxLength: 12 }),
    filters: fc.option(acceptedFilters),
    extraQuery: fc.option(fc.tuple(printable, printable)),
    headers: fc.array(fc.tuple(fc.boolean(), printable), { maxLength: 4 }),
    auth: fc.constantFrom('valid', 'valid', 'valid', 'none', 'garbage'),
    body,
    batchBody: fc.option(batchBody, { freq: 5 }),
    contentType,
  });

  test.prop([request], { numRuns: 400 })('no 5xx, no change on a 4xx, every answer as the spec says', async (r) => {
    const op = r.operation;
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const seeded = op.path.startsWith('/v1/labels') ? labelIds : op.path.startsWith('/v1/lists') ? listIds : op.path.startsWith('/v1/webhooks') ? webhookIds : ids;
    const path = pathParams.reduce((acc, p) => acc.replace(`{${p.name}}`, encodeURIComponent(typeof r.id === 'number' ? seeded[r.id]! : r.id)), op.path);
    const search = new URLSearchParams();
    op.parameters
      .filter((p) => p.in === 'query')
      .forEach((p, i) => {
        const [include, value] = r.query[i] ?? [false, ''];
        if (include) search.append(p.name, value);
        else if (i % 2 === 0 && r.query.length > 3) search.append(p.name, String(p.schema?.enum?.[0] ?? p.example ?? value));
      });
    if (r.extraQuery) search.append(r.extraQuery[0], r.extraQuery[1]);
    if (r.filters && op.path === '/v1/todos') for (const [name, value] of Object.entries(r.filters)) search.set(name, value);
    const headers = new Headers();
    op.parameters
      .filter((p) => p.in === 'header')
      .forEach((p, i) => {
        const [include, value] = r.headers[i] ?? [false, ''];
        if (include) headers.set(p.name, value);
      });
    if (r.auth === 'valid') headers.set('authorization', `Bearer ${token}`);
    if (r.auth === 'garbage') headers.set('authorization', 'Bearer not.a.jwt');
    const init: RequestInit = { method: op.method, headers };
    if (op.hasBody) {
      if (r.contentType) headers.set('content-type', r.contentType);
      const text = op.path === '/v1/batch' && r.batchBody !== null ? r.batchBody : r.body;
      init.body = text.replace(/LIST([0-2])/g, (_, i: string) => listIds[Number(i)]!);
    }

    const before = await snapshot();
    const query = search.toString();
    if (typeof init.body === 'string') init.body = fill(init.body);
    const url = fill(`${path}${query ? `?${query}` : ''}`);
    const res = await t.request(url, init);
    expect(res.status, `${op.method} ${url}`).toBeLessThan(500);
    if (res.status >= 400) expect(await snapshot()).toEqual(before);
    if (res.status === 422) expectNamesWhatWasSent((await res.json()) as Problem, { url, init, op }, `${op.method} ${url} ${typeof init.body === 'string' ? init.body : ''}`);
  });

  // Issue 14: the batch body on its own, as the caller, so that most runs reach the operations.
  const batchOp = operations.find((o) => o.path === '/v1/batch')!;
  test.prop([batchBody], { numRuns: 300 })('batches: no 5xx, all or nothing, every answer as the spec says', async (text) => {
    const body = fill(text.replace(/LIST([0-2])/g, (_, i: string) => listIds[Number(i)]!));
    const init: RequestInit = { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body };
    const before = await snapshot();
    const res = await t.request('/v1/batch', init);
    expect(res.status, body).toBeLessThan(500);
    if (res.status >= 400) expect(await snapshot()).toEqual(before);
    if (res.status === 422) expectNamesWhatWasSent((await res.json()) as Problem, { url: '/v1/batch', init, op: batchOp }, `POST /v1/batch ${body}`);
  });
});
