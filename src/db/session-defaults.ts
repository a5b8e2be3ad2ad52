import type { Sequelize } from 'sequelize-typescript';
import { QueryTypes } from 'sequelize';
import { sqlState } from './db-errors.js';

/** Any number that is the same in every instance: it names the lock around the role defaults. */
const SESSION_DEFAULTS_LOCK_ID = 727_370_002;

/**
 * Makes statement_timeout and idle_in_transaction_session_timeout defaults of the application's
 * role in its database (ALTER ROLE CURRENT_USER IN DATABASE … SET). Every new server session
 * starts with them, including the ones Neon's transaction-mode pooler hands out, so they hold
 * for statements outside any transaction too, at no cost per request. Returns false when the
 * role may not change its own defaults; the caller then sets them in every transaction instead.
 */
export async function applySessionDefaults(sequelize: Sequelize, timeoutMs: number): Promise<boolean> {
  const value = `${Math.trunc(timeoutMs)}ms`;
  const settings = ['statement_timeout', 'idle_in_transaction_session_timeout'].map((name) => `${name}=${value}`);
  try {
    // Instances that start together would update the same pg_db_role_setting row at once
    // ("tuple concurrently updated", seen when two servers started on one database): one at a
    // time, and only when the defaults are not already these.
    await sequelize.transaction(async () => {
      await sequelize.query('SELECT pg_advisory_xact_lock($1)', { bind: [SESSION_DEFAULTS_LOCK_ID] });
      const [row] = await sequelize.query<{ name: string; current: boolean }>(
        `SELECT quote_ident(current_database()) AS name,
                coalesce((SELECT s.setconfig @> $1::text[] FROM pg_db_role_setting s
                          WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                            AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())), false) AS current`,
        { bind: [settings], type: QueryTypes.SELECT },
      );
      if (row!.current) return;
      for (const setting of settings) {
        const [name] = setting.split('=');
        await sequelize.query(`ALTER ROLE CURRENT_USER IN DATABASE ${row!.name} SET ${name} = '${value}'`);
      }
    });
    return true;
  } catch (error) {
    // 42501: insufficient privilege.
    if (sqlState(error) === '42501') return false;
    throw error;
  }
}
