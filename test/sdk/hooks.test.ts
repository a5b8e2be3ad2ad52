import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiProblem, createTodoClient, type Middleware } from '../../clients/typescript/src/index.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// SDK hooks (issue 15, item 4): openapi-fetch middleware around every call, against the real app.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const base = 'http://hooks.test';
const through = (request: Request) => t.request(request.url.replace(base, ''), request);

describe('createTodoClient({ middleware })', () => {
  it('runs each hook once per call, in order, after Authorization is set; onResponse sees the answer', async () => {
    const token = await signToken({ sub: newSubject('hooks') });
    const seen: string[] = [];
    const tag: Middleware = {
      onRequest({ request }) {
        seen.push(`1 ${request.method} ${new URL(request.url).pathname} auth=${request.headers.get('authorization') === `Bearer ${token}`}`);
        request.headers.set('X-Request-Id', 'hooked-request-id');
        return request;
      },
    };
    const log: Middleware = {
      onRequest({ request }) {
        seen.push(`2 ${request.headers.get('x-request-id')}`);
      },
      onResponse({ response }) {
        seen.push(`3 ${response.status} ${response.headers.get('x-request-id')}`);
      },
    };
    const client = createTodoClient({ baseUrl: base, token, retry: false, fetch: through, middleware: [tag, log] });
    const created = await client.todos.create({ title: 'Hooked' });
    expect(created.data.title).toBe('Hooked');
    await expect(client.todos.get('019a8f30-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(ApiProblem);
    expect(seen).toEqual([
      '1 POST /v1/todos auth=true',
      '2 hooked-request-id',
      '3 201 hooked-request-id',
      '1 GET /v1/todos/019a8f30-0000-7000-8000-000000000000 auth=true',
      '2 hooked-request-id',
      '3 404 hooked-request-id',
    ]);
  });

  it('a hook can answer instead of the server, and onError sees a connection failure', async () => {
    const errors: string[] = [];
    const client = createTodoClient({
      baseUrl: base,
      token: 'unused',
      retry: false,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
      middleware: [
        {
          onRequest({ request }) {
            if (new URL(request.url).pathname === '/health/live') return new Response(JSON.stringify({ status: 'ok' }), { headers: { 'content-type': 'application/json' } });
            return undefined;
          },
          onError({ error }) {
            errors.push(String((error as Error).message));
          },
        },
      ],
    });
    expect((await client.health.live()).data).toEqual({ status: 'ok' });
    await expect(client.me()).rejects.toThrow();
    expect(errors).toHaveLength(1);
  });
});
