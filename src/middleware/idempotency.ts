import type { MiddlewareHandler } from 'hono';
import type { AppBindings } from '../lib/types.js';
import { checkIdempotencyKey, claimIdempotencyKey, requestFingerprint, storeIdempotentResponse } from '../services/idempotency-service.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Idempotency-Key on writes, inside the request's transaction: the first successful response is
 * stored with the write and replayed for 24 hours with `Idempotent-Replayed: true`. A request
 * that fails stores nothing (its transaction rolls back), so it can simply be sent again.
 */
export const idempotency: MiddlewareHandler<AppBindings> = async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (key === undefined || !WRITES.has(c.req.method)) return next();
  checkIdempotencyKey(key);
  const userId = c.get('user').id;
  const fingerprint = requestFingerprint(c.req.method, c.req.path, await c.req.text());
  const stored = await claimIdempotencyKey(userId, key, fingerprint);
  if (stored) {
    const headers = { ...stored.headers, 'Idempotent-Replayed': 'true' };
    return stored.body === null ? c.body(null, stored.status as 204, headers) : c.body(stored.body, stored.status as 200, headers);
  }
  await next();
  if (!c.error && c.res.status >= 200 && c.res.status < 300) {
    await storeIdempotentResponse(userId, key, fingerprint, c.res);
  }
};
