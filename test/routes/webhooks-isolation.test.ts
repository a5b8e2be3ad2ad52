import { randomUUID } from 'node:crypto';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEvent } from '../../src/routes/webhooks/webhooks.events.js';
import { WebhookWorker } from '../../src/services/webhook-worker.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, newUser, type Call, type TodoClient } from '../helpers/todo-client.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

/** A 404 body without the parts that differ per request. */
const comparable = (res: Call) => {
  const { request_id: _id, instance: _instance, ...rest } = res.body as Record<string, unknown>;
  return { status: res.status, contentType: res.headers.get('content-type'), body: rest };
};

describe("isolation: user B and user A's webhooks", () => {
  let t: TestApp;
  let alice: TodoClient;
  let bob: TodoClient;
  let aliceHooks: Array<{ id: string; secret: string }>;
  const snapshot = () =>
    t.db.query(`SELECT
      (SELECT json_agg(w ORDER BY w.id) FROM webhooks w) AS webhooks,
      (SELECT json_agg(e ORDER BY e.id) FROM webhook_events e) AS events,
      (SELECT json_agg(d ORDER BY d.id) FROM webhook_deliveries d) AS deliveries,
      (SELECT json_agg(u.webhook_count ORDER BY u.id) FROM users u) AS counts`);
  beforeAll(async () => {
    t = await startTestApp();
    alice = await newUser(t);
    bob = await newUser(t);
    aliceHooks = [];
    for (const events of [['*'], ['todo.created']]) {
      const res = await alice.raw('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/alice', events });
      expectStatus(res, 201);
      aliceHooks.push(res.body as { id: string; secret: string });
    }
    expectStatus(await bob.raw('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/bob', events: ['*'] }), 201);
  });
  afterAll(() => t.close());

  const operations: Array<[string, (c: TodoClient, id: string) => Promise<Call>]> = [
    ['GET', (c, id) => c.raw('GET', `/v1/webhooks/${id}`)],
    ['GET with If-None-Match', (c, id) => c.raw('GET', `/v1/webhooks/${id}`, undefined, { 'if-none-match': '"1"' })],
    ['PATCH', (c, id) => c.raw('PATCH', `/v1/webhooks/${id}`, { url: 'http://127.0.0.1:9/stolen', enabled: false })],
    ['PATCH with If-Match', (c, id) => c.raw('PATCH', `/v1/webhooks/${id}`, { events: ['*'] }, { 'if-match': '"1"' })],
    ['DELETE', (c, id) => c.raw('DELETE', `/v1/webhooks/${id}`)],
    ['DELETE with If-Match', (c, id) => c.raw('DELETE', `/v1/webhooks/${id}`, undefined, { 'if-match': '"1"' })],
    ['rotate-secret', (c, id) => c.raw('POST', `/v1/webhooks/${id}/rotate-secret`)],
    ['rotate-secret with If-Match', (c, id) => c.raw('POST', `/v1/webhooks/${id}/rotate-secret`, undefined, { 'if-match': '"1"' })],
    ['test', (c, id) => c.raw('POST', `/v1/webhooks/${id}/test`)],
    ['deliveries', (c, id) => c.raw('GET', `/v1/webhooks/${id}/deliveries`)],
  ];

  it.each(operations)('%s on an id of A is a 404 identical to one for a random id, and changes nothing', async (_name, op) => {
    const before = await snapshot();
    for (const hook of aliceHooks) {
      const theirs = await op(bob, hook.id);
      const random = await op(bob, randomUUID());
      expect(theirs.status).toBe(404);
      expect(comparable(theirs)).toEqual(comparable(random));
      expect(theirs.headers.get('etag')).toBeNull();
      expect(JSON.stringify(theirs.body)).not.toContain('whsec_');
    }
    expect(await snapshot()).toEqual(before);
  });

  it("B's list never shows A's webhooks, and B's usage counts only B's", async () => {
    const page = await bob.raw('GET', '/v1/webhooks?limit=100');
    expectStatus(page, 200);
    expect((page.body as { data: Array<{ url: string }> }).data.map((w) => w.url)).toEqual(['http://127.0.0.1:9/bob']);
    expect((await bob.me()).body).toMatchObject({ usage: { webhooks: 1 } });
    expect((await alice.me()).body).toMatchObject({ usage: { webhooks: 2 } });
  });
});

describe("isolation: B's events never reach A's endpoint", () => {
  let t: TestApp;
  let worker: WebhookWorker;
  let aliceReceiver: Receiver;
  let bobReceiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp();
    aliceReceiver = await startReceiver();
    bobReceiver = await startReceiver();
    worker = new WebhookWorker({ policy: { httpsOnly: false, allowPrivate: true }, render: renderEvent, timeoutMs: 2000, pollIntervalMs: 20, concurrency: 4 });
    worker.start();
  });
  afterAll(async () => {
    await worker.stop();
    await aliceReceiver.close();
    await bobReceiver.close();
    await t.close();
  });

  it('each user receives their own events only, signed with their own secret', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const register = async (c: TodoClient, url: string) => {
      const res = await c.raw('POST', '/v1/webhooks', { url, events: ['*'] });
      expectStatus(res, 201);
      return res.body as { id: string; secret: string };
    };
    const aliceHook = await register(alice, aliceReceiver.url);
    const bobHook = await register(bob, bobReceiver.url);

    // Bob writes a lot, Alice once; Bob's test event goes to Bob's endpoint only.
    const bobList = await bob.raw('POST', '/v1/lists', { name: 'Bob only' });
    expectStatus(bobList, 201);
    const bobTodo = await bob.created({ title: 'Bob secret', list_id: (bobList.body as { id: string }).id });
    expectStatus(await bob.patch(bobTodo.id, { completed: true }), 200);
    expectStatus(await bob.raw('POST', '/v1/labels', { name: 'bob label' }), 201);
    expectStatus(await bob.raw('POST', `/v1/webhooks/${bobHook.id}/test`), 202);
    expectStatus(await bob.remove(bobTodo.id), 204);
    const aliceTodo = await alice.created({ title: 'Alice own' });

    await bobReceiver.waitFor(6);
    await aliceReceiver.waitFor(1);
    // Let anything misrouted arrive before counting.
    for (;;) {
      const [{ n }] = (await t.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`)) as [{ n: number }];
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));

    expect(aliceReceiver.received).toHaveLength(1);
    const [request] = aliceReceiver.received;
    const event = new Verifier(aliceHook.secret).verify(request!.body, request!.headers) as { type: string; data: { object: { id: string } } };
    expect(event).toMatchObject({ type: 'todo.created', data: { object: { id: aliceTodo.id } } });
    expect(request!.body).not.toContain('Bob');
    // Signed with Alice's secret, never Bob's; Bob's with his.
    expect(() => new Verifier(bobHook.secret).verify(request!.body, request!.headers)).toThrow();
    expect(bobReceiver.received).toHaveLength(6);
    const bobTypes = bobReceiver.received.map((r) => (new Verifier(bobHook.secret).verify(r.body, r.headers) as { type: string }).type);
    expect(bobTypes.sort()).toEqual(['label.created', 'list.created', 'todo.completed', 'todo.created', 'todo.deleted', 'webhook.test']);
    // Neither log shows the other's attempts.
    const log = async (c: TodoClient, id: string) => ((await c.raw('GET', `/v1/webhooks/${id}/deliveries?limit=100`)).body as { data: unknown[] }).data;
    expect(await log(alice, aliceHook.id)).toHaveLength(1);
    expect(await log(bob, bobHook.id)).toHaveLength(6);
  });
});
