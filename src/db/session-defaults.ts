import type { Sequelize } from 'sequelize-typescript';
import { QueryTypes } from 'sequelize';
import { sqlState } from './db-errors.js';

/**
 * Makes statement_timeout and idle_in_transaction_session_timeout defaults of the application's
 * role in its database (ALTER ROLE CURRENT_USER IN DATABASE … SET). Every new server session
 * starts with them, including the ones Neon's transaction-mode pooler hands out, so they hold
 * for statements outside any transaction too, at no cost per request. Returns false when the
 * role may not change its own defaults; the caller then sets them in every transaction instead.
 */
export async function applySessionDefaults(sequelize: Sequelize, timeoutMs: number): Promise<boolean> {
  const value = `${Math.trunc(timeoutMs)}ms`;
  try {
    const [row] = await sequelize.query<{ name: string }>('SELECT quote_ident(current_database()) AS name', { type: QueryTypes.SELECT });
    for (const setting of ['statement_timeout', 'idle_in_transaction_session_timeout']) {
      await sequelize.query(`ALTER ROLE CURRENT_USER IN DATABASE ${row!.name} SET ${setting} = '${value}'`);
    }
    return true;
  } catch (error) {
    // 42501: insufficient privilege.
    if (sqlState(error) === '42501') return false;
    throw error;
  }
}
