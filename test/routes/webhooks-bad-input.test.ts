import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

// The bad-input corpus of labels-bad-input.test.ts, for webhooks: every answer is a 4xx problem,
// and the webhooks, their events and deliveries (and the quota counter) are exactly as they were.

const URL_OK = 'http://127.0.0.1:9/hooks';

const BODIES: unknown[] = [
  null,
  [],
  ['url'],
  'just a string',
  42,
  {},
  { url: URL_OK },
  { events: ['*'] },
  { url: null, events: ['*'] },
  { url: [URL_OK], events: ['*'] },
  { url: { href: URL_OK }, events: ['*'] },
  { url: '', events: ['*'] },
  { url: 'not a url', events: ['*'] },
  { url: 'javascript:alert(1)', events: ['*'] },
  { url: 'file:///etc/passwd', events: ['*'] },
  { url: 'gopher://127.0.0.1:70/', events: ['*'] },
  { url: 'http://127.0.0.1:9/\u0000', events: ['*'] },
  { url: 'http://127.0.0.1:9/\ud800', events: ['*'] },
  { url: `http://127.0.0.1/${'x'.repeat(2100)}`, events: ['*'] },
  { url: 'http://admin:secret@127.0.0.1/', events: ['*'] },
  { url: 'http://127.0.0.1/#section', events: ['*'] },
  { url: URL_OK, events: null },
  { url: URL_OK, events: '*' },
  { url: URL_OK, events: [] },
  { url: URL_OK, events: ['*', '*'] },
  { url: URL_OK, events: ['*', 'todo.created'] },
  { url: URL_OK, events: ['todo.created', 'todo.created'] },
  { url: URL_OK, events: ['todo.*'] },
  { url: URL_OK, events: ['Todo.Created'] },
  { url: URL_OK, events: ['webhook.test'] },
  { url: URL_OK, events: [1] },
  { url: URL_OK, events: [['todo.created']] },
  { url: URL_OK, events: Array.from({ length: 40 }, () => 'todo.created') },
  { url: URL_OK, events: ['*'], description: 'x'.repeat(501) },
  { url: URL_OK, events: ['*'], description: 'nul \u0000 byte' },
  { url: URL_OK, events: ['*'], description: 'lone \ud800 surrogate' },
  { url: URL_OK, events: ['*'], description: 42 },
  { url: URL_OK, events: ['*'], enabled: 'true' },
  { url: URL_OK, events: ['*'], enabled: null },
  { url: URL_OK, events: ['*'], secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  { url: URL_OK, events: ['*'], id: '019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1b' },
  { url: URL_OK, events: ['*'], version: 1 },
  { url: URL_OK, events: ['*'], disabled_reason: 'x' },
  { url: URL_OK, events: ['*'], user_id: '00000000-0000-0000-0000-000000000000' },
  { url: URL_OK, events: ['*'], __proto__: { admin: true }, constructor: 'x' },
  { url: "http://127.0.0.1/'; DROP TABLE webhooks; --", events: ["*' OR '1'='1"] },
];

// PATCH: every body above that is wrong whatever the webhook, plus nulls for fields that cannot be empty.
const PATCH_BODIES: unknown[] = [...BODIES.filter((b) => !(typeof b === 'object' && b !== null && !Array.isArray(b) && Object.keys(b).length <= 1)), { url: null }, { events: null }, { enabled: null }];

const RAW_BODIES = ['{', '{"url": "x",}', "{'url': 'x'}", `{"url": "${URL_OK}", "events": ["*"]} trailing`, '\u0000', '{"url": "\\ud800", "events": ["*"]}'];

const QUERIES = ['limit=-5', 'limit=0', 'limit=101', 'limit=1e2', 'limit=%00', 'limit=1&limit=2', 'sort=url', 'enabled=true', 'cursor=%FF%FE', `cursor=${'A'.repeat(2000)}`, 'cursor=eyJrIjoiMSJ9.AAAA'];

const IDS = ['not-a-uuid', '123', "' OR 1=1 --", '00000000-0000-0000-0000-00000000000g', '%00', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300)];

describe('webhooks: bad input changes nothing and gets a 4xx problem', () => {
  let t: TestApp;
  let me: TodoClient;
  let existing: string;
  let snapshot: unknown;
  const state = () =>
    t.db.query(`SELECT
      (SELECT json_agg(w ORDER BY w.id) FROM webhooks w) AS webhooks,
      (SELECT json_agg(e ORDER BY e.id) FROM webhook_events e) AS events,
      (SELECT json_agg(d ORDER BY d.id) FROM webhook_deliveries d) AS deliveries,
      (SELECT json_agg(u.webhook_count ORDER BY u.id) FROM users u) AS counts`);
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    const res = await me.raw('POST', '/v1/webhooks', { url: URL_OK, events: ['todo.created'], description: 'Untouchable' });
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
    expect4xx(await me.raw('POST', '/v1/webhooks', JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(PATCH_BODIES.map((b) => [JSON.stringify(b), b]))('PATCH %s', async (label, body) => {
    expect4xx(await me.raw('PATCH', `/v1/webhooks/${existing}`, JSON.stringify(body), { 'content-type': 'application/json' }), String(label));
  });

  it.each(RAW_BODIES)('POST raw %j', async (raw) => {
    expect4xx(await me.raw('POST', '/v1/webhooks', raw, { 'content-type': 'application/json' }), raw);
  });

  it.each(QUERIES)('GET /v1/webhooks?%s and its deliveries', async (query) => {
    expect4xx(await me.raw('GET', `/v1/webhooks?${query}`), query);
    expect4xx(await me.raw('GET', `/v1/webhooks/${existing}/deliveries?${query}`), `deliveries ${query}`);
  });

  it.each(IDS)('every operation on id %j', async (id) => {
    const calls: Array<[string, string]> = [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/rotate-secret'],
      ['POST', '/test'],
      ['GET', '/deliveries'],
    ];
    for (const [method, suffix] of calls) {
      const res = await me.raw(method, `/v1/webhooks/${id}${suffix}`, method === 'PATCH' ? { description: 'x' } : undefined);
      expect4xx(res, `${method} ${id}${suffix}`);
    }
  });

  it.each(['2', '"1', 'W/"1"', '"99999999999"', '"-1"', '"2"'])('If-Match %j on PATCH, DELETE and rotate-secret', async (ifMatch) => {
    const calls: Array<[string, string]> = [
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/rotate-secret'],
    ];
    for (const [method, suffix] of calls) {
      const res = await me.raw(method, `/v1/webhooks/${existing}${suffix}`, method === 'PATCH' ? { description: 'x' } : undefined, { 'if-match': ifMatch });
      expect4xx(res, `${method}${suffix} If-Match: ${ifMatch}`);
    }
  });

  it('a wrong content type on a write is a 415', async () => {
    expectStatus(await me.raw('POST', '/v1/webhooks', 'url=x', { 'content-type': 'text/plain' }), 415);
    expectStatus(await me.raw('PATCH', `/v1/webhooks/${existing}`, '[{"op":"replace"}]', { 'content-type': 'application/json-patch+json' }), 415);
  });
});
