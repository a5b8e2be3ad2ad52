import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

// The bad-input corpus of todos-bad-input.test.ts, for labels: every answer is a 4xx problem,
// and the labels (and the quota counter) are exactly as they were before.

const BODIES: unknown[] = [
  null,
  [],
  ['name'],
  'just a string',
  42,
  { name: null },
  { name: ['a'] },
  { name: { en: 'x' } },
  { name: true },
  { name: '' },
  { name: ' \t\n ' },
  { name: 'x'.repeat(65) },
  { name: '😀'.repeat(65) },
  { name: 'nul \u0000 byte' },
  { name: 'lone \ud800 surrogate' },
  { name: 'ok', color: 'red' },
  { name: 'ok', color: '#abc' },
  { name: 'ok', color: '#abcdeg' },
  { name: 'ok', color: ' #abcdef' },
  { name: 'ok', color: 123456 },
  { name: 'ok', color: ['#abcdef'] },
  { name: 'ok', version: 1 },
  { name: 'ok', created_at: '2026-11-22T00:00:00Z' },
  { name: 'ok', user_id: '00000000-0000-0000-0000-000000000000' },
  { name: 'ok', __proto__: { admin: true }, constructor: 'x' },
  { name: "'; DROP TABLE labels; --", id: "1' OR '1'='1" },
];

const RAW_BODIES = ['{', '{"name": "x",}', "{'name': 'x'}", '{"name": "x"} trailing', '\u0000', '{"name": "\\ud800"}'];

const QUERIES = ['limit=-5', 'limit=0', 'limit=101', 'limit=1e2', 'limit=%00', 'limit=1&limit=2', 'sort=name', 'q=x', 'cursor=%FF%FE', `cursor=${'A'.repeat(2000)}`, 'cursor=eyJrIjoiMSJ9.AAAA', 'cursor=WyJ4IiwiMSJd.AAAAAAAAAAAAAAAAAAAAAA'];

const IDS = ['not-a-uuid', '123', "' OR 1=1 --", '00000000-0000-0000-0000-00000000000g', '%00', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300)];

describe('labels: bad input changes nothing and gets a 4xx problem', () => {
  let t: TestApp;
  let me: TodoClient;
  let existing: string;
  let snapshot: unknown;
  const state = () => t.db.query('SELECT l.*, (SELECT label_count FROM users u WHERE u.id = l.user_id) AS label_count FROM labels l ORDER BY id');
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    const res = await me.raw('POST', '/v1/labels', { name: 'Untouchable', color: '#123456' });
    expectStatus(res, 201);
    existing = (res.body as { id: string }).id;
    snapshot = await state();
  });
  afterAll(async () => {
    expect(await state()).toEqual(snapshot);
    await t.close();
  });

  const expect4xx = (res: Call, label: string) => {
    expect(res.status, label).toBeGreaterThanOrEqual(400);
    expect(res.status, label).toBeLessThan(500);
    expect(res.headers.get('content-type'), label).toBe('application/problem+json');
    expect(res.body, label).toMatchObject({ status: res.status });
  };

  it.each(BODIES.map((b) => [JSON.stringify(b), b]))('POST %s', async (label, body) => {
    expect4xx(await me.raw('POST', '/v1/labels', JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(BODIES.map((b) => [JSON.stringify(b), b]))('PATCH %s', async (label, body) => {
    expect4xx(await me.raw('PATCH', `/v1/labels/${existing}`, JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(RAW_BODIES)('POST raw %j', async (raw) => {
    expect4xx(await me.raw('POST', '/v1/labels', raw, { 'content-type': 'application/json' }), raw);
  });

  it.each(QUERIES)('GET /v1/labels?%s', async (query) => {
    expect4xx(await me.raw('GET', `/v1/labels?${query}`), query);
  });

  it.each(IDS)('every operation on id %j', async (id) => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await me.raw(method, `/v1/labels/${id}`, method === 'PATCH' ? { name: 'x' } : undefined);
      expect4xx(res, `${method} ${id}`);
    }
  });

  it.each(['2', '"1', 'W/"1"', '"99999999999"', '"-1"'])('If-Match %j on PATCH and DELETE', async (ifMatch) => {
    for (const method of ['PATCH', 'DELETE']) {
      const res = await me.raw(method, `/v1/labels/${existing}`, method === 'PATCH' ? { name: 'x' } : undefined, { 'if-match': ifMatch });
      expect4xx(res, `${method} If-Match: ${ifMatch}`);
    }
  });

  it('a wrong content type on a write is a 415', async () => {
    expectStatus(await me.raw('POST', '/v1/labels', 'name=x', { 'content-type': 'text/plain' }), 415);
  });
});
