import { z } from '@hono/zod-openapi';
import { IDEMPOTENCY_KEY_PATTERN } from '../services/idempotency-service.js';

// The request headers and paging parameters every /v1 resource takes, declared once so that
// each resource reads them alike (a new resource imports these; it does not copy them).

/** `limit` and `cursor` of a keyset-paged list. */
/** A `limit` query parameter from 1 to `max` (default `fallback`), as a whole number in decimal. */
export function pageLimit(max: number, fallback: number, description = `Page size, 1 to ${max} (default ${fallback}).`) {
  const message = `Must be a whole number from 1 to ${max}.`;
  return z
    .string()
    .regex(new RegExp(`^\\d{1,${String(max).length}}$`), message)
    .transform(Number)
    .pipe(z.number().int().min(1, message).max(max, message))
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', format: 'int32', minimum: 1, maximum: max, default: fallback, description, example: fallback });
}

export const PAGE_QUERY = {
  limit: pageLimit(100, 20),
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      description:
        'The `next_cursor` of the previous page. Opaque; valid only with the same filters and sort it was issued for (a changed, tampered or foreign cursor is a 422). `limit` may change between pages.',
    }),
};

export const IfNoneMatchHeaderSchema = z.object({
  'if-none-match': z
    .string()
    .max(1024)
    .optional()
    .openapi({ param: { name: 'if-none-match', in: 'header' }, description: 'An `ETag` from an earlier read, quoted as it was received (`"1"`): when it still matches, the answer is 304 with no body.' }),
});

/** If-Match on a conditional write of `resource` (`todo`, `label`, …). */
export function ifMatchHeader(resource: string) {
  return z
    .string()
    .max(1024)
    .optional()
    .openapi({
      param: { name: 'if-match', in: 'header' },
      description: `Only write if the ${resource} is still at this \`ETag\`, quoted as it was received (\`"3"\`), or \`*\`: if it exists. A stale tag is a 412 and nothing changes; an unquoted one (\`3\`) is a 400 \`invalid_if_match\`. Weak tags never match. A ${resource} that is not the caller's is a 404 first.`,
    });
}

// The pattern alone bounds the length, so a bad key gets one message, not two.
export const IdempotencyKeyHeader = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN, 'Must be 1 to 255 visible ASCII characters, with no leading or trailing space.')
  .optional()
  .openapi({
    param: { name: 'idempotency-key', in: 'header' },
    maxLength: 255,
    description:
      'Makes the write safe to retry: the first successful response to a key is stored with the write and replayed, with `Idempotent-Replayed: true`, to every retry within 24 hours. Keys are per user. The same key with a different method, path or body is a 422 (`idempotency_key_reused`); while the first request is still running, a 409 (`idempotency_key_in_use`). A request that fails stores nothing. Use a fresh random value (a UUID such as `5b1f2c1e-4a8d-4f0e-9a63-0f4c6f2d1b7a`) per logical write.',
  });

export const CreateHeadersSchema = z.object({ 'idempotency-key': IdempotencyKeyHeader });

/** If-Match and Idempotency-Key: the headers of a PATCH or DELETE of `resource`. */
export const conditionalWriteHeaders = (resource: string) => z.object({ 'if-match': ifMatchHeader(resource), 'idempotency-key': IdempotencyKeyHeader });

/**
 * The id of another object named in a body or filter (a list, a parent, a label, a neighbour):
 * any UUID, in either case, compared in lower case; one that is not the caller's is refused
 * exactly like one that does not exist.
 */
export function idReference(description: string, example: string | null = '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f') {
  return z
    .uuid({ error: 'Must be an id (a UUID such as 019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f).' })
    .transform((s) => s.toLowerCase())
    .openapi({ type: 'string', format: 'uuid', maxLength: 36, description, ...(example === null ? {} : { example }) });
}
