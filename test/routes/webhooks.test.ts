import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../clients/typescript/src/schema.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, fieldErrorOf, newUser, type Call, type TodoClient } from '../helpers/todo-client.js';

// The webhook endpoints' API (API.md, Webhooks): every answer is checked against the spec by
// t.request; no worker runs here, so nothing is ever sent (delivery: test/reliability/webhook-delivery.test.ts).

type Webhook = components['schemas']['Webhook'];
type WebhookWithSecret = components['schemas']['WebhookWithSecret'];
type WebhookList = components['schemas']['WebhookList'];
type AttemptList = components['schemas']['WebhookAttemptList'];

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SECRET = /^whsec_[A-Za-z0-9+/]{32}$/;
/** A loopback port nothing listens on: registration sends nothing, and no worker runs here. */
const URL_A = 'http://127.0.0.1:9/hooks';

/** The webhook operations as one user calls them. */
function webhooks(c: TodoClient) {
  return {
    client: c,
    create: (body: unknown, headers?: Record<string, string>) => c.raw('POST', '/v1/webhooks', body, headers),
    get: (id: string, headers?: Record<string, string>) => c.raw('GET', `/v1/webhooks/${id}`, undefined, headers),
    patch: (id: string, body: unknown, headers?: Record<string, string>) => c.raw('PATCH', `/v1/webhooks/${id}`, body, headers),
    remove: (id: string, headers?: Record<string, string>) => c.raw('DELETE', `/v1/webhooks/${id}`, undefined, headers),
    rotate: (id: string, headers?: Record<string, string>) => c.raw('POST', `/v1/webhooks/${id}/rotate-secret`, undefined, headers),
    test: (id: string, headers?: Record<string, string>) => c.raw('POST', `/v1/webhooks/${id}/test`, undefined, headers),
    deliveries: (id: string, query = '') => c.raw('GET', `/v1/webhooks/${id}/deliveries${query}`),
    list: (query = '') => c.raw('GET', `/v1/webhooks${query}`),
    async created(body: Record<string, unknown> = {}): Promise<WebhookWithSecret> {
      const res = await this.create({ url: URL_A, events: ['*'], ...body });
      expectStatus(res, 201);
      return res.body as WebhookWithSecret;
    },
  };
}

const noSecretIn = (res: Call, secret: string) => {
  expect(JSON.stringify(res.body)).not.toContain(secret);
  expect(JSON.stringify(res.body)).not.toContain('whsec_');
};

