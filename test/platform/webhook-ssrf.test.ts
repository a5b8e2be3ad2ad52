import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEvent } from '../../src/routes/webhooks/webhooks.events.js';
import { sendMessage } from '../../src/services/webhook-delivery.js';
import { addressAllowed, checkTargetUrl, checkUrlShape, checkedLookup, type TargetPolicy } from '../../src/services/webhook-target.js';
import { WebhookWorker } from '../../src/services/webhook-worker.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, newUser } from '../helpers/todo-client.js';

// SSRF (API.md, Webhooks): in production only https, and only public addresses, checked at
// registration and at delivery on the address connected to. No test here sends a packet to any
// address but loopback: IP literals are refused before any connection, names are resolved from
// /etc/hosts (`localhost`), and a loopback listener counts the connections a refusal must not make.

const PRODUCTION: TargetPolicy = { httpsOnly: true, allowPrivate: false };

/** A TCP listener on loopback that only counts connections (and closes them). */
async function countingListener(): Promise<{ port: number; connections: () => number; server: Server }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, server };
}

const message = { id: 'evt-1', timestamp: new Date(), body: '{}', secrets: [`whsec_${Buffer.alloc(24, 7).toString('base64')}`] };

describe('which addresses a webhook may reach', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.100.100.200', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
    'fc00::1', 'fd00:ec2::254', 'fe80::1', 'ff02::1', '64:ff9b::a00:1', '2002:7f00:1::', 'not-an-address',
  ])('production refuses %s', (address) => {
    expect(addressAllowed(address, PRODUCTION)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.215.14'])('production allows the public address %s', (address) => {
    expect(addressAllowed(address, PRODUCTION)).toBe(true);
  });

  it('outside production, with WEBHOOK_ALLOW_PRIVATE_TARGETS, local targets are allowed', () => {
    const local: TargetPolicy = { httpsOnly: false, allowPrivate: true };
    expect(addressAllowed('127.0.0.1', local)).toBe(true);
    expect(() => checkUrlShape('http://127.0.0.1:8080/hooks', local)).not.toThrow();
  });

  it.each([
    ['http://example.com/hooks', /https:\/\/ URL/],
    ['https://127.0.0.1/hooks', /not a public address/],
    ['https://10.0.0.1/hooks', /not a public address/],
    ['https://169.254.169.254/latest/meta-data', /not a public address/],
    ['https://[::ffff:127.0.0.1]/hooks', /not a public address/],
    ['https://[::1]:8443/hooks', /not a public address/],
    ['https://user:secret@example.com/hooks', /user name or password/],
    ['ftp://example.com/hooks', /https:\/\/ URL/],
  ])('production refuses the URL %s without resolving or connecting', (url, why) => {
    expect(() => checkUrlShape(url, PRODUCTION)).toThrow(why);
  });

  it('a name that resolves to loopback is refused at registration (resolved from /etc/hosts)', async () => {
    await expect(checkTargetUrl('https://localhost/hooks', PRODUCTION)).rejects.toThrow(/127\.0\.0\.1|::1/);
  });

  it('the connection lookup refuses a name that resolves to loopback, in both of its calling forms', async () => {
    const lookup = checkedLookup(PRODUCTION);
    for (const all of [false, true]) {
      const error = await new Promise<Error | null>((resolve) => lookup('localhost', { all }, (e) => resolve(e)));
      expect(error?.message).toMatch(/not a public address/);
    }
  });
});

describe('delivery to a refused target sends nothing', () => {
  let listener: Awaited<ReturnType<typeof countingListener>>;
  beforeAll(async () => {
    listener = await countingListener();
  });
  afterAll(() => new Promise<void>((resolve) => listener.server.close(() => resolve())));

  it.each(['https://localhost:PORT/hooks', 'https://127.0.0.1:PORT/hooks', 'https://[::ffff:127.0.0.1]:PORT/hooks', 'http://localhost:PORT/hooks'])(
    'production: %s is refused and the listener behind it gets no connection',
    async (template) => {
      const outcome = await sendMessage(template.replace('PORT', String(listener.port)), message, { timeoutMs: 2000, policy: PRODUCTION });
      expect(outcome).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^refused: /) });
      expect(listener.connections()).toBe(0);
    },
  );

  it.each(['https://10.0.0.1/hooks', 'https://169.254.169.254/latest/meta-data', 'https://[fd00:ec2::254]/'])(
    'production: %s is refused before any connection is attempted',
    async (url) => {
      const outcome = await sendMessage(url, message, { timeoutMs: 2000, policy: PRODUCTION });
      expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/^refused: the URL .*not a public address/) });
      expect(outcome.durationMs).toBeLessThan(50);
    },
  );

  it('a control: the same listener, allowed outside production, does get the connection', async () => {
    const before = listener.connections();
    const outcome = await sendMessage(`http://localhost:${listener.port}/hooks`, message, { timeoutMs: 2000, policy: { httpsOnly: false, allowPrivate: true } });
    expect(outcome.ok).toBe(false);
    expect(listener.connections()).toBe(before + 1);
  });
});

describe('a production worker re-checks at delivery', () => {
  let t: TestApp;
  let listener: Awaited<ReturnType<typeof countingListener>>;
  beforeAll(async () => {
    t = await startTestApp();
    listener = await countingListener();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => listener.server.close(() => resolve()));
    await t.close();
  });

  it('an endpoint whose name now resolves to loopback gets nothing: the attempt fails as refused', async () => {
    const me = await newUser(t);
    // Registered while the rules allowed it (here: written as if its name had resolved elsewhere then).
    const res = await me.raw('POST', '/v1/webhooks', { url: `https://localhost:${listener.port}/hooks`, events: ['todo.created'] });
    expectStatus(res, 201);
    const hookId = (res.body as { id: string }).id;
    const worker = new WebhookWorker({ policy: PRODUCTION, render: renderEvent, timeoutMs: 1000, pollIntervalMs: 20, concurrency: 2, retryDelaysMs: [] });
    worker.start();
    try {
      await me.created({ title: 'To a rebound name' });
      const deadline = Date.now() + 10_000;
      let attempts: Array<{ status: string; error: string | null; response_status: number | null }> = [];
      while (attempts.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        attempts = (await me.raw('GET', `/v1/webhooks/${hookId}/deliveries`)).body as never;
        attempts = (attempts as unknown as { data: typeof attempts }).data;
      }
      expect(attempts).toEqual([expect.objectContaining({ status: 'failed', response_status: null, error: expect.stringMatching(/^refused: .*not a public address/) })]);
      expect(listener.connections()).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
