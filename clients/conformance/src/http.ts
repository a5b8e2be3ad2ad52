import type { Spec } from './spec.js';

// fetch, with every response checked against the spec and counted for coverage.

export interface RequestOptions {
  /** The bearer token; null sends no Authorization header. */
  token: string | null;
  /** Sent as JSON (application/json unless contentType says otherwise). */
  json?: unknown;
  /** A raw body, sent as is. */
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when there is none or it is not JSON. */
  body: unknown;
}

export interface ApiLog {
  /** Spec violations since the last drain. */
  violations: string[];
  /** operationId → statuses seen. */
  seen: Map<string, Set<number>>;
  requests: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Api {
  readonly log: ApiLog = { violations: [], seen: new Map(), requests: 0 };

  constructor(
    readonly baseUrl: string,
    readonly spec: Spec,
    private readonly timeoutMs = 15_000,
  ) {}

  async request(method: string, path: string, options: RequestOptions): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== null) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.body;
    if (options.json !== undefined) body = JSON.stringify(options.json);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = options.contentType ?? 'application/json';
    const url = new URL(path, this.baseUrl).href;
    // A 429 changed nothing: wait as told (up to a minute) and send it again, three times at most.
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      this.log.requests++;
      try {
        response = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        // A connection that broke before any answer: a read is safe to send once more.
        if ((method === 'GET' || method === 'HEAD') && attempt === 0 && !(error instanceof Error && error.name === 'TimeoutError')) continue;
        const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : String(error instanceof Error ? (error.cause ?? error.message) : error);
        throw new Error(`${method} ${path}: ${reason}`, { cause: error });
      }
      const text = await response.text();
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.status === 429 && attempt < 3 && Number.isFinite(retryAfter) && retryAfter <= 60) {
        await sleep(Math.max(1, retryAfter) * 1000);
        continue;
      }
      const pathname = new URL(url).pathname;
      this.log.violations.push(...this.spec.violations(method, pathname, response.status, response.headers, text));
      const operation = this.spec.find(method, pathname);
      if (operation) {
        const seen = this.log.seen.get(operation.operation.operationId) ?? new Set<number>();
        seen.add(response.status);
        this.log.seen.set(operation.operation.operationId, seen);
      }
      let parsed: unknown;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { method, path, status: response.status, headers: response.headers, text, body: parsed };
    }
  }
}
