import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookVerificationError, createTodoClient, verifyWebhook, type TodoClient, type WebhookEvent } from '../../clients/typescript/src/index.js';
import { renderEvent } from '../../src/routes/webhooks/webhooks.events.js';
import { WebhookWorker } from '../../src/services/webhook-worker.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';
import { startReceiver, type Received, type Receiver } from '../helpers/webhook-receiver.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

// The SDK's verifyWebhook on real deliveries: the API through the SDK, the worker in this
// process, a receiver on loopback.

describe('verifyWebhook', () => {
  let t: TestApp;
  let proxy: FaultProxy;
  let worker: WebhookWorker;
  let receiver: Receiver;
  let client: TodoClient;
  beforeAll(async () => {
    t = await startTestApp();
    proxy = await startFaultProxy((p, init) => t.request(p, init));
    receiver = await startReceiver();
    worker = new WebhookWorker({ policy: { httpsOnly: false, allowPrivate: true }, render: renderEvent, timeoutMs: 2000, pollIntervalMs: 20, concurrency: 2 });
    worker.start();
    client = createTodoClient({ baseUrl: proxy.url, token: await signToken({ sub: newSubject('verify') }), retry: false });
  });
  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    await proxy?.close();
    await t?.close();
  });

  const describeEvent = (event: WebhookEvent): string => {
    // Narrowed by `type`: each branch sees its own object's fields.
    switch (event.type) {
      case 'todo.created':
      case 'todo.completed':
        return `todo ${event.data.object.title} ${event.data.object.completed}`;
      case 'list.created':
        return `list ${event.data.object.name}`;
      case 'webhook.test':
        return `test ${event.data.object.url}`;
      default:
        return event.type;
    }
  };

  it('accepts a real delivery, with headers as a plain object or a Headers, and returns the typed event', async () => {
    const { data: hook } = await client.webhooks.create({ url: receiver.url, events: ['todo.created', 'todo.completed'] });
    const { data: todo } = await client.todos.create({ title: 'Signed' });
    await client.todos.update(todo.id, { completed: true });
    const [created, completed] = await receiver.waitFor(2);
    const events = [created!, completed!].map((r) => verifyWebhook(r.body, r.headers, hook.secret));
    expect(events.map(describeEvent).sort()).toEqual(['todo Signed false', 'todo Signed true']);
    const fromHeaders = verifyWebhook(new TextEncoder().encode(created!.body), new Headers(created!.headers), hook.secret);
    expect(fromHeaders).toEqual(events[0]);
    // Header names in any case, as some frameworks pass them.
    const upper = Object.fromEntries(Object.entries(created!.headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(created!.body, upper, hook.secret)).toEqual(events[0]);
    expect((events[0]!.data as { change_seq: number }).change_seq).toBeGreaterThan(0);
    await client.webhooks.delete(hook.id);
  });

  it('throws a WebhookVerificationError on a tampered body, a wrong secret, a missing signature or a stale timestamp', async () => {
    const { data: hook } = await client.webhooks.create({ url: receiver.url, events: ['list.created'] });
    const before = receiver.received.length;
    await client.lists.create({ name: 'Tamper' });
    const request: Received = (await receiver.waitFor(before + 1))[before]!;
    expect(describeEvent(verifyWebhook(request.body, request.headers, hook.secret))).toBe('list Tamper');

    const cases: Array<[string, () => unknown]> = [
      ['tampered body', () => verifyWebhook(request.body.replace('Tamper', 'Tampered'), request.headers, hook.secret)],
      ['wrong secret', () => verifyWebhook(request.body, request.headers, `whsec_${Buffer.alloc(24, 9).toString('base64')}`)],
      ['no signature', () => verifyWebhook(request.body, { ...request.headers, 'webhook-signature': undefined }, hook.secret)],
      ['another id', () => verifyWebhook(request.body, { ...request.headers, 'webhook-id': crypto.randomUUID() }, hook.secret)],
      ['stale timestamp', () => verifyWebhook(request.body, { ...request.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) }, hook.secret)],
      ['re-serialised body', () => verifyWebhook(JSON.stringify(JSON.parse(request.body), null, 2), request.headers, hook.secret)],
    ];
    for (const [name, verify] of cases) {
      expect(verify, name).toThrow(WebhookVerificationError);
      expect(verify, name).toThrow(/not genuine|timestamp|headers/i);
    }
    // A value that is not a secret is a usage error, not a failed verification.
    expect(() => verifyWebhook(request.body, request.headers, '')).toThrow(TypeError);
    expect(() => verifyWebhook(request.body, request.headers, [])).toThrow(TypeError);
    await client.webhooks.delete(hook.id);
  });

  it('after rotateSecret, either secret verifies, and a list of secrets does too', async () => {
    const { data: hook } = await client.webhooks.create({ url: receiver.url, events: ['label.created'] });
    const { data: rotated } = await client.webhooks.rotateSecret(hook.id);
    const before = receiver.received.length;
    const { data: { event_id } } = await client.webhooks.test(hook.id);
    const request = (await receiver.waitFor(before + 1))[before]!;
    expect(request.headers['webhook-id']).toBe(event_id);
    for (const secret of [rotated.secret, hook.secret, [`whsec_${Buffer.alloc(24, 3).toString('base64')}`, rotated.secret]]) {
      expect(describeEvent(verifyWebhook(request.body, request.headers, secret))).toBe(`test ${receiver.url}`);
    }
  });
});
