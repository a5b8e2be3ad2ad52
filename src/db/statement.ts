import type { Transaction } from 'sequelize';
import { clsNamespace } from './cls.js';
import { database } from './database.js';
import type { DriverConnection, TransactionInternals } from './sequelize-internals.js';

/**
 * Runs one written-out statement with bind parameters on the driver's connection and returns
 * its rows: inside the request's managed transaction when there is one (found through CLS,
 * exactly as Sequelize finds it), else on a pool connection taken for this statement alone.
 * The hot paths use it instead of `sequelize.query`, whose pipeline (options copied, a retry
 * wrapper, a Query object, a stack trace captured per call) cost more CPU than the statement
 * itself (test/bench). Errors are the driver's, with their SQLSTATE in `code` (db-errors.ts).
 */
export async function runStatement<T>(text: string, values: unknown[]): Promise<T[]> {
  const transaction = clsNamespace.get('transaction') as (Transaction & TransactionInternals) | undefined;
  if (transaction) {
    // As sequelize.query does: a statement must not run after its transaction committed or rolled back.
    if (transaction.finished) throw new Error(`The transaction has ended (${transaction.finished}); the statement was not run: ${text.slice(0, 40)}`);
    return (await transaction.connection.query<T>(text, values)).rows;
  }
  const { connectionManager } = database();
  const connection = (await connectionManager.getConnection({ type: 'write' })) as DriverConnection;
  try {
    return (await connection.query<T>(text, values)).rows;
  } finally {
    connectionManager.releaseConnection(connection as never);
  }
}
