import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  process: ChildProcess;
  /** Every JSON log line the server printed so far. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the base URL once the server listens; rejects if it exits first. */
  ready: Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the first log line that matches, as it is printed; rejects if the process exits first. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Starts `src/index.ts` as its own process, as `npm start` would, with extra environment. */
export function spawnServer(env: Record<string, string>, entry = 'src/index.ts'): ServerProcess {
  return spawnLogged(process.execPath, ['--import', 'tsx', entry], env);
}

/** Runs `npm start` itself (the build, then the server), with extra environment. */
export function spawnNpmStart(env: Record<string, string>): ServerProcess {
  return spawnLogged('npm', ['start'], env);
}

function spawnLogged(command: string, args: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const watchers: Array<(line: Record<string, unknown>) => void> = [];
  let err = '';
  let pending = '';
  let onListening: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve, reject) => {
    onListening = resolve;
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${err}`)));
  });
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // not a log line (npm prints its own)
      }
      logs.push(entry);
      for (const watch of watchers) watch(entry);
      if (typeof entry.url === 'string' && String(entry.msg).startsWith('Todo API listening')) onListening(entry.url);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  ready.catch(() => {});
  return {
    process: child,
    logs,
    stderr: () => err,
    ready,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    waitForLog: (match) => {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        watchers.push((line) => {
          if (match(line)) resolve(line);
        });
        void exited.then((code) => reject(new Error(`exited with ${code} before the log line: ${err}`)));
      });
    },
  };
}

/** Whether a process runs (a zombie does not count). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The postmaster's pid from a DATA_DIR's cluster, while its pid file exists. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the process is gone; false if it still runs after `timeoutMs`. */
export async function waitUntilGone(pid: number, timeoutMs = 20_000): Promise<boolean> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    if (!isRunning(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isRunning(pid);
}

/** Stops, by its pid, a postmaster a failed test left running in a DATA_DIR (fast shutdown). */
export async function stopLeftoverPostmaster(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid === undefined || !isRunning(pid)) return;
  // Only a PostgreSQL that runs in this cluster's directory: never a process that reused the pid.
  try {
    if (realpathSync(readlinkSync(`/proc/${pid}/cwd`)) !== realpathSync(path.join(dataDir, 'postgres'))) return;
  } catch {
    return;
  }
  process.kill(pid, 'SIGINT');
  await waitUntilGone(pid);
}

/** Every process below `pid` (children, their children, ...), from /proc. */
export function descendantsOf(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      children.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    }
  } catch {
    children = [];
  }
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}
