import { z } from '@hono/zod-openapi';
import { storableText } from '../../lib/field-schemas.js';
import { PAGE_QUERY, conditionalWriteHeaders } from '../../lib/request-schemas.js';
import { LabelSchema } from '../labels/labels.schemas.js';
import { ListSchema } from '../lists/lists.schemas.js';
import { TodoSchema } from '../todos/todos.schemas.js';

// The webhooks' contract, written by hand: the endpoints, their attempts log, and the events
// (the spec's top-level `webhooks`). The delivery rules are stated once, in DELIVERY_RULES.

export { CreateHeadersSchema, IfNoneMatchHeaderSchema } from '../../lib/request-schemas.js';

export const EVENT_TYPES = [
  'todo.created',
  'todo.updated',
  'todo.completed',
  'todo.uncompleted',
  'todo.moved',
  'todo.deleted',
  'list.created',
  'list.updated',
  'list.deleted',
  'label.created',
  'label.updated',
  'label.deleted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELIVERY_RULES = [
  'Delivery: each event is stored in the same transaction as the write that caused it (a write that fails or rolls back sends nothing), then POSTed as JSON to every enabled endpoint that subscribes to its type, outside any transaction, at least once: use `webhook-id` to drop duplicates. Events of one endpoint may arrive out of order: `data.change_seq` orders them, and `data.object.version` says which state is newer.',
  'Signatures follow Standard Webhooks v1: `webhook-id` (the event id, the same on every retry), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` under the secret; during the 24 hours after a rotation, two signatures, space-separated: accept either). Verify with the SDK\'s `verifyWebhook(body, headers, secret)` or any Standard Webhooks library, on the raw body, and refuse timestamps more than 5 minutes away.',
  'Answer with any 2xx within 10 seconds. Anything else is a failure: another status, a redirect (never followed), a timeout, a refused connection. Only the first 64 KiB of an answer is read. A failure is retried after about 5 s, 1 min, 10 min, 30 min, 1 h, 3 h, 6 h and 12 h (each ±20 %, about 23 hours and 9 attempts in all). A `410 Gone` disables the endpoint at once; an endpoint whose deliveries have all failed for 3 days is disabled, with `disabled_reason` saying why. A disabled endpoint is sent nothing, and events while it is disabled are not kept for it.',
  'Targets: in production only `https` URLs, and the host must resolve to public addresses only (loopback, private, link-local, multicast, cloud metadata addresses and IPv4-mapped forms of them are refused), checked at registration and again at each delivery on the address the connection is made to. Outside production (`WEBHOOK_ALLOW_PRIVATE_TARGETS`, default true there) local targets such as `http://127.0.0.1:8080/hooks` are allowed.',
].join('\n\n');

const EXAMPLE = {
  id: '019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1b',
  url: 'https://example.com/hooks/todos',
  events: ['todo.created', 'todo.completed'],
  enabled: true,
  disabled_reason: null,
  description: 'Sync to our CRM',
  created_at: '2026-11-22T09:30:00.000Z',
  updated_at: '2026-11-22T09:30:00.000Z',
  version: 1,
};
const SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const timestamp = (description: string, example: string | null) =>
  z.string().max(32).openapi({ format: 'date-time', description: `${description} RFC 3339, UTC, with \`Z\`.`, example });

const UrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .refine(storableText, 'Must not contain NUL characters or unpaired surrogates.')
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'Must be an absolute http:// or https:// URL.')
  .openapi({
    format: 'uri',
    description:
      'Where events are POSTed: an absolute `http` or `https` URL, at most 2048 characters, with no user name, password, `#fragment`, NUL character or unpaired surrogate. In production it must be `https` and its host must resolve to public addresses only (see Webhooks in the API description).',
    example: EXAMPLE.url,
  });

const EventsSchema = z
  .array(z.enum([...EVENT_TYPES, '*']).openapi({ description: 'An event type, or `*` for all of them.' }))
  .min(1)
  .max(EVENT_TYPES.length)
  .refine((events) => new Set(events).size === events.length, 'List each event type once.')
  .refine((events) => !events.includes('*') || events.length === 1, '`*` means every event type: send it alone, as ["*"].')
  .openapi({ description: `The event types sent to this endpoint (each once), or \`["*"]\` for all of them, including types added later: ${EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}.`, example: EXAMPLE.events });

const DescriptionSchema = z
  .string()
  .max(500)
  .refine(storableText, 'Must not contain NUL characters or unpaired surrogates.')
  .nullable()
  .openapi({ description: 'A note for you, at most 500 characters (no NUL characters or unpaired surrogates), or `null`.', example: EXAMPLE.description });

