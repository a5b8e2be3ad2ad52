import type { Context, MiddlewareHandler } from 'hono';
import type { Env } from '../env.js';
import { ApiError } from '../lib/errors.js';
import type { AppBindings } from '../lib/types.js';
import { RateLimiter, type RateLimitDecision } from '../services/rate-limit-service.js';

/**
 * Per-user rate limit with the IETF draft's headers (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "default";q=<requests>;w=<window>` and `RateLimit: "default";r=<left>;t=<reset>`
 * on every authenticated /v1 response, and 429 with Retry-After when the bucket is empty.
 * A request costs one token; a route that costs more (a batch: one per operation) charges the
 * rest with `chargeRequests` once its body is validated, before any connection is taken.
 */
export function rateLimit(
  config: Pick<Env, 'rateLimitEnabled' | 'rateLimitRequests' | 'rateLimitWindowSeconds' | 'exportRateLimitCost'>,
): MiddlewareHandler<AppBindings> {
  const { rateLimitEnabled: enabled, rateLimitRequests: requests, rateLimitWindowSeconds: windowSeconds } = config;
  // Requests that cost more than one: an export reads the whole account and holds a connection while it streams
  // (at most the whole bucket, so that a small limit still lets one through).
  const costs: Record<string, number> = { 'GET /v1/me/export': Math.min(config.exportRateLimitCost, requests) };
  if (!enabled) return (_c, next) => next();
  const limiter = new RateLimiter({ requests, windowSeconds });
  const policy = `"default";q=${requests};w=${windowSeconds}`;
  const apply = (c: Context<AppBindings>, decision: RateLimitDecision, cost: number, why = '') => {
    const rateLimit = `"default";r=${decision.remaining};t=${decision.resetSeconds}`;
    if (!decision.allowed) {
      const what = cost === 1 ? '' : ` This request counts as ${cost}${why}${cost > requests ? ', more than the limit allows at all: send fewer operations per batch' : ''}.`;
      throw new ApiError('rate_limited', {
        detail: `Too many requests: at most ${requests} every ${windowSeconds} seconds per user.${what} Retry after ${decision.retryAfterSeconds} s.`,
        headers: { 'RateLimit-Policy': policy, RateLimit: rateLimit, 'Retry-After': String(decision.retryAfterSeconds) },
      });
    }
    // Before `next`, like private-no-store.ts: every response of this request, errors too, carries them.
    c.header('RateLimit-Policy', policy);
    c.header('RateLimit', rateLimit);
  };
  return (c, next) => {
    // By subject, not user id: erasing the account (DELETE /v1/me) does not refill the bucket.
    const subject = c.get('user').subject;
    const cost = costs[`${c.req.method} ${c.req.path}`] ?? 1;
    apply(c, limiter.take(subject, cost), cost, cost > 1 ? ' (an export reads the whole account)' : '');
    // A batch: one per operation, charged once its body is validated, before any connection is taken.
    c.set('chargeRequests', (extra: number) => {
      if (extra > 0) apply(c, limiter.take(subject, extra), extra + 1, ' (one per operation)');
    });
    return next();
  };
}

/** Charges `extra` more requests to the caller (429 when they are not left); a no-op when rate limiting is off. */
export function chargeRequests(c: Context<AppBindings>, extra: number): void {
  c.get('chargeRequests')?.(extra);
}
