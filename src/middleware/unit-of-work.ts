import type { ServerResponse } from 'node:http';
import type { RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { database, databaseStatementTimeoutMs, databaseTimeoutsPerSession } from '../db/database.js';
import { isRetryableTransactionError, sqlState } from '../db/db-errors.js';
import { areConnectionsCut } from '../lib/lifecycle.js';
import { logger } from '../lib/logger.js';
import type { AppBindings, AppRouteHandler } from '../lib/types.js';
import { ApiError } from '../lib/errors.js';
import { checkIdempotencyKey, claimIdempotencyKey, requestFingerprint, storeIdempotentResponse } from '../services/idempotency-service.js';
import { registerAgain, userExists, UserGoneError } from '../services/user-service.js';

/** Reads whose one statement is atomic by itself: every GET route of /v1 is a single SELECT. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The client is gone once its connection closed. Read from the socket that @hono/node-server
 * passes in `c.env` (its documented HttpBindings): `c.req.raw.signal` would build an
 * AbortController for every request.
 */
function clientHasGone(c: Context): boolean {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing) return c.req.raw.signal.aborted;
  return outgoing.destroyed || !outgoing.socket || outgoing.socket.destroyed;
}

/** An answer that must not commit: the transaction rolls back, and the answer is still sent. */
class Rollback extends Error {
  constructor(readonly response: Response) {
    super('rollback');
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));

/** Idempotency-Key on a write: the key and the request's fingerprint, checked before any connection is taken. */
async function idempotencyOf(c: Context<AppBindings>, options: UnitOfWorkOptions): Promise<{ userId: string; key: string; fingerprint: string } | undefined> {
  const key = c.req.header('idempotency-key');
  if (key === undefined || SAFE_METHODS.has(c.req.method) || options.idempotency === false) return undefined;
  checkIdempotencyKey(key);
  // The body was read and validated before the handler runs (src/middleware/read-body.ts).
  return { userId: c.get('user').id, key, fingerprint: requestFingerprint(c.req.method, c.req.path, await c.req.text()) };
}

export interface UnitOfWorkOptions {
  /** false: the operation ignores Idempotency-Key (DELETE /v1/me, whose stored answer would be erased with the user). */
  idempotency?: boolean;
}

/**
 * A unit of work failed because the caller's cached user id has no row any more (the account was
 * erased, here or on another instance): the caller again, as a fresh account, or undefined when the
 * failure has another cause. At most one query, and only after such a failure.
 */
async function userAfterErasure(c: Context<AppBindings>, error: unknown): Promise<AppBindings['Variables']['user'] | undefined> {
  // A missing user row: found as such, or a write that met a foreign key (or a default list) that is not there.
  const suspect = error instanceof UserGoneError || (!(error instanceof ApiError) && ['23503', '23502'].includes(sqlState(error) ?? ''));
  if (!suspect) return undefined;
  const user = c.get('user');
  const gone = error instanceof UserGoneError || !(await userExists(user.id).catch(() => true));
  return gone ? registerAgain(user, c.get('deps').config.userCacheTtlMs) : undefined;
}

/**
 * Runs a /v1 handler as one unit of work. A write runs in one managed transaction: every model
 * call joins it through CLS, Idempotency-Key is claimed and its answer stored in it, it commits
 * before the response leaves, and it rolls back when the handler threw, answered an error or the
 * client has gone, so a failed request leaves no trace. A deadlock or serialization failure
 * re-runs the work in a fresh transaction, at most `dbTransactionRetries` times.
 * A read runs its one statement with no transaction (no BEGIN and COMMIT round trips), unless
 * the timeouts could not be made role defaults: then every transaction sets them first.
 * By the time it runs, the body has been read and validated: no connection waits on a client.
 * A caller whose user row is gone (a cached id that outlived an erasure) is registered again and
 * the work runs once more, in the fresh account: a stale id never writes, and never answers a 500.
 */
export function unitOfWork<R extends RouteConfig>(handler: AppRouteHandler<R>, options: UnitOfWorkOptions = {}): AppRouteHandler<R> {
  const once = async (c: Context<AppBindings>, next: () => Promise<void>) => {
    const perSession = databaseTimeoutsPerSession();
    if (perSession && SAFE_METHODS.has(c.req.method)) return handler(c as never, next);
    const idempotency = await idempotencyOf(c, options);
    const sequelize = database();
    const retries = c.get('deps').config.dbTransactionRetries;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await sequelize.transaction(async () => {
          if (!perSession) {
            const timeout = String(databaseStatementTimeoutMs());
            await sequelize.query("SELECT set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true)", {
              bind: [timeout],
            });
          }
          if (idempotency) {
            const stored = await claimIdempotencyKey(idempotency.userId, idempotency.key, idempotency.fingerprint);
            if (stored) {
              const headers = { ...stored.headers, 'Idempotent-Replayed': 'true' };
              return stored.body === null ? c.body(null, stored.status as 204, headers) : c.body(stored.body, stored.status as 200, headers);
            }
          }
          const response = (await handler(c as never, next)) as Response;
          // A client that is gone (or was cut off by a shutdown) got no answer: leave nothing behind.
          if (response.status >= 400 || clientHasGone(c) || areConnectionsCut()) throw new Rollback(response);
          if (idempotency) await storeIdempotentResponse(idempotency.userId, idempotency.key, idempotency.fingerprint, response);
          return response;
        });
      } catch (error) {
        if (error instanceof Rollback) return error.response;
        if (attempt >= retries || !isRetryableTransactionError(error)) throw error;
        logger.warn({ request_id: c.get('requestId'), attempt: attempt + 1, code: 'transaction_conflict' }, 'transaction conflict; running the request again');
        await pause();
      }
    }
  };
  const run = async (c: Context<AppBindings>, next: () => Promise<void>) => {
    try {
      return await once(c, next);
    } catch (error) {
      const fresh = await userAfterErasure(c, error);
      if (!fresh) throw error;
      c.set('user', fresh);
      return once(c, next);
    }
  };
  return run as unknown as AppRouteHandler<R>;
}
