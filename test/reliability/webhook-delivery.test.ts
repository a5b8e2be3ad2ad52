import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Todo } from '../../clients/typescript/src/types.js';
import { renderEvent } from '../../src/routes/webhooks/webhooks.events.js';
import { WebhookWorker, type WorkerOptions } from '../../src/services/webhook-worker.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, newUser, type TodoClient } from '../helpers/todo-client.js';
import { startReceiver, type Received, type Receiver } from '../helpers/webhook-receiver.js';
import { validatorFor, describeErrors } from '../helpers/contract.js';

// Webhook delivery end to end, with a real HTTP receiver on loopback and the worker in this
// process: signatures checked by the standardwebhooks package's own verify, bodies by the spec.

interface Event {
  type: string;
  timestamp: string;
  data: { object: Record<string, unknown> & { id: string; version: number }; previous_attributes?: Record<string, unknown>; change_seq?: number };
}

const FAST = { retryDelaysMs: [100, 100, 100, 100], pollIntervalMs: 20, timeoutMs: 2000, concurrency: 4 };

const EVENT_SCHEMAS: Record<string, string> = { todo: 'TodoEvent', list: 'ListEvent', label: 'LabelEvent', webhook: 'TestEvent' };

/** The event, after its signature verified with the package's own verify and its body validated against the spec. */
function verified(request: Received, secret: string): Event {
  const event = new Verifier(secret).verify(request.body, request.headers) as Event;
  const validate = validatorFor(`components/schemas/${EVENT_SCHEMAS[event.type.split('.')[0]!]!}`);
  expect(validate(event), describeErrors(validate)).toBe(true);
  return event;
}

