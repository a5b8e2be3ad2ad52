import { clsNamespace } from './cls.js';
import { database } from './database.js';

/**
 * Runs `work` with statement_timeout at `ms` (set_config local to the transaction): in the
 * request's transaction when it has one, else in a transaction of its own, which costs BEGIN,
 * the set_config and COMMIT. A timeout is a 503 (src/db/db-errors.ts).
 */
export async function withStatementTimeout<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const sequelize = database();
  const run = async () => {
    await sequelize.query("SELECT set_config('statement_timeout', $1, true)", { bind: [`${Math.trunc(ms)}ms`] });
    return work();
  };
  // Sequelize keeps the CLS transaction under `transaction`: never a second one inside it (PITFALLS).
  return clsNamespace.get('transaction') ? run() : sequelize.transaction(run);
}
