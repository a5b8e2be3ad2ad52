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

const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item as unknown as Record<string, { parameters?: Parameter[]; requestBody?: unknown }>).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    parameters: op.parameters ?? [],
    hasBody: op.requestBody !== undefined,
  })),
);

const printable = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
const anyText = fc.oneof(printable, fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '0', '-1', '1e309', 'null', 'true', '%', '../..', "' OR 1=1 --"));

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
const body = fc.oneof(
  todoFields.map((o) => JSON.stringify(o)),
  labelFields.map((o) => JSON.stringify(o)),
  listFields.map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
);
const contentType = fc.constantFrom('application/json', 'application/merge-patch+json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined);

describe('fuzzing every operation', () => {
  let t: TestApp;
  let token: string;
  let ids: string[];
  let labelIds: string[];
  let listIds: string[];
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
  });
  afterAll(() => t.close());

  const snapshot = async () =>
    t.db.query(`SELECT
      (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM todos x) AS todos,
      (SELECT md5(coalesce(string_agg(u::text, ',' ORDER BY u.id), '')) FROM users u) AS users,
      (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l.id), '')) FROM labels l) AS labels,
      (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l.id), '')) FROM lists l) AS lists,
      (SELECT md5(coalesce(string_agg(c::text, ',' ORDER BY c.user_id, c.seq), '')) FROM changes c) AS changes,
      (SELECT md5(coalesce(string_agg(k::text, ',' ORDER BY k.key), '')) FROM idempotency_keys k) AS keys`);

  const request = fc.record({
    operation: fc.constantFrom(...operations),
    id: fc.oneof(fc.nat({ max: 2 }), fc.uuid(), printable.filter((s) => s.length > 0)),
    query: fc.array(fc.tuple(fc.boolean(), anyText), { maxLength: 6 }),
    extraQuery: fc.option(fc.tuple(printable, printable)),
    headers: fc.array(fc.tuple(fc.boolean(), printable), { maxLength: 4 }),
    auth: fc.constantFrom('valid', 'valid', 'valid', 'none', 'garbage'),
    body,
    contentType,
  });

  test.prop([request], { numRuns: 400 })('no 5xx, no change on a 4xx, every answer as the spec says', async (r) => {
    const op = r.operation;
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const seeded = op.path.startsWith('/v1/labels') ? labelIds : op.path.startsWith('/v1/lists') ? listIds : ids;
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
      init.body = r.body.replace(/LIST([0-2])/g, (_, i: string) => listIds[Number(i)]!);
    }

    const before = await snapshot();
    const query = search.toString();
    const res = await t.request(`${path}${query ? `?${query}` : ''}`, init);
    expect(res.status, `${op.method} ${path}?${query}`).toBeLessThan(500);
    if (res.status >= 400) expect(await snapshot()).toEqual(before);
  });
});
