// Every problem the API can answer with: its stable `code`, HTTP status and title.
// The spec's `code` enum, the `type` URIs and the /problems/{code} pages are built from this map.

import { DEFAULT_BODY_LIMIT_BYTES } from '../env.js';

/** The `detail` of a 413: the service's own (src/lib/create-app.ts) and the spec's example, with the default limit. */
export function payloadTooLargeDetail(limitBytes: number): string {
  return `The request body is larger than ${limitBytes} bytes.`;
}

export const PROBLEMS = {
  bad_request: {
    status: 400,
    title: 'Bad request',
    description:
      'The request could not be parsed: malformed JSON, or a query string that cannot be decoded (a parameter that is not UTF-8 text, percent-encoded, such as `%ff` or a lone `%`: `errors[]` names each one, `query.<name>`). Nothing was changed.',
    example: { detail: 'The request body is not valid JSON.' },
  },
  invalid_if_match: {
    status: 400,
    title: 'Invalid If-Match',
    description:
      'The `If-Match` header is neither `*` nor a list of quoted entity tags: ETags are quoted (`If-Match: "2"`, not `If-Match: 2`). Send the `ETag` header exactly as it was received. Nothing was changed.',
    example: { detail: 'If-Match: 2 is not an entity tag: ETags are quoted. Send If-Match: "2", the ETag header exactly as it was received.' },
  },
  unauthorized: {
    status: 401,
    title: 'Authentication required',
    description:
      'The bearer token is missing, malformed, expired or not signed by a trusted key. With no credentials at all the response carries `WWW-Authenticate: Bearer`; with a token that cannot be trusted, `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).',
    example: { detail: 'The token has expired.' },
  },
  not_found: {
    status: 404,
    title: 'Not found',
    description:
      'No resource at this path. A resource that belongs to another user answers exactly like one that does not exist.',
    example: { detail: 'No todo with this id.' },
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    description: 'The path exists but does not accept this method; the `Allow` header lists the methods it does accept.',
    example: { detail: 'This path does not accept PUT; it accepts GET, PATCH, DELETE.' },
  },
  request_timeout: {
    status: 408,
    title: 'Request timeout',
    description: 'The request body did not arrive in time (`BODY_TIMEOUT_MS`). Nothing was changed; send the whole body promptly and retry.',
    example: { detail: 'The request body did not arrive within 10000 ms. Send the whole body promptly, then retry.' },
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    description:
      "The token's `email` claim is an address that already belongs to another user (another `sub`). Any /v1 operation can answer this; nothing was changed.",
    example: { detail: 'This email address belongs to another user.' },
  },
  idempotency_key_in_use: {
    status: 409,
    title: 'Idempotency key in use',
    description: 'A request with the same `Idempotency-Key` is still being processed. Retry after it finishes to get its stored response.',
    example: { detail: 'A request with this Idempotency-Key is still in progress; retry shortly to get its response.' },
  },
  limit_reached: {
    status: 409,
    title: 'Limit reached',
    description:
      'The caller already has as many of these objects as one user may have; `detail` names the limit, and `GET /v1/me` shows every limit (`limits`) and the caller\'s usage (`usage`). Nothing was changed: delete some, then retry.',
    example: { detail: 'You have 100000 todos, the most one user may have (limits.todos in GET /v1/me). Delete some to create more. Nothing was changed.' },
  },
  export_in_progress: {
    status: 409,
    title: 'Export in progress',
    description:
      'An export of the caller\'s account (`GET /v1/me/export`) is already running, on this instance or another: one at a time per user. Nothing was read; retry when it has finished.',
    example: { detail: 'An export of your account is already running. Wait for it to finish (or for EXPORT_TIMEOUT_MS), then retry.' },
  },
  label_exists: {
    status: 409,
    title: 'Label exists',
    description:
      'The caller already has a label with this name, ignoring case (`Work` and `work` are the same label name). Nothing was changed: use the existing label, or choose another name.',
    example: { detail: 'You already have a label named "work" (label names are unique ignoring case). Nothing was changed.' },
  },
  webhook_disabled: {
    status: 409,
    title: 'Webhook disabled',
    description:
      'The endpoint is disabled (`enabled: false`; `disabled_reason` says why: by you, after a 410 Gone, or after 3 days of failed deliveries), so nothing is sent to it. Nothing was changed: enable it with `PATCH` `{ "enabled": true }`, then retry.',
    example: { detail: 'This endpoint is disabled (the endpoint answered 410 Gone). Enable it with PATCH {"enabled": true}, then send the test again. Nothing was changed.' },
  },
  default_list: {
    status: 409,
    title: 'Default list',
    description:
      'The default list (`is_default: true`, the "Inbox" every user has) cannot be deleted or archived: new todos without a `list_id` go there. Nothing was changed: rename it if you like, or delete or archive another list.',
    example: { detail: 'This is your default list: it cannot be deleted. Nothing was changed.' },
  },
  precondition_failed: {
    status: 412,
    title: 'Precondition failed',
    description: 'The `If-Match` header does not match the current `ETag`: the resource changed since it was read. Nothing was changed.',
    example: { detail: 'The todo is at version 4: If-Match does not match its ETag. Nothing was changed.' },
  },
  cursor_expired: {
    status: 410,
    title: 'Cursor expired',
    description:
      'The change feed cursor is older than the deletions the service still keeps (`CHANGES_RETENTION_DAYS`, 30 days by default): following it could miss a deletion. Start over: take `GET /v1/changes/latest`, list everything again, then follow the feed from that cursor.',
    example: { detail: 'This cursor is older than the deletions kept (30 days). Start over from GET /v1/changes/latest and a full listing.' },
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    description: 'The request body is larger than the service accepts.',
    example: { detail: payloadTooLargeDetail(DEFAULT_BODY_LIMIT_BYTES) },
  },
  request_header_fields_too_large: {
    status: 431,
    title: 'Request header fields too large',
    description:
      'The request line and headers together are larger than the server reads (16384 bytes). Nothing was changed; send fewer or shorter headers (a very long cookie or token is the usual cause).',
    example: { detail: 'The request line and headers are larger than 16384 bytes in all. Send fewer or shorter headers.' },
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    description: 'The request body must be sent as `application/json` (or `application/merge-patch+json` for PATCH).',
    example: { detail: 'The request body must be sent as application/json.' },
  },
  validation_failed: {
    status: 422,
    title: 'Request validation failed',
    description: 'The request is well-formed but breaks the contract; `errors[]` names each offending field by its path.',
    example: { detail: 'One or more fields are invalid; see errors.', errors: [{ path: 'body.title', message: 'Must not be empty or only white space.' }] },
  },
  idempotency_key_reused: {
    status: 422,
    title: 'Idempotency key reused',
    description:
      'This `Idempotency-Key` was already used, within the last 24 hours, for a request with a different method, path or body. Use a new key for a new request.',
    example: { detail: 'This Idempotency-Key was used for a different request (method, path or body). Use a new key for a new request.' },
  },
  rate_limited: {
    status: 429,
    title: 'Too many requests',
    description: 'The caller sent too many requests; retry after the number of seconds in `Retry-After`.',
    example: { detail: 'Too many requests: at most 600 every 60 seconds per user. Retry after 2 s.' },
  },
  internal_error: {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected failure. Nothing was changed. Quote `request_id` when reporting it.',
    example: { detail: 'An unexpected failure. Nothing was changed. Quote `request_id` when reporting it.' },
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    description:
      'A dependency is unreachable (the database, or the key set of the identity provider), or every database connection is busy. Nothing was changed; retry after the number of seconds in `Retry-After`.',
    example: { detail: 'The database is unavailable or busy. Nothing was changed; retry shortly.' },
  },
} as const satisfies Record<string, { status: number; title: string; description: string; example?: ProblemExample }>;

/** What the spec shows as a typical occurrence of a problem: its `detail` (and `errors`). */
export interface ProblemExample {
  detail: string;
  errors?: ReadonlyArray<{ path: string; message: string }>;
}

export type ProblemCode = keyof typeof PROBLEMS;

export const PROBLEM_CODES = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

/** The `type` URI of a problem: a page of this service that documents it. */
export function problemType(code: ProblemCode): string {
  return `/problems/${code.replaceAll('_', '-')}`;
}

export function problemCodeFromSlug(slug: string): ProblemCode | undefined {
  const code = slug.replaceAll('-', '_');
  return Object.hasOwn(PROBLEMS, code) ? (code as ProblemCode) : undefined;
}

/** The default problem code for an HTTP status. */
export function codeForStatus(status: number): ProblemCode {
  const found = PROBLEM_CODES.find((code) => PROBLEMS[code].status === status);
  if (found) return found;
  return status >= 500 ? 'internal_error' : 'bad_request';
}
