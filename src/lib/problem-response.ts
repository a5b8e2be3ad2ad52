import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { isDatabaseUnavailable, isRetryableTransactionError } from '../db/db-errors.js';
import { ApiError, type FieldError } from './errors.js';
import { logger } from './logger.js';
import { PROBLEMS, codeForStatus, problemType } from './problems.js';
import type { AppBindings } from './types.js';

const RETRY_AFTER_SECONDS = '2';

/** Renders an ApiError as RFC 9457 problem details. */
export function problemResponse(c: Context<AppBindings>, error: ApiError): Response {
  const body = {
    type: problemType(error.code),
    title: PROBLEMS[error.code].title,
    status: error.status,
    detail: error.detail ?? PROBLEMS[error.code].description,
    // As sent (percent-encoded), so that it is always a valid URI reference.
    instance: new URL(c.req.url).pathname.slice(0, 2048),
    code: error.code,
    request_id: c.get('requestId') ?? '',
    ...(error.errors ? { errors: error.errors } : {}),
  };
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json', ...error.headers };
  if ((error.status === 503 || error.status === 429) && !headers['Retry-After']) headers['Retry-After'] = RETRY_AFTER_SECONDS;
  return c.body(JSON.stringify(body), error.status as 400, headers);
}

/** Anything thrown, as the ApiError a caller may see: internals never leave the process. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = codeForStatus(error.status);
    // Hono's own messages ("Malformed JSON in request body") are safe to show; others are not.
    const detail = error.status === 400 && /JSON/i.test(error.message) ? 'The request body is not valid JSON.' : undefined;
    return new ApiError(code, { detail, cause: error });
  }
  if (isRetryableTransactionError(error)) {
    return new ApiError('service_unavailable', {
      detail: 'The request kept conflicting with concurrent requests. Nothing was changed; retry shortly.',
      cause: error,
    });
  }
  if (isDatabaseUnavailable(error)) {
    return new ApiError('service_unavailable', {
      detail: 'The database is unavailable or busy. Nothing was changed; retry shortly.',
      cause: error,
    });
  }
  return new ApiError('internal_error', { cause: error });
}

export const onError: ErrorHandler<AppBindings> = (error, c) => {
  const apiError = toApiError(error);
  if (apiError.status >= 500) {
    logger.error({ err: error, request_id: c.get('requestId'), code: apiError.code }, 'request failed');
  }
  return problemResponse(c, apiError);
};

export const notFound: NotFoundHandler<AppBindings> = (c) =>
  problemResponse(c, new ApiError('not_found', { detail: 'No route matches this path; see /docs.' }));

/** Fields the service owns on every resource: a client may read them but never send them. */
const READ_ONLY_FIELDS = new Set(['id', 'user_id', 'completed_at', 'created_at', 'updated_at', 'version']);

function unknownKeyMessage(target: string, key: string): string {
  if (target === 'query') return 'Unknown query parameter.';
  return READ_ONLY_FIELDS.has(key) ? 'This field is read-only.' : 'Unknown field.';
}

const MAX_ERRORS = 100;

/** Zod issues as `errors[]`, each with the request part and field path (`body.title`), bounded in size. */
export function fieldErrors(target: string, error: ZodError): FieldError[] {
  return collectFieldErrors(target, error)
    .slice(0, MAX_ERRORS)
    .map((e) => ({ path: e.path.slice(0, 256), message: e.message.slice(0, 1024) }));
}

function collectFieldErrors(target: string, error: ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = [target, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: `${base}.${key}`, message: unknownKeyMessage(target, key) });
    } else {
      out.push({ path: base, message: issue.message });
    }
  }
  return out;
}

/** The zod-openapi default hook: a failed validation is a 422 with every field error. */
export function validationHook(
  result: { success: true } | { success: false; error: ZodError; target?: string },
): void {
  if (!result.success) {
    const target = result.target === 'json' ? 'body' : result.target === 'param' ? 'path' : (result.target ?? 'request');
    throw new ApiError('validation_failed', {
      detail: 'One or more fields are invalid; see errors.',
      errors: fieldErrors(target, result.error),
    });
  }
}
