import { spawn } from 'node:child_process';
import { freePort } from '../../src/db/embedded.js';
import { onCleanup } from './cleanup.js';
import { killChild } from './load-client.js';

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Lines the server printed (its logs at LOG_LEVEL=warn and above, warnings, crashes) since it started. */
  logLines(): number;
  /** What it printed after the first `lines` lines (at most the first 64 KB of output are kept). */
  linesAfter(lines: number): string[];
  /** Running or how it exited, and the end of its output: for the message when a run fails. */
  describe(): string;
  /** SIGTERM (a graceful stop), and wait for the exit. */
  stop(): Promise<void>;
}

export interface ServerSpec {
  name: string;
  /** The process title (node --title): what ps and pkill -f see, so others' `pkill -f dist/src/index.js` passes it by. */
  title: string;
  /** Node arguments: flags, then the entry script. */
  nodeArgs: string[];
  env: Record<string, string>;
  cwd: string;
}

// Variables the servers read: only the bench decides them, whatever the caller's shell has set.
const SERVER_VARIABLES = /^(NODE_ENV|PORT|HOST|LOG_LEVEL|DATABASE_.*|DB_.*|MIGRATE_ON_START|DATA_DIR|CORS_ORIGINS|BODY_LIMIT_BYTES|SHUTDOWN_TIMEOUT_MS|AUTH_.*|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|WEBHOOK_.*|CHANGES_.*|RATE_LIMIT_.*|LIMIT_.*)$/;

function cleanEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !SERVER_VARIABLES.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Starts a server as its own process on a free loopback port and waits until /health/live answers. */
export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [`--title=${spec.title}`, ...spec.nodeArgs], {
    cwd: spec.cwd,
    env: cleanEnvironment({ ...spec.env, HOST: '127.0.0.1', PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let tail = '';
  let lines = 0;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    lines += text.split('\n').length - 1;
    if (output.length < 65_536) output += text;
    tail = (tail + text).slice(-2000);
  };
  let stopRequested = false;
  const describe = () => {
    const exited = `exited (${child.exitCode ?? child.signalCode}${stopRequested ? '' : ', not stopped by the bench: a graceful exit means a signal from outside'})`;
    const state = child.exitCode === null && child.signalCode === null ? 'running' : exited;
    return `${spec.name} at ${url} (pid ${child.pid}) ${state}${tail ? `; its last output:\n${tail}` : '; no output'}`;
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const stop = onCleanup(spec.name, () => {
    stopRequested = true;
    return killChild(child);
  });
  const url = `http://127.0.0.1:${port}`;
  child.on('exit', (code, signal) => collect(Buffer.from(`[bench: ${spec.name} exited: ${code ?? signal}]\n`)));
  try {
    await waitUntilLive(url, () => child.exitCode !== null || child.signalCode !== null);
  } catch (error) {
    await stop();
    throw new Error(`${spec.name} did not start: ${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error });
  }
  return { name: spec.name, url, pid: child.pid!, logLines: () => lines, linesAfter: (n) => output.split('\n').slice(n, n + 20), describe, stop };
}

async function waitUntilLive(url: string, exited: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('the process exited');
    try {
      const response = await fetch(`${url}/health/live`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer from ${url}/health/live within ${timeoutMs} ms`);
}
