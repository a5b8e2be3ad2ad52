import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../clients/typescript/src/types.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, expectStatus, type TodoClient } from '../helpers/todo-client.js';

// Percent-encoding that does not decode to UTF-8 (RFC 3986 §2.1; the URL Standard's
// percent-decoding is UTF-8), and header values that no client should send: each is a 4xx
// problem. Every answer is checked against the spec (startTestApp's request): the status is
// declared for the operation and the body matches, its `instance` a valid URI reference.

const ID_LIKE = ['%ff', '%', '%zz', '%ed%a0%80', '%c0%af'];

let t: TestApp;
let me: TodoClient;
let todoId: string;

beforeAll(async () => {
  t = await startTestApp();
  me = await newUser(t);
  todoId = (await me.created({ title: 'café 100% a+b' })).id;
});
afterAll(() => t.close());

describe('path parameters that cannot be decoded are a 422 on path.id', () => {
  const operations = (bad: string): Array<[string, string, unknown]> => [
    ['GET', `/v1/todos/${bad}`, undefined],
    ['PATCH', `/v1/todos/${bad}`, { title: 'x' }],
    ['DELETE', `/v1/todos/${bad}`, undefined],
    ['POST', `/v1/todos/${bad}/move`, {}],
    ['GET', `/v1/lists/${bad}`, undefined],
    ['PATCH', `/v1/lists/${bad}`, { name: 'x' }],
    ['DELETE', `/v1/labels/${bad}`, undefined],
    ['GET', `/v1/webhooks/${bad}`, undefined],
    ['GET', `/v1/webhooks/${bad}/deliveries`, undefined],
  ];

  it.each(ID_LIKE)('%s as the id of every kind of object', async (bad) => {
    for (const [method, path, body] of operations(bad)) {
      const res = await me.raw(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(422);
      expect((res.body as Problem).errors?.map((e) => e.path)).toEqual(['path.id']);
    }
  });

  it('the instance of the problem is a valid URI reference: a stray % is sent back as %25', async () => {
    const cases: Array<[bad: string, instance: string]> = [
      ['%', '/v1/todos/%25'],
      ['%zz', '/v1/todos/%25zz'],
      ['ab%4', '/v1/todos/ab%254'],
      ['%ff', '/v1/todos/%ff'],
    ];
    for (const [bad, instance] of cases) {
      const res = await me.raw('GET', `/v1/todos/${bad}`);
      expect(res.body, bad).toMatchObject({ status: 422, instance });
    }
  });

  it('an instance cut at 2048 characters never ends inside an escape', async () => {
    // The escape starts at character 2046: a cut at 2048 would leave "%f".
    const res = await me.raw('GET', `/v1/todos/${'a'.repeat(2036)}%ff`);
    expect(res.status).toBe(422);
    expect((res.body as Problem).instance).toBe(`/v1/todos/${'a'.repeat(2036)}`);
  });

  it('outside /v1 too: /problems/% and /docs/%zz are a 404 with a valid instance', async () => {
    const cases: Array<[path: string, instance: string]> = [
      ['/problems/%', '/problems/%25'],
      ['/docs/%zz', '/docs/%25zz'],
    ];
    for (const [path, instance] of cases) {
      const res = await t.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.json(), path).toMatchObject({ code: 'not_found', instance });
    }
  });
});

describe('header values no client should send are a 4xx, and change nothing', () => {
  // fetch sends header values as bytes (ISO-8859-1), as Node reads them: "\u00ff" is the byte 0xFF.
  it('If-Match with a byte past ASCII: a 412 for a quoted tag, a 400 invalid_if_match unquoted; the todo is unchanged', async () => {
    const quoted = await me.patch(todoId, { title: 'changed' }, { 'if-match': '"\u00ff"' });
    expectStatus(quoted, 412);
    const bare = await me.patch(todoId, { title: 'changed' }, { 'if-match': '\u00ff' });
    expect(bare).toMatchObject({ status: 400, body: { code: 'invalid_if_match' } });
    const deleted = await me.remove(todoId, { 'if-match': '"\u00c3\u00bf"' });
    expectStatus(deleted, 412);
    const now = await me.get(todoId);
    expectStatus(now, 200);
    expect(now.body).toMatchObject({ title: 'café 100% a+b', version: 1 });
  });

  it('If-None-Match with a byte past ASCII matches nothing: 200', async () => {
    expectStatus(await me.get(todoId, { 'if-none-match': '"\u00ff"' }), 200);
  });

  it('Idempotency-Key with a byte past ASCII: a 422 on header.idempotency-key, nothing created', async () => {
    const before = await me.listAll();
    const res = await me.create({ title: 'keyed' }, { 'idempotency-key': 'key-\u00ff' });
    expect(res.status).toBe(422);
    expect((res.body as Problem).errors?.map((e) => e.path)).toEqual(['header.idempotency-key']);
    expect(await me.listAll()).toEqual(before);
  });

  it('Authorization with a byte past ASCII: a 401', async () => {
    const res = await t.request('/v1/todos', { headers: { authorization: 'Bearer \u00ff' } });
    expect(res.status).toBe(401);
  });

  it('Content-Type with a byte past ASCII: a 415', async () => {
    const res = await me.raw('POST', '/v1/todos', '{"title":"x"}', { 'content-type': '\u00ff' });
    expect(res).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
  });

  it('X-Request-Id with a byte past ASCII is replaced by a new id', async () => {
    const res = await t.request('/v1/me', { headers: { authorization: `Bearer ${me.token}`, 'x-request-id': '\u00ff' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
