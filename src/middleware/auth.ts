import type { MiddlewareHandler } from 'hono';
import type { AppBindings } from '../lib/types.js';
import type { Authenticate } from '../services/auth-service.js';
import { resolveUser } from '../services/user-service.js';

/**
 * Every /v1 request: verify the bearer token and resolve its user, then `c.get('user')`.
 * Mounted before any transaction, so the user row is committed on its own and no transaction
 * is held while a JWKS is fetched.
 */
export function requireAuth(authenticate: Authenticate, userCacheTtlMs?: number): MiddlewareHandler<AppBindings> {
  return async (c, next) => {
    const identity = await authenticate(c.req.header('Authorization'));
    c.set('user', await resolveUser(identity, userCacheTtlMs));
    await next();
  };
}
