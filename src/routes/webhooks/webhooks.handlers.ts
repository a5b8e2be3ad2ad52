import type { z } from '@hono/zod-openapi';
import type { Env } from '../../env.js';
import { etagOf, ifMatchVersions, noneMatchHits } from '../../lib/etag.js';
import { setNextLink } from '../../lib/next-link.js';
import type { AppRouteHandler } from '../../lib/types.js';
import * as webhooks from '../../services/webhook-service.js';
import type { TargetPolicy } from '../../services/webhook-target.js';
import type { CreateRoute, DeliveriesRoute, GetRoute, ListRoute, PatchRoute, RemoveRoute, RotateSecretRoute, TestRoute } from './webhooks.routes.js';
import type { WebhookAttemptSchema, WebhookSchema, WebhookWithSecretSchema } from './webhooks.schemas.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The explicit mapping from the model to the contract's Webhook (never the secrets); test events render it too. */
export function toWebhook(webhook: webhooks.WebhookPublicRow): z.infer<typeof WebhookSchema> {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    enabled: webhook.enabled,
    disabled_reason: webhook.disabled_reason,
    description: webhook.description,
    created_at: webhook.created_at.toISOString(),
    updated_at: webhook.updated_at.toISOString(),
    version: webhook.version,
  };
}

const withSecret = (webhook: webhooks.WebhookWithSecret): z.infer<typeof WebhookWithSecretSchema> => ({ ...toWebhook(webhook), secret: webhook.secret });

function toAttempt(attempt: webhooks.WebhookAttemptRow): z.infer<typeof WebhookAttemptSchema> {
  return {
    id: attempt.id,
    event_id: attempt.event_id,
    event_type: attempt.event_type,
    attempt: attempt.attempt,
    status: attempt.status,
    response_status: attempt.response_status,
    error: attempt.error,
    duration_ms: attempt.duration_ms,
    next_attempt_at: iso(attempt.next_attempt_at),
    created_at: attempt.created_at.toISOString(),
  };
}

/** Where this deployment may send webhooks (API.md, Webhooks, SSRF). */
export const targetPolicy = (config: Env): TargetPolicy => ({ httpsOnly: config.isProduction, allowPrivate: config.webhookAllowPrivateTargets });

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const page = await webhooks.listWebhooks(c.get('user').id, c.req.valid('query'));
  setNextLink(c, page.nextCursor);
  return c.json({ data: page.webhooks.map(toWebhook), next_cursor: page.nextCursor }, 200);
};

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  const { config } = c.get('deps');
  const webhook = await webhooks.createWebhook(c.get('user').id, c.req.valid('json'), config.limitWebhooksPerUser, targetPolicy(config));
  c.header('Location', `/v1/webhooks/${webhook.id}`);
  c.header('ETag', etagOf(webhook.version));
  return c.json(withSecret(webhook), 201);
};

export const get: AppRouteHandler<GetRoute> = async (c) => {
  const webhook = await webhooks.getWebhook(c.get('user').id, c.req.valid('param').id);
  const etag = etagOf(webhook.version);
  c.header('ETag', etag);
  if (noneMatchHits(c.req.valid('header')['if-none-match'], etag)) return c.body(null, 304);
  return c.json(toWebhook(webhook), 200);
};

export const patch: AppRouteHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const expected = ifMatchVersions(c.req.valid('header')['if-match']);
  const webhook = await webhooks.updateWebhook(c.get('user').id, id, c.req.valid('json'), targetPolicy(c.get('deps').config), expected);
  c.header('ETag', etagOf(webhook.version));
  return c.json(toWebhook(webhook), 200);
};

export const remove: AppRouteHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid('param');
  await webhooks.deleteWebhook(c.get('user').id, id, ifMatchVersions(c.req.valid('header')['if-match']));
  return c.body(null, 204);
};

export const rotateSecret: AppRouteHandler<RotateSecretRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const webhook = await webhooks.rotateSecret(c.get('user').id, id, ifMatchVersions(c.req.valid('header')['if-match']));
  c.header('ETag', etagOf(webhook.version));
  return c.json(withSecret(webhook), 200);
};

export const test: AppRouteHandler<TestRoute> = async (c) => {
  const queued = await webhooks.sendTestEvent(c.get('user').id, c.req.valid('param').id);
  return c.json({ event_id: queued.eventId, type: 'webhook.test' as const }, 202);
};

export const deliveries: AppRouteHandler<DeliveriesRoute> = async (c) => {
  const page = await webhooks.listAttempts(c.get('user').id, c.req.valid('param').id, c.req.valid('query'));
  setNextLink(c, page.nextCursor);
  return c.json({ data: page.attempts.map(toAttempt), next_cursor: page.nextCursor }, 200);
};
