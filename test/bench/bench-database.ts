import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/database.js';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { onCleanup, withTimeout } from './cleanup.js';

export interface BenchDatabase {
  /** The database both servers use. */
  url: string;
  name: string;
  /** Seeding and EXPLAIN, on the bench database. */
  pool: pg.Pool;
  /** Monitoring, on another database of the same server, so its own statements are not counted. */
  admin: pg.Pool;
  /** Why pg_stat_statements cannot be used, or undefined when it can. */
  statementsUnavailable: string | undefined;
  serverVersion: string;
  /** Where the server came from, for the report. */
  source: string;
}

// pg_stat_statements for the round-trip counts; utility statements so BEGIN/COMMIT/ROLLBACK count too.
// shared_buffers holds the 1M-row scale table and its indexes, so the scale part measures the plan, not the disk.
const POSTGRES_FLAGS = [
  '-c', 'shared_preload_libraries=pg_stat_statements',
  '-c', 'pg_stat_statements.track_utility=on',
  '-c', 'pg_stat_statements.max=10000',
  '-c', 'shared_buffers=512MB',
  '-c', 'max_connections=100',
];

/** The embedded PostgreSQL in a temp dir, or a new database on BENCH_DATABASE_URL's server; migrated and empty. */
export async function startBenchDatabase(externalUrl: string | undefined): Promise<BenchDatabase> {
  const server = externalUrl ? await externalServer(externalUrl) : await embeddedServer();
  const name = `todo_bench_${randomBytes(4).toString('hex')}`;
  const admin = quietPool(server.adminUrl);
  onCleanup('admin pool', () => admin.end());
  await admin.query(`CREATE DATABASE ${name}`);
  // An embedded cluster goes away whole with its temp dir; on someone else's server, drop what was made.
  if (externalUrl) {
    onCleanup(`database ${name}`, async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  }
  const url = withDatabase(server.adminUrl, name);
  await migrate({ url });
  const pool = quietPool(url);
  onCleanup('seed pool', () => pool.end());
  const version = await admin.query<{ server_version: string }>('SHOW server_version');
  return {
    url,
    name,
    pool,
    admin,
    statementsUnavailable: await enableStatements(admin),
    serverVersion: version.rows[0]!.server_version,
    source: server.source,
  };
}

/**
 * A small pool whose idle connections may be cut when the server stops (Ctrl-C) without crashing
 * the bench. No timeouts: the service makes 10 s a default of its role in the bench database, and
 * seeding a million rows or VACUUM ANALYZE may take longer (start-up options override role defaults).
 */
function quietPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 3, options: '-c statement_timeout=0 -c idle_in_transaction_session_timeout=0' });
  pool.on('error', () => {});
  return pool;
}

async function embeddedServer(): Promise<{ adminUrl: string; source: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-bench-'));
  chmodSync(dataDir, 0o755);
  onCleanup(`temp dir ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  const embedded = await startEmbeddedDatabase({ dataDir, database: 'postgres', postgresFlags: POSTGRES_FLAGS });
  // stop() waits for an exit event that was missed if Ctrl-C reached PostgreSQL first: its pid file going away says so too.
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  onCleanup('embedded PostgreSQL', () => withTimeout(Promise.race([embedded.stop(), fileGone(pidFile)]), 15_000, 'embedded PostgreSQL stop'));
  return { adminUrl: embedded.adminUrl, source: `embedded PostgreSQL (temp dir, flags: ${POSTGRES_FLAGS.filter((f) => f !== '-c').join(' ')})` };
}

async function fileGone(file: string): Promise<void> {
  while (existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 100));
}

function externalServer(url: string): Promise<{ adminUrl: string; source: string }> {
  const host = new URL(url).hostname;
  return Promise.resolve({ adminUrl: url, source: `BENCH_DATABASE_URL server (${host}), a new database on it` });
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Round trips are counted only when pg_stat_statements is loaded and may be reset by this role. */
async function enableStatements(admin: pg.Pool): Promise<string | undefined> {
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await admin.query('SELECT pg_stat_statements_reset()');
    await admin.query('SELECT count(*) FROM pg_stat_statements');
    return undefined;
  } catch (error) {
    return `pg_stat_statements is not usable: ${error instanceof Error ? error.message : String(error)} (preload it with shared_preload_libraries and track_utility=on)`;
  }
}
