import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { isDatabaseUnavailable, isRetryableTransactionError } from '../db/db-errors.js';
import { ApiError, type FieldError } from './errors.js';
import { logger } from './logger.js';
import { PROBLEMS, codeForStatus, problemType } from './problems.js';
import type { AppBindings } from './types.js';

const RETRY_AFTER_SECONDS = '2';

/**
 * A request path as the `instance` of a problem: as sent (percent-encoded), with a `%` that
 * starts no escape sent back as `%25` so that it is a valid URI reference, and cut at 2048
 * characters, never inside an escape.
 */
export function instancePath(path: string): string {
  return path
    .replace(/%(?![0-9A-Fa-f]{2})/g, '%25')
    .slice(0, 2048)
    .replace(/%[0-9A-Fa-f]?$/, '');
}

/** Renders an ApiError as RFC 9457 problem details. */
export function problemResponse(c: Context<AppBindings>, error: ApiError): Response {
  const body = {
    type: problemType(error.code),
    title: PROBLEMS[error.code].title,
    status: error.status,
    detail: error.detail ?? PROBLEMS[error.code].description,
    instance: instancePath(new URL(c.req.url).pathname),
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
const READ_ONLY_FIELDS = new Set([
  'id',
  'user_id',
  'completed_at',
  'created_at',
  'updated_at',
  'version',
  'position',
  'is_default',
  'todo_count',
  'open_todo_count',
  'subtask_count',
  'open_subtask_count',
]);

/** The names an operation takes, per request part (`body`, `query`): what an unknown name is told to use. */
export type FieldNames = Partial<Record<string, readonly string[]>>;

// Set by the /v1 route kit for each request (src/lib/v1-route.ts), read by the validation hook.
const namesByRequest = new WeakMap<Context, FieldNames>();

/** Tells the validation hook which names this request's operation takes, so an unknown one can be answered with them. */
export function declareFieldNames(c: Context, names: FieldNames): void {
  namesByRequest.set(c, names);
}

// Names other APIs use for what this one calls otherwise: suggested when the operation takes the target.
const SYNONYMS: Record<string, string> = {
  search: 'q',
  query: 'q',
  filter: 'q',
  text: 'q',
  term: 'q',
  keyword: 'q',
  keywords: 'q',
  page_size: 'limit',
  per_page: 'limit',
  size: 'limit',
  count: 'limit',
  max: 'limit',
  top: 'limit',
  order: 'sort',
  order_by: 'sort',
  sort_by: 'sort',
  orderby: 'sort',
  sortby: 'sort',
  done: 'completed',
  is_done: 'completed',
  is_completed: 'completed',
  finished: 'completed',
  status: 'completed',
  page: 'cursor',
  offset: 'cursor',
  after: 'cursor',
  page_token: 'cursor',
  next: 'cursor',
  name: 'title',
  summary: 'title',
  desc: 'description',
  details: 'description',
  notes: 'description',
  note: 'description',
  body: 'description',
  due: 'due_at',
  due_date: 'due_at',
  deadline: 'due_at',
  prio: 'priority',
};

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps (`titel` → `title` is 1). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The allowed name an unknown one most likely meant: a synonym, the same name in snake_case, or one a typo or two away. */
export function nearestName(key: string, allowed: readonly string[]): string | undefined {
  if (key.length > 64) return undefined;
  const snake = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-\s]+/g, '_').toLowerCase();
  for (const candidate of [key, snake]) {
    const synonym = Object.hasOwn(SYNONYMS, candidate) ? SYNONYMS[candidate] : undefined;
    if (synonym && allowed.includes(synonym)) return synonym;
    if (candidate !== key && allowed.includes(candidate)) return candidate;
  }
  // A typo: at most one edit for short names, two for longer ones, never all of a name, and only one name that close.
  const budget = snake.length <= 4 ? 1 : 2;
  const scored = allowed
    .map((name) => ({ name, distance: editDistance(snake, name) }))
    .filter((s) => s.distance <= budget && s.distance < Math.min(snake.length, s.name.length));
  const best = Math.min(...scored.map((s) => s.distance));
  const nearest = scored.filter((s) => s.distance === best);
  return nearest.length === 1 ? nearest[0]!.name : undefined;
}

function unknownKeyMessage(target: string, key: string, allowed: readonly string[] | undefined): string {
  if (target !== 'query' && READ_ONLY_FIELDS.has(key)) return 'This field is read-only.';
  const what = target === 'query' ? 'query parameter' : 'field';
  if (!allowed) return `Unknown ${what}.`;
  const nearest = nearestName(key, allowed);
  const list = allowed.join(', ');
  return `Unknown ${what}${nearest ? `; did you mean ${nearest}?` : '.'} ${target === 'query' ? 'The query parameters are' : 'The fields are'}: ${list}.`;
}

/** The value at a path inside what was validated, and whether every step to it exists. */
function valueAt(data: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let value = data;
  for (const step of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, step)) return { found: false };
    value = (value as Record<PropertyKey, unknown>)[step];
  }
  return { found: true, value };
}

const MAX_ERRORS = 100;

/** What fieldErrors knows about the request: what was validated, and the names the operation takes. */
export interface FieldErrorContext {
  data?: unknown;
  names?: FieldNames;
  /** How paths are written and which names a nested object takes, where the body nests them (a batch: `operations/3/data/title`). */
  layout?: FieldLayout;
}

export interface FieldLayout {
  path(steps: readonly PropertyKey[]): string;
  namesAt(steps: readonly PropertyKey[]): readonly string[] | undefined;
}

/** Zod issues as `errors[]`, each with the request part and field path (`body.title`), bounded in size. */
export function fieldErrors(target: string, error: ZodError, context: FieldErrorContext = {}): FieldError[] {
  return collectFieldErrors(target, error, context)
    .slice(0, MAX_ERRORS)
    .map((e) => ({ path: e.path.slice(0, 256), message: e.message.slice(0, 1024) }));
}

function collectFieldErrors(target: string, error: ZodError, { data, names, layout }: FieldErrorContext): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = layout ? layout.path(issue.path) : [target, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = layout ? layout.path([...issue.path, key]) : `${base}.${key}`;
        out.push({ path, message: unknownKeyMessage(target, key, layout ? layout.namesAt(issue.path) : names?.[target]) });
      }
    } else if (issue.code === 'invalid_type' && issue.path.length > 0 && data !== undefined && !valueAt(data, issue.path).found) {
      // zod's own words for a missing value ("expected string, received undefined") do not say that it is required.
      out.push({ path: base, message: 'Required.' });
    } else {
      out.push({ path: base, message: issue.message });
    }
  }
  return out;
}

/** The zod-openapi default hook: a failed validation is a 422 with every field error. */
export function validationHook(
  result: { success: true } | { success: false; error: ZodError; target?: string; data?: unknown },
  c?: Context,
): void {
  if (!result.success) {
    const target = result.target === 'json' ? 'body' : result.target === 'param' ? 'path' : (result.target ?? 'request');
    throw new ApiError('validation_failed', {
      detail: 'One or more fields are invalid; see errors.',
      errors: fieldErrors(target, result.error, { data: result.data, names: c ? namesByRequest.get(c) : undefined }),
    });
  }
}
