import type { MiddlewareHandler } from 'hono';
import { database, databaseStatementTimeoutMs } from '../db/database.js';
import type { AppBindings } from '../lib/types.js';

const ROLLBACK = Symbol('rollback');

/**
 * Runs the rest of the request in one managed transaction: every model call joins it through
 * CLS. It commits before the response leaves, and rolls back when the handler threw, the
 * response is an error or the client has gone, so a failed request leaves no trace. The timeouts are set with
 * set_config(..., true), local to the transaction, which Neon's transaction-mode pooler keeps.
 */
export const requestTransaction: MiddlewareHandler<AppBindings> = async (c, next) => {
  const sequelize = database();
  const timeout = String(databaseStatementTimeoutMs());
  try {
    await sequelize.transaction(async () => {
      await sequelize.query(
        "SELECT set_config('statement_timeout', :timeout, true), set_config('idle_in_transaction_session_timeout', :timeout, true)",
        { replacements: { timeout } },
      );
      await next();
      // A client that is gone (or was cut off by a shutdown) got no answer: leave nothing behind.
      if (c.error || c.res.status >= 400 || c.req.raw.signal.aborted) throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
};
