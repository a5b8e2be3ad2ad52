export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  retries?: number;
  /** First backoff step in ms; it doubles with every retry, half of it random (jitter). Default 200. */
  baseDelayMs?: number;
  /** The longest wait before a retry, also when `Retry-After` asks for more. Default 10 000. */
  maxDelayMs?: number;
}

export type Fetch = (request: Request) => Promise<Response>;

/** Statuses that say "try again later" and promise nothing was changed. */
const RETRYABLE_STATUSES = new Set([429, 503]);

/** 429, 503, or a 409 for a keyed write that is still running: its stored answer comes once it ends. */
async function asksForRetry(response: Response): Promise<boolean> {
  if (RETRYABLE_STATUSES.has(response.status)) return true;
  return response.status === 409 && (await problemCode(response)) === 'idempotency_key_in_use';
}

async function problemCode(response: Response): Promise<unknown> {
  try {
    return ((await response.clone().json()) as { code?: unknown }).code;
  } catch {
    return undefined;
  }
}

/** Reads and safe methods, and writes that carry an Idempotency-Key, cannot happen twice. */
export function isSafeToRetry(request: Request): boolean {
  return request.method === 'GET' || request.method === 'HEAD' || request.headers.has('idempotency-key');
}

/** Milliseconds a `Retry-After` value (seconds or an HTTP date) asks to wait; undefined if absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with equal jitter: retry n waits between step/2 and step, step = base * 2^n. */
export function backoffMs(retry: number, baseDelayMs: number): number {
  const step = baseDelayMs * 2 ** retry;
  return step / 2 + (Math.random() * step) / 2;
}

/** Wraps a fetch so that safe requests are retried on network errors, 429, 503 and `idempotency_key_in_use`. */
export function withRetries(fetch: Fetch, options: RetryOptions | false = {}): Fetch {
  if (options === false) return fetch;
  const { retries = 2, baseDelayMs = 200, maxDelayMs = 10_000 } = options;
  const waitMs = (retry: number, retryAfter?: number) => Math.min(maxDelayMs, Math.max(retryAfter ?? 0, backoffMs(retry, baseDelayMs)));
  return async (request) => {
    if (!isSafeToRetry(request)) return fetch(request);
    for (let retry = 0; ; retry += 1) {
      const last = retry >= retries;
      let response: Response;
      try {
        // Every attempt sends a copy, so the body (and the Idempotency-Key) is the same each time.
        response = await fetch(last ? request : request.clone());
      } catch (error) {
        if (last || request.signal.aborted) throw error;
        await sleep(waitMs(retry), request.signal);
        continue;
      }
      if (last || !(await asksForRetry(response))) return response;
      const wait = waitMs(retry, retryAfterMs(response.headers.get('retry-after')));
      await response.body?.cancel();
      await sleep(wait, request.signal);
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
