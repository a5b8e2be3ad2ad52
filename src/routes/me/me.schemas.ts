import { z } from '@hono/zod-openapi';
import { LabelSchema } from '../labels/labels.schemas.js';
import { ListSchema } from '../lists/lists.schemas.js';
import { TodoSchema } from '../todos/todos.schemas.js';
import { WebhookSchema } from '../webhooks/webhooks.schemas.js';

const EXAMPLE = {
  id: '019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e47',
  email: 'ada@example.com',
  created_at: '2026-11-22T17:30:00.000Z',
  limits: { todos: 100_000, lists: 1000, labels: 500, webhooks: 10, labels_per_todo: 20, subtask_depth: 4 },
  usage: { todos: 12, lists: 4, labels: 3, webhooks: 1 },
};

const count = (description: string, example: number) => z.number().int().min(0).max(2_147_483_647).openapi({ format: 'int32', description, example });

export const LimitsSchema = z
  .object({
    todos: count('The most todos one user may have. Creating one more is a 409 `limit_reached`.', EXAMPLE.limits.todos),
    lists: count('The most lists one user may have, the default list and archived lists included. Creating one more is a 409 `limit_reached`.', EXAMPLE.limits.lists),
    labels: count('The most labels one user may have. Creating one more is a 409 `limit_reached`.', EXAMPLE.limits.labels),
    webhooks: count('The most webhook endpoints one user may have. Registering one more is a 409 `limit_reached`.', EXAMPLE.limits.webhooks),
    labels_per_todo: count('The most labels on one todo: fixed by the API.', EXAMPLE.limits.labels_per_todo),
    subtask_depth: count('The most levels of subtasks under a todo: fixed by the API.', EXAMPLE.limits.subtask_depth),
  })
  .openapi('Limits', { description: "The per-user quotas of this service (its operator sets the first four) and the API's fixed limits." });

export const UsageSchema = z
  .object({
    todos: count('How many todos the caller has now.', EXAMPLE.usage.todos),
    lists: count('How many lists the caller has now, the default list and archived lists included.', EXAMPLE.usage.lists),
    labels: count('How many labels the caller has now.', EXAMPLE.usage.labels),
    webhooks: count('How many webhook endpoints the caller has now.', EXAMPLE.usage.webhooks),
  })
  .openapi('Usage', { description: "What the caller uses of each quota: compare with `limits`." });

export const MeSchema = z
  .object({
    id: z.uuid().openapi({
      maxLength: 36,
      description: "The caller's user id: a UUIDv7 this service assigns on the first request with a new token subject (`sub`). It never changes.",
      example: EXAMPLE.id,
    }),
    email: z.email().max(320).nullable().openapi({
      description:
        "The email address from the token's `email` claim, updated whenever a token carries a different one. `null` until a token carries a plausible address; a token without one leaves it unchanged.",
      example: EXAMPLE.email,
    }),
    created_at: z.iso.datetime().max(32).openapi({
      description: 'When the caller first used this API: RFC 3339, UTC.',
      example: EXAMPLE.created_at,
    }),
    limits: LimitsSchema,
    usage: UsageSchema,
  })
  .openapi('CurrentUser', { description: 'The user the bearer token belongs to, with their limits and usage.', example: EXAMPLE });

const EXPORT_EXAMPLE = {
  format: 'todo-api-export',
  format_version: 1,
  exported_at: '2026-12-01T18:00:00.000Z',
  user: EXAMPLE,
  lists: [
    {
      id: '019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e50',
      name: 'Inbox',
      color: null,
      position: 'a0',
      is_default: true,
      archived: false,
      todo_count: 1,
      open_todo_count: 1,
      created_at: '2026-11-22T17:30:00.000Z',
      updated_at: '2026-11-22T17:30:00.000Z',
      version: 1,
    },
  ],
  labels: [
    {
      id: '019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e51',
      name: 'errands',
      color: '#1e90ff',
      created_at: '2026-11-22T17:31:00.000Z',
      updated_at: '2026-11-22T17:31:00.000Z',
      version: 1,
    },
  ],
  todos: [
    {
      id: '019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e52',
      title: 'Buy oat milk',
      description: null,
      completed: false,
      completed_at: null,
      due_at: '2026-12-02T17:00:00.000Z',
      priority: 'high',
      list_id: '019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e50',
      parent_id: null,
      position: 'a1',
      label_ids: ['019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e51'],
      subtask_count: 0,
      open_subtask_count: 0,
      created_at: '2026-11-22T17:32:00.000Z',
      updated_at: '2026-11-22T17:32:00.000Z',
      version: 1,
    },
  ],
  webhooks: [
    {
      id: '019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e53',
      url: 'https://example.com/hooks/todos',
      events: ['*'],
      enabled: true,
      disabled_reason: null,
      description: null,
      created_at: '2026-11-22T17:33:00.000Z',
      updated_at: '2026-11-22T17:33:00.000Z',
      version: 1,
    },
  ],
};

// The most any account can hold: the largest LIMIT_*_PER_USER an operator may configure (src/env.ts).
const MOST = { lists: 1_000_000, labels: 1_000_000, todos: 100_000_000, webhooks: 10_000 };

export const AccountExportSchema = z
  .object({
    format: z.literal('todo-api-export').openapi({ description: 'Always `todo-api-export`: what this document is.' }),
    format_version: z.literal(1).openapi({
      description:
        'The version of this format: `1`. A later version may add fields and arrays (a reader ignores what it does not know); one that changes the meaning of a field gets a new number.',
    }),
    exported_at: z.iso.datetime().max(32).openapi({
      description: 'The moment of the snapshot every array was read from (RFC 3339, UTC): the document shows the account exactly as it was then.',
      example: EXPORT_EXAMPLE.exported_at,
    }),
    user: MeSchema.openapi({ description: 'The caller, as `GET /v1/me` returns them.' }),
    lists: z.array(ListSchema).max(MOST.lists).openapi({ description: 'Every list of the caller, archived ones and the default list included, each as `GET /v1/lists/{id}` returns it; newest first. At most `limits.lists`.' }),
    labels: z.array(LabelSchema).max(MOST.labels).openapi({ description: 'Every label of the caller, each as `GET /v1/labels/{id}` returns it; newest first. At most `limits.labels`.' }),
    todos: z.array(TodoSchema).max(MOST.todos).openapi({
      description:
        "Every todo of the caller, subtasks included, each as `GET /v1/todos/{id}` returns it; newest first (by `created_at`, then `id`), so a subtask usually comes before its parent: an import creates the objects first, then links them. `list_id`, `parent_id` and `label_ids` refer to the ids in this document. At most `limits.todos`.",
    }),
    webhooks: z.array(WebhookSchema).max(MOST.webhooks).openapi({
      description: 'Every webhook endpoint of the caller, each as `GET /v1/webhooks/{id}` returns it (never its signing secret: an import registers it again and gets a new one); newest first. At most `limits.webhooks`.',
    }),
  })
  .openapi('AccountExport', {
    description:
      "Everything the caller owns, as one JSON document read from one snapshot: the caller, then their lists, labels, todos and webhooks (without secrets), each object exactly as a GET returns it (ids, versions and positions included), so that an import can rebuild the account. The document is streamed: it is complete only when it ends with its closing brace; a download cut off (EXPORT_TIMEOUT_MS, a lost connection, a failure) is not valid JSON and must be discarded.",
    example: EXPORT_EXAMPLE,
  });
