import { createRoute, z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../../src/db/database.js';
import { parseEnv } from '../../src/env.js';
import { problemResponses } from '../../src/lib/openapi.js';
import type { AppOpenAPI } from '../../src/lib/types.js';
import { unitOfWork } from '../../src/middleware/unit-of-work.js';
import type { Problem } from '../../clients/typescript/src/types.js';
import { spec } from '../helpers/contract.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';

const echo = createRoute({
  method: 'post',
  path: '/__test/echo',
  request: {
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
    body: { required: true, content: { 'application/json': { schema: z.strictObject({ name: z.string().min(1) }) } } },
  },
  responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ name: z.string() }) } } }, ...problemResponses(['validation_failed'], { path: '/__test/echo' }) },
});

function mountTestRoutes(app: AppOpenAPI) {
  app.openapi(
    echo,
    unitOfWork((c) => c.json({ name: c.req.valid('json').name }, 200)),
  );
  app.get(
    '/__test/sql-error',
    unitOfWork(async () => {
      await database().query('SELECT secret_column FROM no_such_table');
      throw new Error('unreachable');
    }),
  );
  app.get('/__test/crash', () => {
    throw new TypeError("Cannot read properties of undefined (reading 'password')");
  });
}

function expectProblem(body: Problem, status: number, code: string, instance: string) {
  expect(body).toMatchObject({ status, code, instance, type: `/problems/${code.replaceAll('_', '-')}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toMatch(/^[\w-]+$/);
}

describe('every error is problem details', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mount: mountTestRoutes });
  });
  afterAll(() => t.close());

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, query = '') =>
    t.request(`/__test/echo${query}`, { method: 'POST', headers, body });

  it('404 for an unknown route', async () => {
    const res = await t.request('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expectProblem(await json<Problem>(res), 404, 'not_found', '/no/such/route');
  });

  it('405 with Allow for a known path and the wrong method', async () => {
    const res = await t.request('/health/live', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expectProblem(await json<Problem>(res), 405, 'method_not_allowed', '/health/live');
  });

  it('400 for malformed JSON', async () => {
    const res = await post('{"name": ');
    expect(res.status).toBe(400);
    const body = await json<Problem>(res);
    expectProblem(body, 400, 'bad_request', '/__test/echo');
    expect(body.detail).toBe('The request body is not valid JSON.');
  });

  it('413 for a body over BODY_LIMIT_BYTES', async () => {
    const res = await post(JSON.stringify({ name: 'x'.repeat(200_000) }));
    expect(res.status).toBe(413);
    expectProblem(await json<Problem>(res), 413, 'payload_too_large', '/__test/echo');
  });

  it('413 from the Content-Length alone, before the body is read', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(200_000) });
    const res = await post(body, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    expect(res.status).toBe(413);
  });

  it("413 says the limit in the spec's words, and the spec's example shows the default limit", async () => {
    // This app runs with the default BODY_LIMIT_BYTES, the one the spec documents.
    expect(t.config.bodyLimitBytes).toBe(parseEnv({}).bodyLimitBytes);
    const responses = spec.paths['/v1/todos']!.post!.responses as Record<string, { content: Record<string, { example: Problem }> }>;
    const example = responses['413']!.content['application/problem+json']!.example;
    expect(example.detail).toBe(`The request body is larger than ${parseEnv({}).bodyLimitBytes} bytes.`);
    const body = JSON.stringify({ name: 'x'.repeat(200_000) });
    const streamed = await post(body);
    const declared = await post(body, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    for (const res of [streamed, declared]) {
      expect(res.status).toBe(413);
      expect((await json<Problem>(res)).detail).toBe(example.detail);
    }
  });

  it('415 for a body that is not JSON', async () => {
    const res = await post('name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expectProblem(await json<Problem>(res), 415, 'unsupported_media_type', '/__test/echo');
  });

  it('415 for a body with no content type at all', async () => {
    const res = await post('{"name":"x"}', {});
    expect(res.status).toBe(415);
  });

  it('422 with errors[] naming each field, unknown fields included', async () => {
    const res = await post(JSON.stringify({ name: '', extra: 1 }));
    expect(res.status).toBe(422);
    const body = await json<Problem>(res);
    expectProblem(body, 422, 'validation_failed', '/__test/echo');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.name', message: expect.any(String) },
        { path: 'body.extra', message: 'Unknown field.' },
      ]),
    );
  });

  it('422 for an invalid query parameter, named query.<name>', async () => {
    const res = await post(JSON.stringify({ name: 'x' }), undefined, '?limit=1000');
    expect(res.status).toBe(422);
    expect((await json<Problem>(res)).errors).toEqual([{ path: 'query.limit', message: expect.any(String) }]);
  });

  it('accepts the valid request the errors above are variations of', async () => {
    const res = await post(JSON.stringify({ name: 'x' }), undefined, '?limit=5');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ name: 'x' });
  });

  it('500 on a database error leaks no SQL, table, column or driver text', async () => {
    const res = await t.request('/__test/sql-error');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/no_such_table|secret_column|SELECT|relation|does not exist|42P01|sequelize|at /i);
    expectProblem(JSON.parse(text) as Problem, 500, 'internal_error', '/__test/sql-error');
  });

  it('500 on a programming error leaks no message or stack', async () => {
    const res = await t.request('/__test/crash');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/password|TypeError|undefined|\.ts/);
  });
});

describe('headers on every response', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('echoes a sane X-Request-Id and uses it in problem bodies', async () => {
    const res = await t.request('/nope', { headers: { 'x-request-id': 'abc-123_XYZ' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123_XYZ');
    expect((await json<Problem>(res)).request_id).toBe('abc-123_XYZ');
  });

  it('replaces an X-Request-Id that is too long or not a token', async () => {
    for (const bad of ['x'.repeat(129), 'has spaces', 'semi;colon', '<script>']) {
      const res = await t.request('/health/live', { headers: { 'x-request-id': bad } });
      const id = res.headers.get('x-request-id');
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('sends security headers', async () => {
    const res = await t.request('/health/live');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('answers a CORS preflight from configuration (* outside production)', async () => {
    const res = await t.request('/health/live', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
  });
});
