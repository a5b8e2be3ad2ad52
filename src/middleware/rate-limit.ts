import type { MiddlewareHandler } from 'hono';
import type { Env } from '../env.js';
import { ApiError } from '../lib/errors.js';
import type { AppBindings } from '../lib/types.js';
import { RateLimiter } from '../services/rate-limit-service.js';

/**
 * Per-user rate limit with the IETF draft's headers (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "default";q=<requests>;w=<window>` and `RateLimit: "default";r=<left>;t=<reset>`
 * on every authenticated /v1 response, and 429 with Retry-After when the bucket is empty.
 */
export function rateLimit(
  config: Pick<Env, 'rateLimitEnabled' | 'rateLimitRequests' | 'rateLimitWindowSeconds' | 'exportRateLimitCost'>,
): MiddlewareHandler<AppBindings> {
  const { rateLimitEnabled: enabled, rateLimitRequests: requests, rateLimitWindowSeconds: windowSeconds } = config;
  // Requests that cost more than one: an export reads the whole account and holds a connection while it streams.
  const costs: Record<string, number> = { 'GET /v1/me/export': config.exportRateLimitCost };
  if (!enabled) return (_c, next) => next();
  const limiter = new RateLimiter({ requests, windowSeconds });
  const policy = `"default";q=${requests};w=${windowSeconds}`;
  return (c, next) => {
    // By subject, not user id: erasing the account (DELETE /v1/me) does not refill the bucket.
    const decision = limiter.take(c.get('user').subject, costs[`${c.req.method} ${c.req.path}`] ?? 1);
    const rateLimit = `"default";r=${decision.remaining};t=${decision.resetSeconds}`;
    if (!decision.allowed) {
      throw new ApiError('rate_limited', {
        detail: `Too many requests: at most ${requests} every ${windowSeconds} seconds per user. Retry after ${decision.retryAfterSeconds} s.`,
        headers: { 'RateLimit-Policy': policy, RateLimit: rateLimit, 'Retry-After': String(decision.retryAfterSeconds) },
      });
    }
    // Before `next`, like private-no-store.ts: every response of this request, errors too, carries them.
    c.header('RateLimit-Policy', policy);
    c.header('RateLimit', rateLimit);
    return next();
  };
}
