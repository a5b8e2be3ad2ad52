import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

// A corpus of hostile and malformed input. Every answer must be a 4xx problem, and the
// database must be exactly as it was before.

const BODIES: unknown[] = [
  null,
  [],
  ['title'],
  'just a string',
  42,
  { title: null },
  { title: ['a'] },
  { title: { en: 'x' } },
  { title: true },
  { title: '' },
  { title: ' \t\n ' },
  { title: 'x'.repeat(1025) },
  { title: '😀'.repeat(1025) },
  { title: 'nul \u0000 byte' },
  { title: 'lone \ud800 surrogate' },
  { title: 'ok', description: 'nul\u0000' },
  { title: 'ok', description: 5 },
  { title: 'ok', description: ['x'] },
  { title: 'ok', completed: 'true' },
  { title: 'ok', completed: 1 },
  { title: 'ok', priority: 'URGENT' },
  { title: 'ok', priority: 4 },
  { title: 'ok', due_at: '2026-02-29T00:00:00Z' },
  { title: 'ok', due_at: '2026-11-31T00:00:00Z' },
  { title: 'ok', due_at: '2026-11-22' },
  { title: 'ok', due_at: '2026-11-22T25:00:00Z' },
  { title: 'ok', due_at: 1764000000000 },
  { title: 'ok', due_at: '+275760-09-13T00:00:00Z' },
  { title: 'ok', user_id: '00000000-0000-0000-0000-000000000000' },
  { title: 'ok', __proto__: { admin: true }, constructor: 'x' },
  { title: "'; DROP TABLE todos; --", id: "1' OR '1'='1" },
];

const RAW_BODIES = ['{', '{"title": "x",}', "{'title': 'x'}", '{"title": "x"} trailing', '\u0000', '{"title": "\\ud800"}'];

const QUERIES = [
  'limit=-5',
  'limit=0',
  'limit=1000000000000000000000',
  'limit=1e2',
  'limit=%00',
  'limit=1&limit=2',
  'sort[]=title',
  "sort=created_at;DROP TABLE todos",
  "q=%27%20OR%201%3D1%20--%00",
  'q=' + 'x'.repeat(201),
  'completed=TRUE',
  'completed[]=true',
  'due_before=2026-02-30T00:00:00Z',
  'due_after=0',
  'priority=',
  'cursor=%FF%FE',
  'cursor=' + 'A'.repeat(2000),
  'cursor=eyJrIjoiMSJ9.AAAA',
];

const IDS = ['not-a-uuid', '123', "' OR 1=1 --", '00000000-0000-0000-0000-00000000000g', '%00', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300)];

describe('bad input changes nothing and gets a 4xx problem', () => {
  let t: TestApp;
  let me: TodoClient;
  let existing: string;
  let snapshot: unknown;
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    existing = (await me.created({ title: 'Untouchable', description: 'as it was' })).id;
    snapshot = await t.db.query('SELECT * FROM todos ORDER BY id');
  });
  afterAll(async () => {
    expect(await t.db.query('SELECT * FROM todos ORDER BY id')).toEqual(snapshot);
    await t.close();
  });

  const expect4xx = (res: Call, label: string) => {
    expect(res.status, label).toBeGreaterThanOrEqual(400);
    expect(res.status, label).toBeLessThan(500);
    expect(res.headers.get('content-type'), label).toBe('application/problem+json');
    expect(res.body, label).toMatchObject({ status: res.status });
  };

  it.each(BODIES.map((b) => [JSON.stringify(b), b]))('POST %s', async (label, body) => {
    expect4xx(await me.raw('POST', '/v1/todos', JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(BODIES.map((b) => [JSON.stringify(b), b]))('PATCH %s', async (label, body) => {
    expect4xx(await me.raw('PATCH', `/v1/todos/${existing}`, JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(RAW_BODIES)('POST raw %j', async (raw) => {
    expect4xx(await me.raw('POST', '/v1/todos', raw, { 'content-type': 'application/json' }), raw);
  });

  it.each(QUERIES)('GET /v1/todos?%s', async (query) => {
    expect4xx(await me.raw('GET', `/v1/todos?${query}`), query);
  });

  it.each(IDS)('every operation on id %j', async (id) => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await me.raw(method, `/v1/todos/${id}`, method === 'PATCH' ? { title: 'x' } : undefined);
      expect4xx(res, `${method} ${id}`);
    }
  });

  it('a wrong content type on a write is a 415', async () => {
    const res = await me.raw('POST', '/v1/todos', 'title=x', { 'content-type': 'text/plain' });
    expectStatus(res, 415);
  });
});
