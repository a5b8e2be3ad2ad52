import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { database, databaseStatementTimeoutMs, databaseTimeoutsPerSession } from '../db/database.js';
import { areConnectionsCut } from '../lib/lifecycle.js';
import type { AppBindings } from '../lib/types.js';

const ROLLBACK = Symbol('rollback');

/**
 * The client is gone once its connection closed. Read from the socket that @hono/node-server
 * passes in `c.env`: `c.req.raw.signal` would build an AbortController for every request.
 */
function clientHasGone(c: Context): boolean {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing) return c.req.raw.signal.aborted;
  return outgoing.destroyed || !outgoing.socket || outgoing.socket.destroyed;
}

/** Reads whose one statement is atomic by itself: every GET route of /v1 is a single SELECT. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Runs a write in one managed transaction: every model call joins it through CLS. It commits
 * before the response leaves, and rolls back when the handler threw, the response is an error
 * or the client has gone, so a failed request leaves no trace. A read runs its one statement
 * with no transaction at all (no BEGIN and COMMIT round trips). The timeouts come with every
 * session (src/db/session-defaults.ts); where the role may not set them, each transaction sets
 * them with set_config(..., true), which Neon's transaction-mode pooler keeps, and then reads
 * get a transaction too.
 */
export const requestTransaction: MiddlewareHandler<AppBindings> = async (c, next) => {
  const perSession = databaseTimeoutsPerSession();
  if (perSession && SAFE_METHODS.has(c.req.method)) return next();
  const sequelize = database();
  try {
    await sequelize.transaction(async () => {
      if (!perSession) {
        await sequelize.query(
          "SELECT set_config('statement_timeout', :timeout, true), set_config('idle_in_transaction_session_timeout', :timeout, true)",
          { replacements: { timeout: String(databaseStatementTimeoutMs()) } },
        );
      }
      await next();
      // A client that is gone (or was cut off by a shutdown) got no answer: leave nothing behind.
      if (c.error || c.res.status >= 400 || clientHasGone(c) || areConnectionsCut()) throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
};
