import type { FieldError, Problem, ProblemCode } from './types.js';

/** `code` of an error response that is not problem details, e.g. a proxy's 502 page. */
export type ApiProblemCode = ProblemCode | 'unexpected_response';

/** An error response of the API (RFC 9457 problem details), thrown by every call. */
export class ApiProblem extends Error {
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
  /** Quote it when reporting a problem. */
  readonly request_id: string | undefined;
  /** One entry per offending field on `validation_failed`; empty otherwise. */
  readonly errors: FieldError[];
  /** The raw response (its body is already read). */
  readonly response: Response;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const detail = problem?.detail ?? (typeof body === 'string' ? body.slice(0, 500) : '');
    const code = problem?.code ?? 'unexpected_response';
    super(`${response.status} ${code}: ${detail || response.statusText}`);
    this.status = response.status;
    this.code = code;
    this.type = problem?.type ?? 'about:blank';
    this.title = problem?.title ?? (response.statusText || `HTTP ${response.status}`);
    this.detail = detail;
    this.instance = problem?.instance;
    this.request_id = problem?.request_id ?? response.headers.get('x-request-id') ?? undefined;
    this.errors = problem?.errors ?? [];
    this.response = response;
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const { code, status } = body as Partial<Record<keyof Problem, unknown>>;
  return typeof code === 'string' && typeof status === 'number';
}