describe('webhooks (development: local targets allowed)', () => {
  let t: TestApp;
  const user = async () => webhooks(await newUser(t));
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const rowOf = async (id: string) => (await t.db.query('SELECT * FROM webhooks WHERE id = $1', [id]))[0];
  const count = async (sql: string, binds: unknown[]) => ((await t.db.query(sql, binds))[0] as { n: number }).n;

  it('POST registers: 201 with Location, ETag and the secret, which no later answer carries', async () => {
    const me = await user();
    const res = await me.create({ url: URL_A, events: ['todo.created', 'todo.completed'], description: 'CRM sync' });
    expectStatus(res, 201);
    const hook = res.body as WebhookWithSecret;
    expect(hook).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: URL_A,
      events: ['todo.created', 'todo.completed'],
      enabled: true,
      disabled_reason: null,
      description: 'CRM sync',
      created_at: expect.stringMatching(ISO_Z),
      updated_at: hook.created_at,
      version: 1,
      secret: expect.stringMatching(SECRET),
    });
    expect(res.headers.get('location')).toBe(`/v1/webhooks/${hook.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await rowOf(hook.id)).toMatchObject({ url: URL_A, secret: hook.secret, enabled: true, version: 1, previous_secret: null });

    const { secret, ...publicPart } = hook;
    const got = await me.get(hook.id);
    expectStatus(got, 200);
    expect(got.body).toEqual(publicPart);
    expect(got.headers.get('etag')).toBe('"1"');
    noSecretIn(got, secret);
    const listed = await me.list();
    expectStatus(listed, 200);
    expect((listed.body as WebhookList).data).toEqual([publicPart]);
    noSecretIn(listed, secret);
    const patched = await me.patch(hook.id, { description: 'renamed' });
    expectStatus(patched, 200);
    noSecretIn(patched, secret);
    // Defaults: no description, enabled; https to loopback is allowed here too.
    expect(await me.created({ url: 'https://127.0.0.1:8443/x?a=1', events: ['list.deleted'] })).toMatchObject({ description: null, enabled: true });
    expect(await me.created({ enabled: false })).toMatchObject({ enabled: false });
    expect((await me.get(randomUUID())).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('an Idempotency-Key replays the same 201, secret included, and registers one endpoint', async () => {
    const me = await user();
    const key = randomUUID();
    const first = await me.create({ url: URL_A, events: ['*'] }, { 'idempotency-key': key });
    const again = await me.create({ url: URL_A, events: ['*'] }, { 'idempotency-key': key });
    expectStatus(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await me.list()).body).toMatchObject({ data: [{ id: (first.body as Webhook).id }] });
  });

  it.each([
    [{ url: URL_A, events: [] }, 'body.events'],
    [{ url: URL_A, events: ['todo.created', 'todo.created'] }, 'body.events'],
    [{ url: URL_A, events: ['*', 'todo.created'] }, 'body.events'],
    [{ url: URL_A, events: ['todo.created', 'todo.exploded'] }, 'body.events.1'],
    [{ url: URL_A, events: ['webhook.test'] }, 'body.events.0'],
    [{ url: URL_A, events: 'todo.created' }, 'body.events'],
    [{ url: URL_A }, 'body.events'],
    [{ events: ['*'] }, 'body.url'],
    [{ url: 'ftp://127.0.0.1/x', events: ['*'] }, 'body.url'],
    [{ url: '/relative', events: ['*'] }, 'body.url'],
    [{ url: `http://127.0.0.1/${'x'.repeat(2048)}`, events: ['*'] }, 'body.url'],
    [{ url: 'http://user:pw@127.0.0.1/x', events: ['*'] }, 'body.url'],
    [{ url: 'http://127.0.0.1/x#frag', events: ['*'] }, 'body.url'],
    [{ url: 'http://127.0.0.1/\u0000', events: ['*'] }, 'body.url'],
    [{ url: 'http://127.0.0.1/\ud800', events: ['*'] }, 'body.url'],
    [{ url: URL_A, events: ['*'], description: 'lone \udc00' }, 'body.description'],
    [{ url: URL_A, events: ['*'], description: 'x'.repeat(501) }, 'body.description'],
    [{ url: URL_A, events: ['*'], enabled: 'yes' }, 'body.enabled'],
    [{ url: URL_A, events: ['*'], secret: 'whsec_mine' }, 'body.secret'],
    [{ url: URL_A, events: ['*'], version: 3 }, 'body.version'],
  ])('POST %j is a 422 naming %s, and registers nothing', async (body, path) => {
    const me = await user();
    const error = fieldErrorOf(await me.create(body));
    expect(error.path).toBe(path);
    expect((await me.list()).body).toMatchObject({ data: [] });
  });

  it('GET with If-None-Match holding the current ETag is a 304; after a change, the new webhook', async () => {
    const me = await user();
    const hook = (await me.create({ url: URL_A, events: ['*'] })).body as WebhookWithSecret;
    const same = await me.get(hook.id, { 'if-none-match': '"1"' });
    expect(same.status).toBe(304);
    expect(same.headers.get('etag')).toBe('"1"');
    expect(same.body).toBeUndefined();
    expectStatus(await me.patch(hook.id, { enabled: false }), 200);
    const changed = await me.get(hook.id, { 'if-none-match': '"1"' });
    expectStatus(changed, 200);
    expect(changed.body).toMatchObject({ enabled: false, version: 2 });
  });

  it('GET lists in registration order, a page at a time, with a cursor and a Link header', async () => {
    const me = await user();
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await me.created({ description: `hook ${i}` })).id);
    const seen: string[] = [];
    let query = '?limit=2';
    for (let pages = 1; ; pages += 1) {
      const res = await me.list(query);
      expectStatus(res, 200);
      const page = res.body as WebhookList;
      seen.push(...page.data.map((w) => w.id));
      if (page.next_cursor === null) {
        expect(res.headers.get('link')).toBeNull();
        expect(pages).toBe(3);
        break;
      }
      expect(res.headers.get('link')).toBe(`</v1/webhooks?limit=2&cursor=${encodeURIComponent(page.next_cursor)}>; rel="next"`);
      query = `?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(seen).toEqual(made);
    for (const bad of ['?cursor=garbage', '?limit=0', '?limit=101', '?sort=url']) expect((await me.list(bad)).status, bad).toBe(422);
    // Another user's cursor is not this user's.
    const other = await user();
    await other.created();
    const foreign = ((await other.list('?limit=1')).body as WebhookList).next_cursor;
    expect(foreign).toBeNull();
    await other.created();
    const theirs = ((await other.list('?limit=1')).body as WebhookList).next_cursor!;
    expect(fieldErrorOf(await me.list(`?cursor=${encodeURIComponent(theirs)}`)).path).toBe('query.cursor');
  });

  it('PATCH is a merge patch: changes bump version once, a no-op keeps it, If-Match guards it', async () => {
    const me = await user();
    const hook = await me.created({ events: ['todo.created'], description: 'note' });
    const res = await me.patch(hook.id, { url: 'http://127.0.0.1:10/new', events: ['*'], description: null }, { 'content-type': 'application/merge-patch+json' });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ url: 'http://127.0.0.1:10/new', events: ['*'], description: null, version: 2, enabled: true });
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await rowOf(hook.id)).toMatchObject({ url: 'http://127.0.0.1:10/new', events: ['*'], description: null, version: 2, secret: hook.secret });
    // The same values again: nothing changes, not even updated_at.
    const same = await me.patch(hook.id, { url: 'http://127.0.0.1:10/new', events: ['*'] });
    expectStatus(same, 200);
    expect(same.body).toEqual(res.body);
    expect((await me.patch(hook.id, {})).body).toEqual(res.body);
    // If-Match: stale is a 412 that changes nothing; the current tag applies.
    const stale = await me.patch(hook.id, { description: 'stale' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed' });
    expect(await rowOf(hook.id)).toMatchObject({ description: null, version: 2 });
    expect((await me.patch(hook.id, { description: 'fresh' }, { 'if-match': '"2"' })).body).toMatchObject({ description: 'fresh', version: 3 });
    // The body rules of POST apply.
    expect(fieldErrorOf(await me.patch(hook.id, { events: ['nope'] })).path).toBe('body.events.0');
    expect(fieldErrorOf(await me.patch(hook.id, { url: null })).path).toBe('body.url');
    expect(fieldErrorOf(await me.patch(hook.id, { events: null })).path).toBe('body.events');
    expect(fieldErrorOf(await me.patch(hook.id, { secret: 'whsec_x' })).path).toBe('body.secret');
    expect(fieldErrorOf(await me.patch(hook.id, { enabled: null })).path).toBe('body.enabled');
    expect(await rowOf(hook.id)).toMatchObject({ version: 3 });
    expect((await me.patch(randomUUID(), { description: 'x' })).status).toBe(404);
  });

  it('disabling marks its pending deliveries failed and says why; enabling clears disabled_reason', async () => {
    const me = await user();
    const hook = await me.created({ events: ['todo.created'] });
    const other = await me.created({ events: ['todo.created'] });
    await me.client.created({ title: 'one' });
    await me.client.created({ title: 'two' });
    const pending = (id: string) => count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'pending'`, [id]);
    expect(await pending(hook.id)).toBe(2);
    const off = await me.patch(hook.id, { enabled: false });
    expectStatus(off, 200);
    expect(off.body).toMatchObject({ enabled: false, disabled_reason: expect.stringContaining('Disabled by you'), version: 2 });
    expect(await pending(hook.id)).toBe(0);
    expect(await t.db.query('SELECT status, finished_at IS NOT NULL AS finished FROM webhook_deliveries WHERE webhook_id = $1', [hook.id])).toEqual([
      { status: 'failed', finished: true },
      { status: 'failed', finished: true },
    ]);
    // The other endpoint's deliveries are untouched; a disabled endpoint gets no new ones.
    expect(await pending(other.id)).toBe(2);
    await me.client.created({ title: 'three' });
    expect(await count('SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1', [hook.id])).toBe(2);
    expect(await pending(other.id)).toBe(3);
    // Disabled again: a no-op.
    expect((await me.patch(hook.id, { enabled: false })).body).toMatchObject({ version: 2 });
    const on = await me.patch(hook.id, { enabled: true });
    expect(on.body).toMatchObject({ enabled: true, disabled_reason: null, version: 3 });
    expect(await rowOf(hook.id)).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    // Events while it was disabled are not replayed; the next one is queued.
    expect(await pending(hook.id)).toBe(0);
    await me.client.created({ title: 'four' });
    expect(await pending(hook.id)).toBe(1);
  });

  it('DELETE answers 204, takes its deliveries and attempts with it, and a second delete is a 404', async () => {
    const me = await user();
    const hook = await me.created({ events: ['todo.created'] });
    const kept = await me.created({ events: ['todo.created'] });
    await me.client.created({ title: 'queued' });
    // An attempt as the worker logs it.
    await t.db.query(
      `INSERT INTO webhook_attempts (id, delivery_id, webhook_id, user_id, event_id, event_type, attempt, status, response_status, error, duration_ms, next_attempt_at, created_at)
       SELECT gen_random_uuid(), d.id, d.webhook_id, d.user_id, d.event_id, 'todo.created', 1, 'failed', 503, 'the endpoint answered 503', 12, now(), now()
       FROM webhook_deliveries d WHERE d.webhook_id = ANY ($1::uuid[])`,
      [[hook.id, kept.id]],
    );
    const stale = await me.remove(hook.id, { 'if-match': '"9"' });
    expect(stale.status).toBe(412);
    expect(await rowOf(hook.id)).toBeDefined();
    const res = await me.remove(hook.id, { 'if-match': '"1"' });
    expect(res.status).toBe(204);
    expect(await rowOf(hook.id)).toBeUndefined();
    for (const table of ['webhook_deliveries', 'webhook_attempts']) {
      expect(await count(`SELECT count(*)::int AS n FROM ${table} WHERE webhook_id = $1`, [hook.id]), table).toBe(0);
      expect(await count(`SELECT count(*)::int AS n FROM ${table} WHERE webhook_id = $1`, [kept.id]), table).toBe(1);
    }
    // The event stays for the endpoint that still has a delivery of it.
    expect(await count(`SELECT count(*)::int AS n FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id WHERE d.webhook_id = $1`, [kept.id])).toBe(1);
    expect((await me.remove(hook.id)).body).toMatchObject({ status: 404, code: 'not_found' });
    expect((await me.deliveries(hook.id)).status).toBe(404);
  });

  it('rotate-secret answers a new secret and version; the old one is kept 24 hours in the database', async () => {
    const me = await user();
    const hook = await me.created();
    const res = await me.rotate(hook.id);
    expectStatus(res, 200);
    const rotated = res.body as WebhookWithSecret;
    expect(rotated).toMatchObject({ id: hook.id, version: 2, secret: expect.stringMatching(SECRET) });
    expect(rotated.secret).not.toBe(hook.secret);
    expect(res.headers.get('etag')).toBe('"2"');
    const [row] = await t.db.query<{ secret: string; previous_secret: string; hours_left: number }>(
      `SELECT secret, previous_secret, extract(epoch FROM previous_secret_expires_at - now()) / 3600 AS hours_left FROM webhooks WHERE id = $1`,
      [hook.id],
    );
    expect(row).toMatchObject({ secret: rotated.secret, previous_secret: hook.secret });
    expect(Number(row!.hours_left)).toBeGreaterThan(23.9);
    expect(Number(row!.hours_left)).toBeLessThanOrEqual(24);
    noSecretIn(await me.get(hook.id), rotated.secret);
    // Conditional, and a second rotation retires the first secret at once.
    expect((await me.rotate(hook.id, { 'if-match': '"1"' })).status).toBe(412);
    expect(await rowOf(hook.id)).toMatchObject({ secret: rotated.secret, version: 2 });
    const third = (await me.rotate(hook.id, { 'if-match': '"2"' })).body as WebhookWithSecret;
    expect(await rowOf(hook.id)).toMatchObject({ secret: third.secret, previous_secret: rotated.secret, version: 3 });
    expect((await me.rotate(randomUUID())).status).toBe(404);
  });

  it('test queues a webhook.test event for that endpoint only (202); a disabled endpoint is a 409', async () => {
    const me = await user();
    const hook = await me.created({ events: ['list.deleted'] });
    const bystander = await me.created({ events: ['*'] });
    const res = await me.test(hook.id);
    expectStatus(res, 202);
    const { event_id } = res.body as { event_id: string; type: string };
    expect(res.body).toEqual({ event_id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'webhook.test' });
    expect(await t.db.query('SELECT type, object_type, object_id, change_seq FROM webhook_events WHERE id = $1', [event_id])).toEqual([
      { type: 'webhook.test', object_type: 'webhook', object_id: hook.id, change_seq: null },
    ]);
    expect(await t.db.query('SELECT webhook_id, status, attempts FROM webhook_deliveries WHERE event_id = $1', [event_id])).toEqual([
      { webhook_id: hook.id, status: 'pending', attempts: 0 },
    ]);
    expect(await count('SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1', [bystander.id])).toBe(0);
    // The stored object has no secret in it.
    expect(JSON.stringify(await t.db.query('SELECT new_row FROM webhook_events WHERE id = $1', [event_id]))).not.toContain('whsec_');

    expectStatus(await me.patch(hook.id, { enabled: false }), 200);
    const events = () => count('SELECT count(*)::int AS n FROM webhook_events WHERE object_id = $1', [hook.id]);
    const before = await events();
    const refused = await me.test(hook.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'webhook_disabled', detail: expect.stringContaining('Disabled by you') });
    expect(await events()).toBe(before);
    expect((await me.test(randomUUID())).status).toBe(404);
  });

  it('deliveries pages the attempts log newest first; its webhook must be the caller’s', async () => {
    const me = await user();
    const hook = await me.created({ events: ['todo.created'] });
    await me.client.created({ title: 'logged' });
    // Five attempts of one delivery, a second apart, as the worker would log them.
    await t.db.query(
      `INSERT INTO webhook_attempts (id, delivery_id, webhook_id, user_id, event_id, event_type, attempt, status, response_status, error, duration_ms, next_attempt_at, created_at)
       SELECT gen_random_uuid(), d.id, d.webhook_id, d.user_id, d.event_id, 'todo.created', n,
         CASE WHEN n = 5 THEN 'succeeded' ELSE 'failed' END, CASE WHEN n = 5 THEN 200 ELSE 503 END,
         CASE WHEN n = 5 THEN NULL ELSE 'the endpoint answered 503' END, 10 * n,
         CASE WHEN n = 5 THEN NULL ELSE now() - interval '1 hour' + make_interval(secs => n + 1) END,
         now() - interval '1 hour' + make_interval(secs => n)
       FROM webhook_deliveries d, generate_series(1, 5) n WHERE d.webhook_id = $1`,
      [hook.id],
    );
    const attempts: AttemptList['data'] = [];
    let query = '?limit=2';
    for (;;) {
      const res = await me.deliveries(hook.id, query);
      expectStatus(res, 200);
      const page = res.body as AttemptList;
      attempts.push(...page.data);
      if (!page.next_cursor) break;
      expect(res.headers.get('link')).toBe(`</v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${encodeURIComponent(page.next_cursor)}>; rel="next"`);
      query = `?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(attempts.map((a) => a.attempt)).toEqual([5, 4, 3, 2, 1]);
    expect(attempts[0]).toMatchObject({ status: 'succeeded', response_status: 200, error: null, next_attempt_at: null, event_type: 'todo.created', duration_ms: 50 });
    expect(attempts[1]).toMatchObject({ status: 'failed', response_status: 503, error: 'the endpoint answered 503', next_attempt_at: expect.stringMatching(ISO_Z) });
    // A cursor of another webhook's log is refused.
    const second = await me.created();
    const cursor = ((await me.deliveries(hook.id, '?limit=1')).body as AttemptList).next_cursor!;
    expect(fieldErrorOf(await me.deliveries(second.id, `?cursor=${encodeURIComponent(cursor)}`)).path).toBe('query.cursor');
    expect((await me.deliveries(second.id)).body).toEqual({ data: [], next_cursor: null });
    expect((await me.deliveries(randomUUID())).body).toMatchObject({ status: 404, code: 'not_found' });
    const stranger = await user();
    expect((await stranger.deliveries(hook.id)).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('GET /v1/me counts the caller’s webhooks in usage.webhooks', async () => {
    const me = await user();
    const usage = async () => {
      const res = await me.client.me();
      expectStatus(res, 200);
      return res.body;
    };
    expect(await usage()).toMatchObject({ limits: { webhooks: 10 }, usage: { webhooks: 0 } });
    const a = await me.created();
    await me.created();
    expect((await usage()).usage.webhooks).toBe(2);
    expectStatus(await me.remove(a.id), 204);
    expect((await usage()).usage.webhooks).toBe(1);
  });
});

describe('webhooks: LIMIT_WEBHOOKS_PER_USER=2', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LIMIT_WEBHOOKS_PER_USER: '2' } });
  });
  afterAll(() => t.close());

  it('the third registration is a 409 limit_reached that registers nothing; a deletion makes room', async () => {
    const me = webhooks(await newUser(t));
    const first = await me.created();
    await me.created();
    const third = await me.create({ url: URL_A, events: ['*'] });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: 'limit_reached', detail: expect.stringContaining('2 webhooks') });
    expect(((await me.list()).body as WebhookList).data).toHaveLength(2);
    expect((await me.client.me()).body).toMatchObject({ limits: { webhooks: 2 }, usage: { webhooks: 2 } });
    // The quota is per user.
    await webhooks(await newUser(t)).created();
    expectStatus(await me.remove(first.id), 204);
    await me.created();
  });
});

describe('webhooks in production: https to public addresses only, checked at registration', () => {
  let t: TestApp;
  let me: ReturnType<typeof webhooks>;
  beforeAll(async () => {
    t = await startTestApp({ env: { NODE_ENV: 'production', AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET! } });
    expect(t.config).toMatchObject({ isProduction: true, webhookAllowPrivateTargets: false });
    me = webhooks(await newUser(t));
  });
  afterAll(() => t.close());

  // Only literals and localhost (in /etc/hosts): no DNS query, and registration connects to nothing.
  it.each([
    ['http://127.0.0.1:8080/hooks', /https:\/\//],
    ['http://203.0.113.7/hooks', /https:\/\//],
    ['https://127.0.0.1/', /127\.0\.0\.1 is not a public address/],
    ['https://10.0.0.1/', /10\.0\.0\.1 is not a public address/],
    ['https://192.168.1.20:8443/hooks', /is not a public address/],
    ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is not a public address/],
    ['https://[::1]/', /is not a public address/],
    ['https://[::ffff:127.0.0.1]/', /is not a public address/],
    ['https://[fd00::1]/', /is not a public address/],
    ['https://0.0.0.0/', /is not a public address/],
    ['https://localhost/', /is not a public address/],
  ])('%s is a 422 on body.url saying why, and registers nothing', async (url, why) => {
    const res = await me.create({ url, events: ['*'] });
    const error = fieldErrorOf(res);
    expect(error.path).toBe('body.url');
    expect(error.message).toMatch(why);
    expect(res.body).toMatchObject({ detail: expect.stringContaining('https:// URL whose host resolves to public addresses only') });
    expect(((await me.list()).body as WebhookList).data).toEqual([]);
  });

  it('a PATCH to such a URL is refused the same way and changes nothing', async () => {
    // A public literal: accepted without any connection (no worker runs in this test), then deleted.
    const hook = await me.created({ url: 'https://1.1.1.1/hooks', events: ['todo.created'] });
    const error = fieldErrorOf(await me.patch(hook.id, { url: 'https://169.254.169.254/' }));
    expect(error).toMatchObject({ path: 'body.url', message: expect.stringMatching(/not a public address/) });
    expect((await me.get(hook.id)).body).toMatchObject({ url: 'https://1.1.1.1/hooks', version: 1 });
    expectStatus(await me.remove(hook.id), 204);
  });
});