const webhookShape = {
  id: z.uuid().openapi({ maxLength: 36, description: 'Assigned by the service: a UUIDv7.', example: EXAMPLE.id }),
  url: z.string().max(2048).openapi({ description: 'Where events are POSTed.', example: EXAMPLE.url }),
  events: z.array(z.string().max(32)).max(EVENT_TYPES.length).openapi({ description: 'The event types sent to it, or `["*"]`.', example: EXAMPLE.events }),
  enabled: z.boolean().openapi({ description: 'Whether events are sent to it. The service sets it to `false` after a `410 Gone` or 3 days of failed deliveries.', example: true }),
  disabled_reason: z.string().max(512).nullable().openapi({ description: 'Why it is disabled (by you, a 410, or 3 days of failures); `null` while enabled.', example: null }),
  description: z.string().max(500).nullable().openapi({ description: 'Your note, or `null`.', example: EXAMPLE.description }),
  created_at: timestamp('When it was registered. Read-only.', EXAMPLE.created_at),
  updated_at: timestamp('When it last changed. Read-only.', EXAMPLE.updated_at),
  version: z.number().int().min(1).max(2_147_483_647).openapi({ format: 'int32', description: 'Grows by one with every change (yours, a rotation, or a disable by the service); the `ETag` is derived from it. Read-only.', example: 1 }),
};

export const WebhookSchema = z
  .object(webhookShape)
  .openapi('Webhook', { description: 'An endpoint that receives signed events about the caller\'s todos, lists and labels. Its secret is shown only when it is created or rotated.', example: EXAMPLE });

export const WebhookWithSecretSchema = z
  .object({
    ...webhookShape,
    secret: z.string().max(128).openapi({
      description: 'The signing secret (`whsec_` and base64): store it now, it is never shown again (rotate it to get a new one). Verify each delivery\'s `webhook-signature` with it.',
      example: SECRET_EXAMPLE,
    }),
  })
  .openapi('WebhookWithSecret', { description: 'A webhook with its signing secret: the answer of create and rotate-secret only.', example: { ...EXAMPLE, secret: SECRET_EXAMPLE } });

export const WebhookCreateSchema = z
  .strictObject({
    url: UrlSchema,
    events: EventsSchema,
    description: DescriptionSchema.optional(),
    enabled: z.boolean().optional().openapi({ description: 'Default `true`.' }),
  })
  .openapi('WebhookCreate', {
    description: 'A new endpoint: `url` and `events` are required. Any other field, including the read-only ones and `secret`, is a 422.',
    example: { url: EXAMPLE.url, events: EXAMPLE.events, description: EXAMPLE.description },
  });

export const WebhookPatchSchema = z
  .strictObject({
    url: UrlSchema.optional(),
    events: EventsSchema.optional(),
    description: DescriptionSchema.optional(),
    enabled: z.boolean().optional().openapi({ description: '`true` enables a disabled endpoint (clearing `disabled_reason`); `false` disables it and ends the deliveries still pending for it.' }),
  })
  .openapi('WebhookPatch', {
    description: 'A JSON Merge Patch (RFC 7396): a field left out is unchanged; `null` clears `description` (a 422 elsewhere). A patch that changes nothing does not change `version`.',
    example: { events: ['*'], enabled: true },
  });

export const WebhookListSchema = z
  .object({
    data: z.array(WebhookSchema).max(100).openapi({ description: 'One page of webhooks, in the order they were registered.' }),
    next_cursor: z.string().max(1024).nullable().openapi({ description: 'Pass as `cursor` for the next page; `null` on the last page.', example: null }),
  })
  .openapi('WebhookList', { description: 'A page of webhooks.' });

const ATTEMPT_EXAMPLE = {
  id: '019a8f31-0000-7000-8000-000000000001',
  event_id: '019a8f30-ffff-7000-8000-000000000002',
  event_type: 'todo.completed',
  attempt: 2,
  status: 'failed',
  response_status: 503,
  error: 'the endpoint answered 503',
  duration_ms: 41,
  next_attempt_at: '2026-11-22T09:31:05.000Z',
  created_at: '2026-11-22T09:30:05.000Z',
};

