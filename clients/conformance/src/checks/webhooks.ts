import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { expect, expectStatus, type Context, type Group } from '../runner.js';
import type { Todo } from './types.js';

// Webhooks: a receiver this suite starts, at --webhook-host, where the deployment must be able
// to reach it. Written to the contract (Standard Webhooks v1 signatures, the `{ type, timestamp,
// data }` body); the group runs only when the spec has /v1/webhooks.

interface Delivery {
  /** The receiver's path it was sent to: one per webhook of the run. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private waiters: Array<() => void> = [];
  private server: Server | undefined;

  async start(port: number): Promise<number> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.deliveries.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '0.0.0.0', () => resolve());
    });
    return (this.server.address() as { port: number }).port;
  }

  /** The first delivery that matches, waiting up to `timeoutMs` for it. */
  async waitFor(match: (d: Delivery, body: WebhookEvent) => boolean, timeoutMs: number): Promise<Delivery | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.deliveries.find((d) => {
        try {
          return match(d, JSON.parse(d.body) as WebhookEvent);
        } catch {
          return false;
        }
      });
      if (found || Date.now() >= until) return found;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, until - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

interface WebhookEvent {
  type: string;
  timestamp: string;
  data: { object?: { id?: string } };
}

const header = (d: Delivery, name: string) => {
  const value = d.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Whether a delivery carries a valid Standard Webhooks v1 signature under this `whsec_` secret. */
export function signatureValid(d: Delivery, secret: string): boolean {
  const id = header(d, 'webhook-id');
  const timestamp = header(d, 'webhook-timestamp');
  const signatures = header(d, 'webhook-signature');
  if (!id || !timestamp || !signatures) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${d.body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    const given = Buffer.from(signature ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const DELIVERY_TIMEOUT_MS = 20_000;
/** The path of this group's webhook at the receiver (others of the run get other paths). */
const MAIN = '/main';
const CREATE = 'create a webhook: 201 with its whsec_ signing secret, which no later response shows';

interface Webhook {
  id: string;
  secret?: string;
}

/** Whether the spec gives this POST a request body. */
const takesBody = (ctx: Context, path: string) => (ctx.spec.find('POST', path)?.operation as { requestBody?: unknown } | undefined)?.requestBody !== undefined;

function receiverUrl(ctx: Context): string {
  const url = ctx.state.get('webhook-url');
  expect(typeof url === 'string', 'the webhook receiver did not start');
  return url;
}

export function webhookGroup(receiver: WebhookReceiver): Group {
  return {
    name: 'webhooks',
    paths: /^\/v1\/webhooks/,
    cannotRun: (ctx) => {
      if (!ctx.spec.hasPath('/v1/webhooks')) return 'the spec has no /v1/webhooks operations';
      if (!ctx.options.webhookHost) return 'no --webhook-host: give the host (or host:port) at which the deployment reaches this machine';
      return undefined;
    },
    checks: [
      {
        name: CREATE,
        async run(ctx) {
          const { object } = await ctx.create<Webhook>('a', 'webhooks', { url: `${receiverUrl(ctx)}${MAIN}`, events: ['*'], description: ctx.marker });
          expect(typeof object.secret === 'string' && object.secret.startsWith('whsec_'), 'the created webhook has no whsec_ secret');
          const got = await ctx.request('a', 'GET', `/v1/webhooks/${object.id}`);
          expectStatus(got, 200);
          expect(!got.text.includes(object.secret), 'GET /v1/webhooks/{id} shows the secret');
          expectStatus(await ctx.request('b', 'GET', `/v1/webhooks/${object.id}`), 404, 'not_found');
          ctx.state.set('webhook', object);
        },
      },
      {
        name: 'a write is delivered to the receiver as a signed todo.created event',
        async run(ctx) {
          const hook = ctx.need<Webhook & { secret: string }>('webhook', `webhooks: ${CREATE}`);
          const list = (await ctx.freshList('a', 'webhook')).id;
          const { object: todo } = await ctx.create<Todo>('a', 'todos', { title: `${ctx.marker} hook`, list_id: list });
          const delivery = await receiver.waitFor((d, event) => d.path.endsWith(MAIN) && event.type === 'todo.created' && event.data.object?.id === todo.id, DELIVERY_TIMEOUT_MS);
          expect(delivery, `no todo.created event for ${todo.id} reached the receiver within ${DELIVERY_TIMEOUT_MS} ms`);
          expect(signatureValid(delivery, hook.secret), 'the todo.created delivery is not signed with the webhook secret (Standard Webhooks v1)');
        },
      },
      {
        name: 'POST /v1/webhooks/{id}/test delivers a webhook.test event, and the deliveries list shows it',
        async run(ctx) {
          const hook = ctx.need<Webhook & { secret: string }>('webhook', `webhooks: ${CREATE}`);
          const path = `/v1/webhooks/${hook.id}/test`;
          const sent = await ctx.request('a', 'POST', path, { json: takesBody(ctx, path) ? {} : undefined });
          expect(sent.status >= 200 && sent.status < 300, `POST /v1/webhooks/{id}/test answered ${sent.status}`);
          const delivery = await receiver.waitFor((d, event) => d.path.endsWith(MAIN) && event.type === 'webhook.test', DELIVERY_TIMEOUT_MS);
          expect(delivery, `no webhook.test event reached the receiver within ${DELIVERY_TIMEOUT_MS} ms`);
          expect(signatureValid(delivery, hook.secret), 'the webhook.test delivery is not validly signed');
          expectStatus(await ctx.request('a', 'GET', `/v1/webhooks/${hook.id}/deliveries`), 200);
        },
      },
      {
        name: 'list and update a webhook, and rotate its secret: the new one signs, the old one still does',
        async run(ctx) {
          const hook = ctx.need<Webhook & { secret: string }>('webhook', `webhooks: ${CREATE}`);
          const page = await ctx.request('a', 'GET', '/v1/webhooks?limit=100');
          expectStatus(page, 200);
          expect((page.body as { data: Webhook[] }).data.some((w) => w.id === hook.id), 'GET /v1/webhooks does not list the webhook');
          expect(!page.text.includes(hook.secret), 'GET /v1/webhooks shows the secret');
          const current = await ctx.request('a', 'GET', `/v1/webhooks/${hook.id}`);
          const updated = await ctx.request('a', 'PATCH', `/v1/webhooks/${hook.id}`, { json: { description: `${ctx.marker} updated` }, headers: { 'if-match': current.headers.get('etag') ?? '*' } });
          expectStatus(updated, 200);
          expect((updated.body as { description?: string }).description === `${ctx.marker} updated`, 'the PATCH did not change the description');
          const rotated = await ctx.request('a', 'POST', `/v1/webhooks/${hook.id}/rotate-secret`, { json: takesBody(ctx, `/v1/webhooks/${hook.id}/rotate-secret`) ? {} : undefined });
          expectStatus(rotated, 200);
          const secret = (rotated.body as { secret?: string }).secret;
          expect(typeof secret === 'string' && secret.startsWith('whsec_') && secret !== hook.secret, 'rotate-secret did not answer a new whsec_ secret');
          const seen = receiver.deliveries.length;
          expect((await ctx.request('a', 'POST', `/v1/webhooks/${hook.id}/test`, { json: takesBody(ctx, `/v1/webhooks/${hook.id}/test`) ? {} : undefined })).status < 300, 'POST /v1/webhooks/{id}/test failed after the rotation');
          const delivery = await receiver.waitFor((d, event) => d.path.endsWith(MAIN) && event.type === 'webhook.test' && receiver.deliveries.indexOf(d) >= seen, DELIVERY_TIMEOUT_MS);
          expect(delivery, `no webhook.test event reached the receiver within ${DELIVERY_TIMEOUT_MS} ms after the rotation`);
          expect(signatureValid(delivery, secret), 'the delivery after the rotation is not signed with the new secret');
          expect(signatureValid(delivery, hook.secret), 'the delivery right after the rotation is not signed with the old secret as well');
        },
      },
      {
        name: 'delete a webhook: 204, then 404',
        async run(ctx) {
          const hook = ctx.need<Webhook>('webhook', `webhooks: ${CREATE}`);
          expectStatus(await ctx.request('a', 'DELETE', `/v1/webhooks/${hook.id}`), 204);
          expectStatus(await ctx.request('a', 'GET', `/v1/webhooks/${hook.id}`), 404, 'not_found');
        },
      },
    ],
  };
}
