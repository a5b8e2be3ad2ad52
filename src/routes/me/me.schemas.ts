import { z } from '@hono/zod-openapi';

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
