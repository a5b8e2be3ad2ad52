import { PROBLEMS, type ProblemCode } from './problems.js';

export interface FieldError {
  /** Where the offending value is: `body.title`, `query.limit`, `header.if-match`, `path.id`. */
  path: string;
  message: string;
}

export interface ApiErrorOptions {
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The one error type that code throws; `onError` renders it as problem details. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ProblemCode,
    options: ApiErrorOptions = {},
  ) {
    super(options.detail ?? PROBLEMS[code].title, { cause: options.cause });
    this.name = 'ApiError';
    this.status = PROBLEMS[code].status;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}