export const WebhookAttemptSchema = z
  .object({
    id: z.uuid().openapi({ maxLength: 36, description: 'The attempt\'s id.', example: ATTEMPT_EXAMPLE.id }),
    event_id: z.uuid().openapi({ maxLength: 36, description: 'The event (the `webhook-id` header sent).', example: ATTEMPT_EXAMPLE.event_id }),
    event_type: z.string().max(32).openapi({ description: 'The event\'s type.', example: ATTEMPT_EXAMPLE.event_type }),
    attempt: z.number().int().min(1).max(1000).openapi({ format: 'int32', description: '1 for the first attempt of this event to this endpoint.', example: 2 }),
    status: z.enum(['succeeded', 'failed']).openapi({ description: '`succeeded`: the endpoint answered 2xx.', example: 'failed' }),
    response_status: z.number().int().min(100).max(999).nullable().openapi({ format: 'int32', description: 'The HTTP status the endpoint answered, or `null` when it gave none (timeout, refused).', example: 503 }),
    error: z.string().max(1024).nullable().openapi({ description: 'Why it failed, for a person to read; `null` on success.', example: ATTEMPT_EXAMPLE.error }),
    duration_ms: z.number().int().min(0).max(3_600_000).openapi({ format: 'int32', description: 'How long the attempt took.', example: 41 }),
    next_attempt_at: timestamp('When the event will be sent again, or `null` when this attempt was the last.', ATTEMPT_EXAMPLE.next_attempt_at).nullable(),
    created_at: timestamp('When the attempt was made.', ATTEMPT_EXAMPLE.created_at),
  })
  .openapi('WebhookAttempt', { description: 'One attempt to deliver an event to the endpoint.', example: ATTEMPT_EXAMPLE });

export const WebhookAttemptListSchema = z
  .object({
    data: z.array(WebhookAttemptSchema).max(100).openapi({ description: 'One page of attempts, newest first.' }),
    next_cursor: z.string().max(1024).nullable().openapi({ description: 'Pass as `cursor` for the next (older) page; `null` on the last page.', example: null }),
  })
  .openapi('WebhookAttemptList', { description: 'A page of delivery attempts.' });

export const WebhookTestResultSchema = z
  .object({
    event_id: z.uuid().openapi({ maxLength: 36, description: 'The `webhook-id` the test event will carry.', example: ATTEMPT_EXAMPLE.event_id }),
    type: z.literal('webhook.test').openapi({ description: 'Always `webhook.test`.' }),
  })
  .openapi('WebhookTestResult', { description: 'A `webhook.test` event was queued for this endpoint; its attempts appear in `GET /v1/webhooks/{id}/deliveries`.' });

export const WebhookIdParamsSchema = z.object({
  id: z.uuid().openapi({
    param: { name: 'id', in: 'path' },
    maxLength: 36,
    description: "The webhook's id. A webhook of another user is a 404, exactly like one that does not exist.",
    example: EXAMPLE.id,
  }),
});

export const PageQuerySchema = z.strictObject({ ...PAGE_QUERY });

export const ConditionalWriteHeadersSchema = conditionalWriteHeaders('webhook');

// The events (the spec's top-level `webhooks`).

const changeSeq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({
  format: 'int64',
  description: "The change feed's `seq` of this change: greater for a later change of the caller's objects.",
  example: 42,
});

const eventOf = <T extends z.ZodObject>(types: readonly string[], object: T, kind: string, name: string) =>
  z
    .object({
      type: z.enum(types as [string, ...string[]]).openapi({ description: 'The event type.' }),
      timestamp: timestamp('When the change was made.', '2026-11-22T09:30:00.000Z'),
      data: z.object({
        object: object.openapi({ description: `The ${kind} as \`GET\` returned it just after the change (for a \`.deleted\` event, as it was when deleted).` }),
        previous_attributes: object
          .partial()
          .optional()
          .openapi({ description: `On \`.updated\`, \`.completed\`, \`.uncompleted\` and \`.moved\`: the earlier values of the fields that changed.` }),
        change_seq: changeSeq,
      }),
    })
    .openapi(name, { description: `An event about one of the caller's ${kind}s.` });

export const TodoEventSchema = eventOf(EVENT_TYPES.filter((t) => t.startsWith('todo.')), TodoSchema, 'todo', 'TodoEvent');
export const ListEventSchema = eventOf(EVENT_TYPES.filter((t) => t.startsWith('list.')), ListSchema, 'list', 'ListEvent');
export const LabelEventSchema = eventOf(EVENT_TYPES.filter((t) => t.startsWith('label.')), LabelSchema, 'label', 'LabelEvent');
export const TestEventSchema = z
  .object({
    type: z.literal('webhook.test'),
    timestamp: timestamp('When the test was asked for.', '2026-11-22T09:30:00.000Z'),
    data: z.object({ object: WebhookSchema.openapi({ description: 'The endpoint being tested.' }) }),
  })
  .openapi('TestEvent', { description: 'Sent by `POST /v1/webhooks/{id}/test`, to that endpoint only.' });
