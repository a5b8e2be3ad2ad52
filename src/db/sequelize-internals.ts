import type { QueryResult } from 'pg';
import type { Transaction } from 'sequelize';

// What sequelize 6 keeps on these objects without declaring it, in one place for the two files
// that reach past its query pipeline (statement.ts, transaction-control.ts). An upgrade must keep them.

/** The pg client behind a Sequelize connection. */
export interface DriverConnection {
  query<T>(text: string, values?: unknown[]): Promise<QueryResult<T & Record<string, unknown>>>;
}

/** lib/transaction.js: its connection, its parent when it is a savepoint, and how it ended. */
export interface TransactionInternals {
  connection: DriverConnection;
  parent?: Transaction;
  name?: string;
  finished?: string;
}
