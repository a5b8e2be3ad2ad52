import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { database } from '../db/database.js';
import { sqlState } from '../db/db-errors.js';
import { MIGRATIONS_TABLE, shippedMigrationNames } from '../db/migrator.js';
import { ApiError } from '../lib/errors.js';
import { isShuttingDown } from '../lib/lifecycle.js';

export interface Readiness {
  database: 'ok';
  migrations: 'ok';
}

/** How old a readiness result may be when it is served again. */
export const READINESS_MAX_AGE_MS = 1000;

let shipped: string[] | undefined;

/** The last check (its promise, when it started, on which database): shared by every caller while it is fresh. */
let last: { database: Sequelize; startedAt: number; settled: boolean; result: Promise<Readiness> } | undefined;

/**
 * Ready means: not shutting down, the database answers, and every shipped migration has run.
 * The database is asked at most once a second: a check in flight is shared by every caller, and a
 * settled one (ready or not) is served until it is READINESS_MAX_AGE_MS old, counted from when
 * it started. So probes cost no more than one statement a second however many arrive, and
 * readiness never lags the database by more than about a second. Shutting down is seen at once.
 */
export function checkReadiness(): Promise<Readiness> {
  if (isShuttingDown()) return Promise.reject(new ApiError('service_unavailable', { detail: 'The instance is shutting down.' }));
  const db = database();
  const now = performance.now();
  if (!last || last.database !== db || (last.settled && now - last.startedAt >= READINESS_MAX_AGE_MS)) last = startCheck(db, now);
  return last.result;
}

function startCheck(db: Sequelize, startedAt: number): NonNullable<typeof last> {
  const check = { database: db, startedAt, settled: false, result: probe(db) };
  const settle = () => {
    check.settled = true;
  };
  check.result.then(settle, settle);
  return check;
}

async function probe(db: Sequelize): Promise<Readiness> {
  shipped ??= shippedMigrationNames();
  let executed: Set<string>;
  try {
    const rows = await db.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`, { type: QueryTypes.SELECT });
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
