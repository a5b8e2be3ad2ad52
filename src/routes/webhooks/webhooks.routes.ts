import { IDEMPOTENT_REPLAYED_HEADER, stringHeader } from '../../lib/openapi-headers.js';
import { createV1Route } from '../../lib/v1-route.js';
import {
  ConditionalWriteHeadersSchema,
  CreateHeadersSchema,
  DELIVERY_RULES,
  IfNoneMatchHeaderSchema,
  PageQuerySchema,
  WebhookAttemptListSchema,
  WebhookCreateSchema,
  WebhookIdParamsSchema,
  WebhookListSchema,
  WebhookPatchSchema,
  WebhookSchema,
  WebhookTestResultSchema,
  WebhookWithSecretSchema,
} from './webhooks.schemas.js';

const tags = ['Webhooks'];
const etag = (description: string) => stringHeader(`The webhook's strong entity tag (\`"<version>"\`)${description}`, { maxLength: 16, example: '"1"' });
const json = <T>(schema: T) => ({ 'application/json': { schema } });
const LINK = { Link: stringHeader('RFC 8288 link to the next page (`rel="next"`), when there is one.', { required: false, maxLength: 4096, example: '</v1/webhooks?cursor=WyIyMDI2LTExLTIyIDA5OjMwOjAwKzAwIiwiMDE5YThmMzAtMWIyYy03ZDRlLThmNWEtNmI3YzhkOWUwZjFiIl0.c2ln>; rel="next"' }) };

export const list = createV1Route({
  method: 'get',
  path: '/v1/webhooks',
  operationId: 'listWebhooks',
  tags,
  summary: 'List webhooks',
  description: "The caller's webhook endpoints in the order they were registered, a page at a time (keyset pagination). Secrets are never listed.",
  request: { query: PageQuerySchema },
  responses: { 200: { description: 'A page of webhooks.', headers: LINK, content: json(WebhookListSchema) } },
});

export const create = createV1Route({
  method: 'post',
  path: '/v1/webhooks',
  operationId: 'createWebhook',
  tags,
  summary: 'Register a webhook',
  description: [
    'Registers an endpoint that will receive the caller\'s events of the types in `events`. Answers 201 with the webhook and its signing `secret`, which no later answer shows: store it now. A URL the service may not send to is a 422 on `url` saying why. At most `limits.webhooks` (`GET /v1/me`) per user: past it, a 409 `limit_reached`. With an `Idempotency-Key`, a retry returns the same 201 (with the same secret).',
    '',
    DELIVERY_RULES,
  ].join('\n'),
  request: { headers: CreateHeadersSchema, body: { required: true, description: 'The new endpoint.', content: json(WebhookCreateSchema) } },
  errors: ['limit_reached'],
  responses: {
    201: {
      description: 'Registered.',
      headers: {
        Location: stringHeader('The path of the new webhook: `/v1/webhooks/{id}`.', { maxLength: 64, example: '/v1/webhooks/019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1b' }),
        ETag: etag(': the precondition for conditional writes of the new webhook.'),
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER,
      },
      content: json(WebhookWithSecretSchema),
    },
  },
});

export const get = createV1Route({
  method: 'get',
  path: '/v1/webhooks/{id}',
  operationId: 'getWebhook',
  tags,
  summary: 'Get a webhook',
  description:
    'One endpoint of the caller, without its secret: `enabled` and `disabled_reason` tell whether it receives events (the service may disable it: poll with `If-None-Match` to learn of it cheaply). With `If-None-Match` holding its current `ETag`, the answer is 304 with no body.',
  request: { params: WebhookIdParamsSchema, headers: IfNoneMatchHeaderSchema },
  errors: ['not_found'],
  responses: {
    200: { description: 'The webhook.', headers: { ETag: etag(': the precondition of a conditional PATCH, DELETE or rotate-secret of this webhook, and of a conditional read.') }, content: json(WebhookSchema) },
    304: { description: 'Not modified: `If-None-Match` matched the current `ETag`.', headers: { ETag: etag(': unchanged.') } },
  },
});

