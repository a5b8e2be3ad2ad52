import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../clients/typescript/src/types.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, expectStatus, type Call, type TodoClient } from '../helpers/todo-client.js';

// Percent-encoding that does not decode to UTF-8 (RFC 3986 §2.1; the URL Standard's
// percent-decoding is UTF-8). Hono keeps an escape it cannot decode as the characters it was
// sent as, so `q=%ff` would search for the text "%ff"; the /v1 route kit refuses such a
// query as a 400 bad_request naming each parameter instead. Path parameters and header values
// that no client should send are a 4xx problem too. Every answer is checked against the
// spec (startTestApp's request): the status is declared for the operation and the body matches.

/** Escapes that are not UTF-8, percent-encoded: each one alone is the whole value. */
const MALFORMED: Array<[string, string]> = [
  ['%ff, a byte that is never UTF-8', '%ff'],
  ['a lone %', '%'],
  ['%zz, not hex', '%zz'],
  ['a % with one hex digit', 'ab%4'],
  ['%c0%af, an overlong "/"', '%c0%af'],
  ['%ed%a0%80, a lone surrogate', '%ed%a0%80'],
  ['%e2%82, a sequence cut short', '%e2%82'],
  ['%f4%90%80%80, past U+10FFFF', '%f4%90%80%80'],
  ['Latin-1 é (%e9) after valid UTF-8', 'caf%C3%A9%e9'],
];

const ID_LIKE = ['%ff', '%', '%zz', '%ed%a0%80', '%c0%af'];

let t: TestApp;
let me: TodoClient;
let todoId: string;
let webhookId: string;

beforeAll(async () => {
  t = await startTestApp();
  me = await newUser(t);
  todoId = (await me.created({ title: 'café 100% a+b' })).id;
  const hook = await me.raw<Call & { body: { id: string } }>('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'] });
  expectStatus(hook, 201);
  webhookId = hook.body.id;
});
afterAll(() => t.close());

/** A 400 bad_request that names exactly `paths` and tells the caller to send UTF-8, percent-encoded. */
function expectUndecodable(res: Call, paths: string[], label: string) {
  expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(400);
  const body = res.body as Problem;
  expect(body).toMatchObject({ code: 'bad_request', type: '/problems/bad-request', status: 400 });
  expect(body.detail).toMatch(/^The query string cannot be decoded/);
  expect(body.detail).toMatch(/UTF-8, percent-encoded/);
  expect(body.errors?.map((e) => e.path), label).toEqual(paths);
  for (const error of body.errors ?? []) expect(error.message).toMatch(/UTF-8, percent-encoded/);
}

describe('a query parameter whose percent-encoding is not UTF-8 is a 400 that names it', () => {
  const routes = () => [
    { path: '/v1/todos', param: 'q' },
    { path: '/v1/todos', param: 'limit' },
    { path: '/v1/lists', param: 'cursor' },
    { path: '/v1/labels', param: 'cursor' },
    { path: '/v1/changes', param: 'cursor' },
    { path: '/v1/webhooks', param: 'cursor' },
    { path: `/v1/webhooks/${webhookId}/deliveries`, param: 'cursor' },
  ];

  it.each(MALFORMED)('%s, on every operation that takes a query', async (_label, value) => {
    for (const { path, param } of routes()) {
      expectUndecodable(await me.raw('GET', `${path}?${param}=${value}`), [`query.${param}`], `${path}?${param}=${value}`);
    }
  });

  it('GET /v1/todos?q=%ff is not a search for the text "%ff" (it used to answer 200 with an empty page)', async () => {
    const res = await me.raw('GET', '/v1/todos?q=%ff');
    expectUndecodable(res, ['query.q'], 'q=%ff');
    expect(res.body).toMatchObject({ instance: '/v1/todos' });
  });

  it('names every parameter that cannot be decoded, in the order sent, and only those', async () => {
    expectUndecodable(await me.raw('GET', '/v1/todos?q=%ff&limit=5&cursor=%&priority=high'), ['query.q', 'query.cursor'], 'two of four');
  });

  it('a name that cannot be decoded is named as it was sent', async () => {
    expectUndecodable(await me.raw('GET', '/v1/todos?%ff=1'), ['query.%ff'], 'name %ff');
    expectUndecodable(await me.raw('GET', '/v1/lists?archived%=true'), ['query.archived%'], 'name archived%');
  });

  it('a parameter sent twice is named once', async () => {
    expectUndecodable(await me.raw('GET', '/v1/todos?q=%ff&q=%fe'), ['query.q'], 'q twice');
  });

  it('comes before the validation of the values it could decode', async () => {
    expectUndecodable(await me.raw('GET', '/v1/todos?limit=0&q=%ff'), ['query.q'], 'limit=0 and q=%ff');
  });

  it('an unauthenticated request is a 401 first, as before', async () => {
    const res = await t.request('/v1/todos?q=%ff');
    expect(res.status).toBe(401);
  });
});

describe('query parameters that are UTF-8, percent-encoded, still work', () => {
  it.each([
    ['é as %C3%A9', 'caf%C3%A9'],
    ['é in lower-case hex', 'caf%c3%a9'],
    ['a literal % as %25', '100%25'],
    ['+ as a space', '100%25+a'],
    ['a literal + as %2B', 'a%2Bb'],
    ['no escape at all', 'caf'],
  ])('q with %s finds the todo', async (_label, q) => {
    const res = await me.raw<Call & { body: { data: Array<{ id: string }> } }>('GET', `/v1/todos?q=${q}`);
    expectStatus(res, 200, q);
    expect(res.body.data.map((todo) => todo.id)).toEqual([todoId]);
  });

  it('a four-byte character (😀 as %F0%9F%98%80) is valid: 200, an empty page', async () => {
    const res = await me.raw('GET', '/v1/todos?q=%F0%9F%98%80');
    expectStatus(res, 200);
    expect(res.body).toEqual({ data: [], next_cursor: null });
  });

  it('an operation that takes no query still ignores its query string', async () => {
    expectStatus(await me.raw('GET', '/v1/me?x=%ff'), 200);
  });
});

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
