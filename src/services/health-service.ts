import { QueryTypes } from 'sequelize';
import { database } from '../db/database.js';
import { sqlState } from '../db/db-errors.js';
import { MIGRATIONS_TABLE, shippedMigrationNames } from '../db/migrator.js';
import { ApiError } from '../lib/errors.js';
import { isShuttingDown } from '../lib/lifecycle.js';

let shipped: string[] | undefined;

/** Ready means: not shutting down, the database answers, and every shipped migration has run. */
export async function checkReadiness(): Promise<{ database: 'ok'; migrations: 'ok' }> {
  if (isShuttingDown()) throw new ApiError('service_unavailable', { detail: 'The instance is shutting down.' });
  shipped ??= shippedMigrationNames();
  let executed: Set<string>;
  try {
    const rows = await database().query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`, { type: QueryTypes.SELECT });
    executed = new Set(rows.map((r) => r.name));
  } catch (error) {
    // 42P01: the migrations table does not exist yet, so nothing has been migrated.
    if (sqlState(error) === '42P01') executed = new Set();
    else throw new ApiError('service_unavailable', { detail: 'The database does not answer.', cause: error });
  }
  const pending = shipped.filter((name) => !executed.has(name));
  if (pending.length > 0) {
    throw new ApiError('service_unavailable', { detail: `${pending.length} database migration(s) have not run yet.` });
  }
  return { database: 'ok', migrations: 'ok' };
}
