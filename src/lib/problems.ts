// Every problem the API can answer with: its stable `code`, HTTP status and title.
// The spec's `code` enum, the `type` URIs and the /problems/{code} pages are built from this map.

export const PROBLEMS = {
  bad_request: {
    status: 400,
    title: 'Bad request',
    description: 'The request could not be parsed: malformed JSON, or a query string that cannot be decoded.',
  },
  unauthorized: {
    status: 401,
    title: 'Authentication required',
    description:
      'The bearer token is missing, malformed, expired or not signed by a trusted key. The response carries `WWW-Authenticate: Bearer error="invalid_token"`.',
  },
  not_found: {
    status: 404,
    title: 'Not found',
    description:
      'No resource at this path. A resource that belongs to another user answers exactly like one that does not exist.',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    description: 'The path exists but does not accept this method; the `Allow` header lists the methods it does accept.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    description: 'The request conflicts with the current state of the resource.',
  },
  idempotency_key_in_use: {
    status: 409,
    title: 'Idempotency key in use',
    description: 'A request with the same `Idempotency-Key` is still being processed. Retry after it finishes to get its stored response.',
  },
  precondition_failed: {
    status: 412,
    title: 'Precondition failed',
    description: 'The `If-Match` header does not match the current `ETag`: the resource changed since it was read. Nothing was changed.',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    description: 'The request body is larger than the service accepts.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    description: 'The request body must be sent as `application/json` (or `application/merge-patch+json` for PATCH).',
  },
  validation_failed: {
    status: 422,
    title: 'Request validation failed',
    description: 'The request is well-formed but breaks the contract; `errors[]` names each offending field by its path.',
  },
  idempotency_key_reused: {
    status: 422,
    title: 'Idempotency key reused',
    description:
      'This `Idempotency-Key` was already used, within the last 24 hours, for a request with a different method, path or body. Use a new key for a new request.',
  },
  rate_limited: {
    status: 429,
    title: 'Too many requests',
    description: 'The caller sent too many requests; retry after the number of seconds in `Retry-After`.',
  },
  internal_error: {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected failure. Nothing was changed. Quote `request_id` when reporting it.',
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    description:
      'A dependency is unreachable (the database, or the key set of the identity provider), or every database connection is busy. Nothing was changed; retry after the number of seconds in `Retry-After`.',
  },
} as const satisfies Record<string, { status: number; title: string; description: string }>;

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
