import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type TodoClient, expectStatus } from '../helpers/todo-client.js';
import { createV1Route } from '../../src/lib/v1-route.js';

// Issue 11, item 6: a body is taken only in a content type its operation declares.
describe('content types', () => {
  let t: TestApp;
  let me: TodoClient;
  let todo: string;
  let todos: () => Promise<number>;
  beforeAll(async () => {
    t = await startTestApp({
      mount: (app) =>
        app.openapi(widgetRoute, (c) => c.json(c.req.valid('json'), 200)),
    });
    me = await newUser(t);
    todo = (await me.created({ title: 'Untouched' })).id;
    todos = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM todos'))[0]!.n;
  });
  afterAll(async () => {
    expect((await me.get(todo)).body).toMatchObject({ title: 'Untouched', version: 1 });
    await t.close();
  });

  it.each(['application/json-patch+json', 'application/vnd.foo+json', 'application/problem+json', 'text/json', 'application/jsonx'])(
    'POST as %s is a 415 that names application/json, and creates nothing',
    async (type) => {
      const before = await todos();
      const res = await me.raw('POST', '/v1/todos', { title: 'x' }, { 'content-type': type });
      expectStatus(res, 415);
      expect(res.body).toMatchObject({ code: 'unsupported_media_type', detail: `This operation takes its body as application/json, not ${type}.` });
      expect(await todos()).toBe(before);
    },
  );

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON'])('POST as %s is taken', async (type) => {
    expectStatus(await me.raw('POST', '/v1/todos', { title: 'x' }, { 'content-type': type }), 201);
  });

  it('POST with a body and no Content-Type is a 415 that says to send one', async () => {
    // A byte body: fetch gives it no Content-Type of its own.
    const res = await t.request('/v1/todos', { method: 'POST', headers: { authorization: `Bearer ${me.token}` }, body: new TextEncoder().encode('{"title":"x"}') });
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ detail: 'The request has a body but no Content-Type: send it as application/json.' });
    const blank = await me.raw('POST', '/v1/todos', { title: 'x' }, { 'content-type': '' });
    expectStatus(blank, 415);
    expect(blank.body).toMatchObject({ detail: 'The request has a body but no Content-Type: send it as application/json.' });
  });

  it('PATCH as JSON Patch (RFC 6902) is a 415 that says to send a JSON Merge Patch, with Accept-Patch', async () => {
    const patch = [{ op: 'replace', path: '/title', value: 'patched' }];
    const res = await me.raw('PATCH', `/v1/todos/${todo}`, patch, { 'content-type': 'application/json-patch+json' });
    expectStatus(res, 415);
    expect(res.body).toMatchObject({
      code: 'unsupported_media_type',
      detail:
        'JSON Patch (RFC 6902, application/json-patch+json) is not supported: send a JSON Merge Patch (RFC 7396), an object of the fields to change, as application/merge-patch+json or application/json.',
    });
    expect(res.headers.get('accept-patch')).toBe('application/merge-patch+json, application/json');
  });

  it('PATCH as another +json type is a 415 naming both accepted types; as merge-patch+json or json it applies', async () => {
    const res = await me.raw('PATCH', `/v1/todos/${todo}`, { title: 'x' }, { 'content-type': 'application/vnd.foo+json' });
    expectStatus(res, 415);
    expect(res.body).toMatchObject({ detail: 'This operation takes its body as application/merge-patch+json or application/json, not application/vnd.foo+json.' });
    for (const type of ['application/merge-patch+json', 'application/json']) {
      const ok = await me.raw('PATCH', `/v1/todos/${todo}`, { title: 'Untouched' }, { 'content-type': type });
      expectStatus(ok, 200);
    }
  });

  it('Content-Type parameters that cannot be parsed are a 415 that says so', async () => {
    const res = await me.raw('POST', '/v1/todos', { title: 'x' }, { 'content-type': 'application/json; charset' });
    expectStatus(res, 415);
    expect(res.body).toMatchObject({ detail: expect.stringContaining('parameters of the Content-Type header cannot be parsed') as string });
  });

  it('a new /v1 route gets the same check from its declared types alone (the route kit)', async () => {
    const send = (type: string) =>
      t.app.request('/v1/widgets', { method: 'POST', headers: { authorization: `Bearer ${me.token}`, 'content-type': type }, body: '{"name":"w"}' });
    expect((await send('application/vnd.widget+json')).status).toBe(200);
    const refused = await send('application/json');
    expect(refused.status).toBe(415);
    expect(await refused.json()).toMatchObject({ detail: 'This operation takes its body as application/vnd.widget+json, not application/json.' });
  });
});

const widgetRoute = createV1Route({
  method: 'post',
  path: '/v1/widgets',
  request: { body: { required: true, content: { 'application/vnd.widget+json': { schema: z.strictObject({ name: z.string() }) } } } },
  responses: { 200: { description: 'The widget.', content: { 'application/json': { schema: z.object({ name: z.string() }) } } } },
});
