import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

// The bad-input corpus of labels-bad-input.test.ts, for lists and their move: every answer is a
// 4xx problem, and the lists (and the counters in the user row) are exactly as they were before.

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
  { name: 'x'.repeat(256) },
  { name: '😀'.repeat(256) },
  { name: 'nul \u0000 byte' },
  { name: 'lone \ud800 surrogate' },
  { name: 'ok', color: 'red' },
  { name: 'ok', color: '#abc' },
  { name: 'ok', color: '#abcdeg' },
  { name: 'ok', color: ' #abcdef' },
  { name: 'ok', color: 123456 },
  { name: 'ok', archived: 'true' },
  { name: 'ok', archived: null },
  { name: 'ok', archived: 1 },
  { name: 'ok', position: 'a0' },
  { name: 'ok', position: '' },
  { name: 'ok', is_default: true },
  { name: 'ok', todo_count: -1 },
  { name: 'ok', open_todo_count: 2147483648 },
  { name: 'ok', version: 1 },
  { name: 'ok', created_at: '2026-11-22T00:00:00Z' },
  { name: 'ok', user_id: '00000000-0000-0000-0000-000000000000' },
  { name: 'ok', __proto__: { admin: true }, constructor: 'x' },
  { name: "'; DROP TABLE lists; --", id: "1' OR '1'='1" },
];

const MOVE_BODIES: unknown[] = [
  null,
  [],
  'end',
  42,
  { before_id: null },
  { after_id: null },
  { after_id: '' },
  { after_id: 'not-a-uuid' },
  { after_id: '00000000-0000-0000-0000-00000000000g' },
  { after_id: ' 019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c' },
  { after_id: 42 },
  { after_id: ['019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c'] },
  { before_id: '019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c', after_id: '019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c' },
  { after_id: '019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c' },
  { before_id: '019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c' },
  { position: 'a0' },
  { position: "'; DROP TABLE lists; --" },
  { list_id: '019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c' },
  { parent_id: null },
  { after_id: "' OR 1=1 --" },
  { after: '019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c' },
];

const RAW_BODIES = ['{', '{"name": "x",}', "{'name': 'x'}", '{"name": "x"} trailing', '\u0000', '{"name": "\\ud800"}'];

const QUERIES = [
  'limit=-5',
  'limit=0',
  'limit=101',
  'limit=1e2',
  'limit=%00',
  'limit=1&limit=2',
  'archived=yes',
  'archived=1',
  'archived=',
  'archived=true&archived=false',
  'archived=%00',
  'sort=position',
  'q=x',
  'cursor=%FF%FE',
  `cursor=${'A'.repeat(2000)}`,
  'cursor=eyJrIjoiMSJ9.AAAA',
  'cursor=WyJ4IiwiMSJd.AAAAAAAAAAAAAAAAAAAAAA',
];

const IDS = ['not-a-uuid', '123', "' OR 1=1 --", '00000000-0000-0000-0000-00000000000g', '%00', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300)];

describe('lists: bad input changes nothing and gets a 4xx problem', () => {
  let t: TestApp;
  let me: TodoClient;
  let existing: string;
  let neighbour: string;
  let snapshot: unknown;
  const state = () =>
    t.db.query(`SELECT l.*, (SELECT row(list_count, todo_count, position_seq)::text FROM users u WHERE u.id = l.user_id) AS counters FROM lists l ORDER BY id`);
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    const res = await me.raw('POST', '/v1/lists', { name: 'Untouchable', color: '#123456' });
    expectStatus(res, 201);
    existing = (res.body as { id: string }).id;
    const other = await me.raw('POST', '/v1/lists', { name: 'Neighbour' });
    expectStatus(other, 201);
    neighbour = (other.body as { id: string }).id;
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
    expect4xx(await me.raw('POST', '/v1/lists', JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(BODIES.map((b) => [JSON.stringify(b), b]))('PATCH %s', async (label, body) => {
    expect4xx(await me.raw('PATCH', `/v1/lists/${existing}`, JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(MOVE_BODIES.map((b) => [JSON.stringify(b), b]))('move %s', async (label, body) => {
    expect4xx(await me.raw('POST', `/v1/lists/${existing}/move`, JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it('move after or before itself', async () => {
    for (const side of ['before_id', 'after_id']) expect4xx(await me.raw('POST', `/v1/lists/${existing}/move`, { [side]: existing }), side);
  });

  it.each(RAW_BODIES)('POST and move raw %j', async (raw) => {
    expect4xx(await me.raw('POST', '/v1/lists', raw, { 'content-type': 'application/json' }), raw);
    expect4xx(await me.raw('POST', `/v1/lists/${existing}/move`, raw, { 'content-type': 'application/json' }), raw);
  });

  it.each(QUERIES)('GET /v1/lists?%s', async (query) => {
    expect4xx(await me.raw('GET', `/v1/lists?${query}`), query);
  });

  it.each(IDS)('every operation on id %j', async (id) => {
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'x' }],
      ['DELETE', '', undefined],
      ['POST', '/move', { after_id: neighbour }],
    ] as const) {
      expect4xx(await me.raw(method, `/v1/lists/${id}${suffix}`, body), `${method} ${id}${suffix}`);
    }
  });

  it.each(['2', '"1', 'W/"1"', '"99999999999"', '"-1"', '"2"'])('If-Match %j on PATCH, DELETE and move', async (ifMatch) => {
    for (const [method, suffix, body] of [
      ['PATCH', '', { name: 'x' }],
      ['DELETE', '', undefined],
      ['POST', '/move', { before_id: neighbour }],
    ] as const) {
      expect4xx(await me.raw(method, `/v1/lists/${existing}${suffix}`, body, { 'if-match': ifMatch }), `${method}${suffix} If-Match: ${ifMatch}`);
    }
  });

  it.each(['', ' ', 'x'.repeat(256), 'caf\u00e9'])('Idempotency-Key %j on a move', async (key) => {
    expect4xx(await me.raw('POST', `/v1/lists/${existing}/move`, { before_id: neighbour }, { 'idempotency-key': key }), key);
  });

  it('a wrong content type on a write is a 415; an empty JSON body a 400', async () => {
    expectStatus(await me.raw('POST', '/v1/lists', 'name=x', { 'content-type': 'text/plain' }), 415);
    expectStatus(await me.raw('POST', `/v1/lists/${existing}/move`, 'after_id=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    expectStatus(await me.raw('PATCH', `/v1/lists/${existing}`, '[]', { 'content-type': 'application/json-patch+json' }), 415);
    expectStatus(await me.raw('POST', `/v1/lists/${existing}/move`, '', { 'content-type': 'application/json' }), 400);
  });
});
