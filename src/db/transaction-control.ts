import { Transaction, type Sequelize } from 'sequelize';
import type { TransactionInternals } from './sequelize-internals.js';

/** lib/dialects/abstract/query-interface.js in sequelize 6: the two methods replaced here and their SQL. */
interface QueryInterfaceInternals {
  queryGenerator: {
    startTransactionQuery(transaction: Transaction): string;
    commitTransactionQuery(transaction: Transaction): string;
  };
  startTransaction(transaction: Transaction, options?: object): Promise<unknown>;
  commitTransaction(transaction: Transaction, options?: object): Promise<unknown>;
}

/**
 * Sends START TRANSACTION and COMMIT of a managed (root) transaction on its own connection
 * instead of through `sequelize.query`, whose pipeline (options copied, a retry wrapper, a
 * Query object, hooks, a stack trace captured per call) was about a tenth of a write's CPU in
 * test/bench, for two statements whose text never changes. Sequelize still owns the
 * transaction: it takes and releases the connection, keeps it in CLS, decides commit or
 * rollback and runs its hooks. The SQL and the bookkeeping are its own (sequelize 6,
 * abstract/query-interface.js); savepoints and ROLLBACK go through it unchanged.
 * test/platform/transaction.test.ts holds commit, rollback and CLS isolation to it.
 */
export function sendTransactionControlOnConnection(sequelize: Sequelize): void {
  const queryInterface = sequelize.getQueryInterface() as unknown as QueryInterfaceInternals;
  const { startTransaction, commitTransaction } = queryInterface;
  const isRoot = (t: Transaction): t is Transaction & TransactionInternals => t instanceof Transaction && !(t as unknown as TransactionInternals).parent;

  queryInterface.startTransaction = async function (this: QueryInterfaceInternals, transaction: Transaction, options?: object) {
    if (!isRoot(transaction)) return startTransaction.call(this, transaction, options);
    transaction.name = undefined;
    return transaction.connection.query(this.queryGenerator.startTransactionQuery(transaction));
  };
  queryInterface.commitTransaction = async function (this: QueryInterfaceInternals, transaction: Transaction, options?: object) {
    if (!isRoot(transaction)) return commitTransaction.call(this, transaction, options);
    const committed = transaction.connection.query(this.queryGenerator.commitTransactionQuery(transaction));
    transaction.finished = 'commit';
    return committed;
  };
}
