import { parseRateLimit, type RateLimit } from './response-meta.js';
import type { FieldError, Problem, ProblemCode } from './types.js';

/** The request an error is about. */
export interface ApiRequestInfo {
  method: string;
  url: string;
}

/** Every error a call throws for its request: an `ApiProblem` (the API answered) or an `ApiConnectionError` (it did not). */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  /** The request's method: `GET`, `POST`… */
  readonly method: string;
  /** The request's full URL, query included. */
  readonly url: string;
  /** The `X-Request-Id` the server sent (undefined when no answer came): quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** The answer's rate limit (`RateLimit` headers), when one came with them. */
  readonly rateLimit: RateLimit | undefined;

  constructor(message: string, request: ApiRequestInfo, requestId: string | undefined, options?: ErrorOptions & { rateLimit?: RateLimit }) {
    super(message, options);
    this.method = request.method;
    this.url = request.url;
    this.requestId = requestId;
    this.rateLimit = options?.rateLimit;
  }
}

/** `code` of an error response that is not problem details, e.g. a proxy's 502 page. */
export type ApiProblemCode = ProblemCode | 'unexpected_response';

/** An error response of the API (RFC 9457 problem details), thrown by every call. */
export class ApiProblem extends ApiError {
  override readonly name = 'ApiProblem';
  /** The HTTP status. */
  readonly status: number;
  /** Stable machine-readable code: branch on this. */
  readonly code: ApiProblemCode;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** The path of the request that failed. */
  readonly instance: string | undefined;
  /** Quote it when reporting a problem (the same as `requestId`). */
  readonly request_id: string | undefined;
  /** One entry per offending field on `validation_failed`; empty otherwise. */
  readonly errors: FieldError[];
  /** The raw response (its body is already read). */
  readonly response: Response;

  constructor(response: Response, body: unknown, request: ApiRequestInfo = { method: 'GET', url: response.url }) {
    const problem = isProblem(body) ? body : undefined;
    const detail = problem?.detail ?? (typeof body === 'string' ? body.slice(0, 500) : '');
    const code = problem?.code ?? 'unexpected_response';
    const requestId = problem?.request_id ?? response.headers.get('x-request-id') ?? undefined;
    super(`${response.status} ${code}: ${detail || response.statusText} (${request.method} ${request.url})`, request, requestId, { rateLimit: parseRateLimit(response.headers) });
    this.status = response.status;
    this.code = code;
    this.type = problem?.type ?? 'about:blank';
    this.title = problem?.title ?? (response.statusText || `HTTP ${response.status}`);
    this.detail = detail;
    this.instance = problem?.instance;
    this.request_id = requestId;
    this.errors = problem?.errors ?? [];
    this.response = response;
  }
}

/** `timeout`: no complete answer within the `timeout` option; `connection_failed`: refused, reset, DNS, TLS… */
export type ApiConnectionErrorCode = 'timeout' | 'connection_failed';

/** A request that got no (complete) HTTP answer, after the retries; the underlying error is its `cause`. */
export class ApiConnectionError extends ApiError {
  override readonly name = 'ApiConnectionError';
  /** Why no answer came: branch on this. */
  readonly code: ApiConnectionErrorCode;
  /** The timeout that expired, in ms, when `code` is `timeout`. */
  readonly timeoutMs: number | undefined;

  constructor(code: ApiConnectionErrorCode, request: ApiRequestInfo, options: { cause?: unknown; requestId?: string; timeoutMs?: number } = {}) {
    const why = code === 'timeout' ? `no answer within ${options.timeoutMs} ms` : describeCause(options.cause);
    super(`${request.method} ${request.url}: ${code}, ${why}`, request, options.requestId, { cause: options.cause });
    this.code = code;
    this.timeoutMs = options.timeoutMs;
  }
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause. */
function describeCause(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const inner = cause instanceof Error ? (cause.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = inner === undefined ? undefined : typeof inner.code === 'string' ? inner.code : typeof inner.message === 'string' ? inner.message : undefined;
  return detail === undefined ? message : `${message} (${detail})`;
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const { code, status } = body as Partial<Record<keyof Problem, unknown>>;
  return typeof code === 'string' && typeof status === 'number';
}
