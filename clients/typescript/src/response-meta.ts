/** The API's rate limit as a response's `RateLimit` and `RateLimit-Policy` headers say it. */
export interface RateLimit {
  /** Requests left in the current window (`r` of `RateLimit`). */
  remaining: number;
  /** Seconds until the quota is full again (`t` of `RateLimit`). */
  resetSeconds: number;
  /** Requests allowed per window (`q` of `RateLimit-Policy`), when that header came. */
  limit: number | undefined;
  /** The window in seconds (`w` of `RateLimit-Policy`), when that header came. */
  windowSeconds: number | undefined;
}

/** What every result (and every ApiError) tells about the answer it came from. */
export interface ResponseMeta {
  /** The answer's `X-Request-Id`: quote it when reporting a problem. */
  requestId: string | undefined;
  /** The answer's rate limit; undefined when it has none (routes outside /v1, rate limiting off). */
  rateLimit: RateLimit | undefined;
}

/** `"default";r=5;t=30` → { r: 5, t: 30 }: the first policy's integer parameters. */
function parameters(value: string | null): Map<string, number> {
  const first = value?.split(',')[0] ?? '';
  const found = new Map<string, number>();
  for (const part of first.split(';').slice(1)) {
    const match = /^\s*([a-z]+)\s*=\s*(\d+)\s*$/i.exec(part);
    if (match) found.set(match[1]!.toLowerCase(), Number(match[2]));
  }
  return found;
}

/** The `RateLimit` headers, minimally parsed; undefined without a readable `RateLimit`. */
export function parseRateLimit(headers: Headers): RateLimit | undefined {
  const limit = parameters(headers.get('ratelimit'));
  const remaining = limit.get('r');
  const resetSeconds = limit.get('t');
  if (remaining === undefined || resetSeconds === undefined) return undefined;
  const policy = parameters(headers.get('ratelimit-policy'));
  return { remaining, resetSeconds, limit: policy.get('q'), windowSeconds: policy.get('w') };
}

export function responseMeta(response: Response): ResponseMeta {
  return { requestId: response.headers.get('x-request-id') ?? undefined, rateLimit: parseRateLimit(response.headers) };
}
