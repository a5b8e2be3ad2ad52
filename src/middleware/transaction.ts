import type { MiddlewareHandler } from 'hono';
import { database, databaseStatementTimeoutMs, databaseTimeoutsPerSession } from '../db/database.js';
import { areConnectionsCut } from '../lib/lifecycle.js';
import type { AppBindings } from '../lib/types.js';

const ROLLBACK = Symbol('rollback');

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
      if (c.error || c.res.status >= 400 || c.req.raw.signal.aborted || areConnectionsCut()) throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
};
