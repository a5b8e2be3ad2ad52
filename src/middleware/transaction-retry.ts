import type { Context, MiddlewareHandler } from 'hono';
import { isRetryableTransactionError } from '../db/db-errors.js';
import { logger } from '../lib/logger.js';
import type { AppBindings, AppOpenAPI } from '../lib/types.js';
import { SAFE_METHODS } from './transaction.js';

const ATTEMPT = Symbol('transaction-attempt');

type RetryEnv = Record<PropertyKey, unknown> & { [ATTEMPT]?: number };

/** 0 for a request as the client sent it, n for its n-th re-run. */
export function retryAttempt(c: Context): number {
  return ((c.env as RetryEnv | undefined)?.[ATTEMPT] as number | undefined) ?? 0;
}

const RATE_LIMIT_HEADERS = ['RateLimit', 'RateLimit-Policy'];

const pause = () => new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));

/**
 * Re-runs the whole request when its transaction failed with a serialization failure (40001) or
 * a deadlock (40P01): Sequelize retries single queries, not transactions. Hono's `next` runs
 * once, so the re-run is a fresh dispatch through the app, with the same request id.
 */
export function retryTransactionConflicts(app: () => AppOpenAPI, retries: number): MiddlewareHandler<AppBindings> {
  return async (c, next) => {
    // Reads run without a transaction (src/middleware/transaction.ts): nothing to re-run.
    if (SAFE_METHODS.has(c.req.method)) return next();
    const attempt = retryAttempt(c);
    await next();
    if (attempt >= retries || !isRetryableTransactionError(c.error)) return;
    logger.warn({ request_id: c.get('requestId'), attempt: attempt + 1, code: 'transaction_conflict' }, 'transaction conflict; re-running the request');
    await pause();
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-request-id', c.get('requestId'));
    // The body was read (and cached by Hono) by the first attempt, or is read now.
    const body = await c.req.arrayBuffer();
    const replay = new Request(c.req.url, { method: c.req.method, headers, body: body.byteLength > 0 ? body : null });
    // The limiter does not run again on a re-run (rate-limit.ts): its headers are the first attempt's.
    const carried = RATE_LIMIT_HEADERS.map((name) => [name, c.res.headers.get(name)] as const);
    const response = await app().fetch(replay, { ...((c.env as RetryEnv | undefined) ?? {}), [ATTEMPT]: attempt + 1 });
    // Replace, not merge: the failed attempt's headers (Retry-After...) must not leak into the answer.
    c.res = undefined as unknown as Response;
    c.res = response;
    for (const [name, value] of carried) if (value !== null) c.res.headers.set(name, value);
    c.error = undefined;
  };
}
