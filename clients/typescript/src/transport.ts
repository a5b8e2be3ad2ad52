import { ApiConnectionError, ApiError } from './api-problem.js';
import type { Fetch } from './retry.js';

/** Statuses whose responses have no body (a Response with one cannot be built). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * One attempt: aborted after `timeoutMs` (if set), with the whole body read, so that the timeout
 * covers it and a connection lost mid-body is a failed attempt; no answer is an ApiConnectionError.
 */
export function withTimeout(fetch: Fetch, timeoutMs: number | undefined): Fetch {
  return async (request) => {
    const timer = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const signal = timer === undefined ? request.signal : AbortSignal.any([request.signal, timer]);
    let requestId: string | undefined;
    try {
      // Raced as well: a fetch that ignores signals (an app's handler) still times out.
      return await raced(signal, async () => {
        const response = await fetch(timer === undefined ? request : new Request(request, { signal }));
        requestId = response.headers.get('x-request-id') ?? undefined;
        const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      });
    } catch (error) {
      if (request.signal.aborted) throw request.signal.reason; // the caller's own abort
      if (error instanceof ApiError) throw error;
      const info = { method: request.method, url: request.url };
      if (timer?.aborted) throw new ApiConnectionError('timeout', info, { cause: error, requestId, timeoutMs });
      throw new ApiConnectionError('connection_failed', info, { cause: error, requestId });
    }
  };
}

function raced<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