export const patch = createV1Route({
  method: 'patch',
  path: '/v1/webhooks/{id}',
  operationId: 'updateWebhook',
  tags,
  summary: 'Update a webhook',
  description:
    'Changes the URL, the event types, the description, or enables or disables the endpoint, with a JSON Merge Patch (RFC 7396). A new URL is checked as at registration. Enabling clears `disabled_reason`; events sent while it was disabled are not replayed (the change feed has them). Send `If-Match` with the `ETag` you read (412 if it changed) and `Idempotency-Key` to make a retry safe.',
  request: {
    params: WebhookIdParamsSchema,
    headers: ConditionalWriteHeadersSchema,
    body: {
      required: true,
      description: 'The fields to change.',
      content: { 'application/merge-patch+json': { schema: WebhookPatchSchema }, 'application/json': { schema: WebhookPatchSchema } },
    },
  },
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The updated webhook.',
      headers: { ETag: etag(' after the change.'), 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(WebhookSchema),
    },
  },
});

export const remove = createV1Route({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  operationId: 'deleteWebhook',
  tags,
  summary: 'Delete a webhook',
  description: 'Deletes the endpoint, its pending deliveries and its attempts log. An attempt already under way may still arrive. A second delete is a 404 (with the same `Idempotency-Key`, the stored 204 is replayed).',
  request: { params: WebhookIdParamsSchema, headers: ConditionalWriteHeadersSchema },
  errors: ['not_found'],
  responses: { 204: { description: 'Deleted.', headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER } } },
});

export const rotateSecret = createV1Route({
  method: 'post',
  path: '/v1/webhooks/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  tags,
  summary: 'Rotate a webhook\'s secret',
  description:
    'Gives the endpoint a new signing secret, answered once, here. For the next 24 hours every delivery is signed with both the new and the old secret (two signatures in `webhook-signature`), so a receiver keeps verifying while you deploy the new one; then only the new one signs. A second rotation within 24 hours retires the first old secret at once. `If-Match` makes it conditional on the version you read.',
  request: { params: WebhookIdParamsSchema, headers: ConditionalWriteHeadersSchema },
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The webhook with its new secret.',
      headers: { ETag: etag(' after the rotation.'), 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(WebhookWithSecretSchema),
    },
  },
});

export const test = createV1Route({
  method: 'post',
  path: '/v1/webhooks/{id}/test',
  operationId: 'testWebhook',
  tags,
  summary: 'Send a test event',
  description:
    'Queues a `webhook.test` event for this endpoint only (whatever its `events`), delivered, signed and retried like any other event: use it to check a receiver. Answers 202 at once; the attempts appear in `GET /v1/webhooks/{id}/deliveries`. A disabled endpoint is a 409 `webhook_disabled`.',
  request: { params: WebhookIdParamsSchema, headers: CreateHeadersSchema },
  errors: ['not_found', 'webhook_disabled'],
  responses: {
    202: { description: 'Queued.', headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER }, content: json(WebhookTestResultSchema) },
  },
});

export const deliveries = createV1Route({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags,
  summary: 'List delivery attempts',
  description:
    "Every attempt to deliver an event to this endpoint, newest first, a page at a time: the event, its type, the attempt's number, outcome, the status the endpoint answered or why it failed, how long it took, and when the next attempt is due. Kept 30 days.",
  request: { params: WebhookIdParamsSchema, query: PageQuerySchema },
  errors: ['not_found'],
  responses: { 200: { description: 'A page of attempts.', headers: LINK, content: json(WebhookAttemptListSchema) } },
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
export type RotateSecretRoute = typeof rotateSecret;
export type TestRoute = typeof test;
export type DeliveriesRoute = typeof deliveries;