describe('webhook delivery', () => {
  let t: TestApp;
  let worker: WebhookWorker | undefined;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await receiver?.close();
  });
  afterAll(() => t.close());

  const startWorker = (options: Partial<WorkerOptions> = {}) => {
    worker = new WebhookWorker({ policy: { httpsOnly: false, allowPrivate: true }, render: renderEvent, ...FAST, ...options });
    worker.start();
  };

  async function register(me: TodoClient, url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
    const res = await me.raw('POST', '/v1/webhooks', { url, events });
    expectStatus(res, 201);
    return res.body as { id: string; secret: string };
  }

  const attemptsOf = async (me: TodoClient, id: string) => {
    const res = await me.raw('GET', `/v1/webhooks/${id}/deliveries?limit=100`);
    expectStatus(res, 200);
    return (res.body as { data: Array<{ event_id: string; attempt: number; status: string; response_status: number | null; error: string | null; duration_ms: number; next_attempt_at: string | null }> }).data;
  };

  /** Waits until nothing is pending for the webhook (every delivery settled). */
  async function settled(webhookId: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'pending'`, [webhookId]);
      if (row!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`${row!.n} deliveries still pending`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('every event type arrives once per change, signed, with the object and previous_attributes right', async () => {
    receiver = await startReceiver();
    const me = await newUser(t);
    const hook = await register(me, receiver.url);
    startWorker();

    const created = async (path: string, body: unknown) => {
      const res = await me.raw('POST', path, body);
      expectStatus(res, 201);
      return res.body as { id: string; version: number; title?: string };
    };
    const home = await created('/v1/lists', { name: 'Home' });
    const trip = await created('/v1/lists', { name: 'Trip' });
    expectStatus(await me.raw('PATCH', `/v1/lists/${home.id}`, { name: 'House' }), 200);
    const label = await created('/v1/labels', { name: 'urgent' });
    expectStatus(await me.raw('PATCH', `/v1/labels/${label.id}`, { color: '#ff0000' }), 200);
    const todo = (await created('/v1/todos', { title: 'Pack', list_id: home.id, label_ids: [label.id] })) as unknown as Todo;
    expectStatus(await me.patch(todo.id, { title: 'Pack bags' }), 200);
    expectStatus(await me.patch(todo.id, { completed: true }), 200);
    expectStatus(await me.patch(todo.id, { completed: false }), 200);
    expectStatus(await me.move(todo.id, { list_id: trip.id }), 200);
    expectStatus(await me.raw('DELETE', `/v1/labels/${label.id}`), 204);
    expectStatus(await me.remove(todo.id), 204);
    const other = (await created('/v1/todos', { title: 'Tickets', list_id: trip.id })) as unknown as Todo;
    expectStatus(await me.raw('DELETE', `/v1/lists/${trip.id}`), 204);

    const expected = [
      'list.created', 'list.created', 'list.updated', 'label.created', 'label.updated', 'todo.created', 'todo.updated', 'todo.completed',
      'todo.uncompleted', 'todo.moved', 'label.deleted', 'todo.updated', 'todo.deleted', 'todo.created', 'list.deleted', 'todo.deleted',
    ];
    await receiver.waitFor(expected.length);
    await settled(hook.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(expected.length);
    const events = receiver.received.map((r) => ({ id: r.headers['webhook-id'], ...verified(r, hook.secret) }));
    expect(new Set(events.map((e) => e.id)).size).toBe(expected.length);
    // Deliveries run concurrently: order by change_seq, which is commit order (the label's delete and its todo's update share a statement).
    // Deliveries run concurrently: change_seq gives commit order. A deleted label and its todos'
    // updates, or a deleted list and its todos, are one statement: their order there is the cascade's.
    const ordered = [...events].sort((a, b) => a.data.change_seq! - b.data.change_seq!);
    expect(ordered.map((e) => e.type).sort()).toEqual([...expected].sort());
    expect(ordered.slice(0, 10).map((e) => e.type)).toEqual(expected.slice(0, 10));

    const of = (type: string, id: string) => events.filter((e) => e.type === type && e.data.object.id === id);
    const [renamed] = of('list.updated', home.id);
    expect(renamed!.data.object).toMatchObject({ name: 'House', version: 2 });
    expect(renamed!.data.previous_attributes).toEqual({ name: 'Home', version: 1, updated_at: expect.any(String) });
    const [titled, unlabelled] = of('todo.updated', todo.id).sort((a, b) => a.data.object.version - b.data.object.version);
    expect(titled!.data.previous_attributes).toEqual({ title: 'Pack', version: 1, updated_at: todo.updated_at });
    expect(titled!.data.object).toMatchObject({ title: 'Pack bags', version: 2, label_ids: [label.id] });
    expect(unlabelled!.data.previous_attributes).toMatchObject({ label_ids: [label.id] });
    expect(unlabelled!.data.object).toMatchObject({ label_ids: [] });
    const [completed] = of('todo.completed', todo.id);
    expect(completed!.data.previous_attributes).toMatchObject({ completed: false, completed_at: null });
    expect(completed!.data.object).toMatchObject({ completed: true });
    const [moved] = of('todo.moved', todo.id);
    expect(moved!.data.previous_attributes).toMatchObject({ list_id: home.id });
    expect(moved!.data.object).toMatchObject({ list_id: trip.id });
    // A deletion carries the object as it was, and no previous_attributes.
    const [gone] = of('todo.deleted', other.id);
    expect(gone!.data.object).toMatchObject({ id: other.id, title: 'Tickets' });
    expect(gone!.data.previous_attributes).toBeUndefined();
    // The change_seq is the feed's: the deleted list's last seq in GET /v1/changes.
    const feed = await me.raw('GET', '/v1/changes?limit=1000');
    const listChange = (feed.body as { data: Array<{ id: string; seq: number }> }).data.find((c) => c.id === trip.id);
    expect(of('list.deleted', trip.id)[0]!.data.change_seq).toBe(listChange!.seq);
    // Each was delivered at the first attempt, and the log says so.
    const attempts = await attemptsOf(me, hook.id);
    expect(attempts).toHaveLength(expected.length);
    expect(attempts.every((a) => a.status === 'succeeded' && a.attempt === 1 && a.response_status === 204)).toBe(true);
  });

  it('only the subscribed types are sent, and a write that rolls back sends nothing', async () => {
    receiver = await startReceiver();
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.completed']);
    startWorker();
    const todo = await me.created({ title: 'Subscribed' });
    // Rolled back: a stale If-Match (412) and a reference that fails in the database (422).
    expectStatus(await me.patch(todo.id, { completed: true }, { 'if-match': '"7"' }), 412);
    expect((await me.patch(todo.id, { completed: true, list_id: '019a8f30-0000-7000-8000-000000000000' })).status).toBe(422);
    expectStatus(await me.patch(todo.id, { completed: true }), 200);
    await receiver.waitFor(1);
    await settled(hook.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.map((r) => verified(r, hook.secret).type)).toEqual(['todo.completed']);
    const [{ n }] = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events WHERE user_id = (SELECT user_id FROM webhooks WHERE id = $1)', [hook.id])) as [{ n: number }];
    expect(n).toBe(1);
  });

  it('a receiver that fails twice then succeeds gets the event three times with the same webhook-id', async () => {
    let calls = 0;
    receiver = await startReceiver((_, res) => {
      calls += 1;
      res.writeHead(calls <= 2 ? 503 : 200).end('ok');
    });
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    startWorker();
    await me.created({ title: 'Retried' });
    const three = await receiver.waitFor(3);
    await settled(hook.id);
    expect(new Set(three.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of three) expect(verified(r, hook.secret).type).toBe('todo.created');
    // The bodies are identical; each attempt is signed at its own time.
    expect(new Set(three.map((r) => r.body)).size).toBe(1);
    const attempts = (await attemptsOf(me, hook.id)).reverse();
    expect(attempts.map((a) => [a.attempt, a.status, a.response_status])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'succeeded', 200],
    ]);
    expect(attempts[0]!.next_attempt_at).not.toBeNull();
    expect(attempts[2]!.next_attempt_at).toBeNull();
    const webhook = await me.raw('GET', `/v1/webhooks/${hook.id}`);
    expect(webhook.body).toMatchObject({ enabled: true, disabled_reason: null });
  });

  it('gives up after the last retry', async () => {
    receiver = await startReceiver((_, res) => res.writeHead(500).end());
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    startWorker({ retryDelaysMs: [50, 50] });
    await me.created({ title: 'Never' });
    await receiver.waitFor(3);
    await settled(hook.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(3);
    const [last] = await attemptsOf(me, hook.id);
    expect(last).toMatchObject({ attempt: 3, status: 'failed', next_attempt_at: null });
  });

  it('a 410 disables the endpoint: no retry, nothing more is sent', async () => {
    receiver = await startReceiver((_, res) => res.writeHead(410).end());
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    startWorker();
    await me.created({ title: 'Gone' });
    await receiver.waitFor(1);
    await settled(hook.id);
    const webhook = await me.raw('GET', `/v1/webhooks/${hook.id}`);
    expect(webhook.body).toMatchObject({ enabled: false, disabled_reason: 'The endpoint answered 410 Gone.', version: 2 });
    await me.created({ title: 'Not sent' });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
    const [{ n }] = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1', [hook.id])) as [{ n: number }];
    expect(n).toBe(1);
    // Enabled again, it receives the next event.
    expectStatus(await me.raw('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true }), 200);
    receiver.respondWith((_, res) => res.writeHead(200).end());
    await me.created({ title: 'Back' });
    await receiver.waitFor(2);
  });

  it('an endpoint that has failed for the whole failure window is disabled with a reason', async () => {
    receiver = await startReceiver((_, res) => res.writeHead(500).end());
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    startWorker({ failureWindowMs: 400, retryDelaysMs: [150, 150, 150, 150, 150, 150] });
    await me.created({ title: 'Failing' });
    await settled(hook.id);
    const webhook = await me.raw('GET', `/v1/webhooks/${hook.id}`);
    expect(webhook.body).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/^Every delivery failed for .* \(last: the endpoint answered 500\)\.$/) });
    const attempts = await attemptsOf(me, hook.id);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThan(7);
  });

  it('a receiver that hangs is cut at the timeout, and retried', async () => {
    receiver = await startReceiver(() => {
      // Never answers.
    });
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    startWorker({ timeoutMs: 300, retryDelaysMs: [50] });
    await me.created({ title: 'Hang' });
    await receiver.waitFor(2);
    await settled(hook.id);
    const attempts = await attemptsOf(me, hook.id);
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a).toMatchObject({ status: 'failed', response_status: null, error: 'timed out after 300 ms' });
      expect(a.duration_ms).toBeGreaterThanOrEqual(290);
      expect(a.duration_ms).toBeLessThan(2000);
    }
  });

  it('a redirect is a failure and is not followed', async () => {
    receiver = await startReceiver((request, res) => {
      if (request.headers['webhook-id']) res.writeHead(307, { location: `http://127.0.0.1:${receiver.port}/elsewhere` }).end();
    });
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    startWorker({ retryDelaysMs: [] });
    await me.created({ title: 'Redirected' });
    await settled(hook.id);
    expect(receiver.received).toHaveLength(1);
    const [attempt] = await attemptsOf(me, hook.id);
    expect(attempt).toMatchObject({ status: 'failed', response_status: 307, error: expect.stringContaining('redirect (307) not followed') });
  });

  it('an endless answer is read to 64 KiB only', async () => {
    receiver = await startReceiver((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
    });
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    startWorker({ timeoutMs: 5000 });
    await me.created({ title: 'Chatty' });
    await settled(hook.id);
    const [attempt] = await attemptsOf(me, hook.id);
    expect(attempt).toMatchObject({ status: 'succeeded', response_status: 200 });
    expect(attempt!.duration_ms).toBeLessThan(4000);
  });

  it('after rotate-secret, deliveries carry the new and the old signature for 24 hours', async () => {
    receiver = await startReceiver();
    const me = await newUser(t);
    const hook = await register(me, receiver.url, ['todo.created']);
    const rotated = await me.raw('POST', `/v1/webhooks/${hook.id}/rotate-secret`);
    expectStatus(rotated, 200);
    const fresh = (rotated.body as { secret: string }).secret;
    expect(fresh).not.toBe(hook.secret);
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    startWorker();
    const test = await me.raw('POST', `/v1/webhooks/${hook.id}/test`);
    expectStatus(test, 202);
    const [request] = await receiver.waitFor(1);
    expect(request!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(request!.headers['webhook-id']).toBe((test.body as { event_id: string }).event_id);
    expect(verified(request!, fresh)).toMatchObject({ type: 'webhook.test', data: { object: { id: hook.id, url: receiver.url } } });
    expect(verified(request!, hook.secret).type).toBe('webhook.test');
    // A secret that never signed it fails the package's verify.
    expect(() => new Verifier(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(request!.body, request!.headers)).toThrow();
  });
});
