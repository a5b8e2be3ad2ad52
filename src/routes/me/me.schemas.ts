import { z } from '@hono/zod-openapi';

const EXAMPLE = {
  id: '019a3c5e-7b2d-7c41-9f3e-5d8a2b6c1e47',
  email: 'ada@example.com',
  created_at: '2026-11-22T17:30:00.000Z',
};

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
  })
  .openapi('CurrentUser', { description: 'The user the bearer token belongs to.', example: EXAMPLE });
