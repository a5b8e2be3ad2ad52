import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkedFetch } from '../helpers/contract.js';
import {
  descendantsOf,
  isRunning,
  postmasterPid,
  spawnNpmStart,
  spawnServer,
  stopLeftoverPostmaster,
  waitUntilGone,
  type ServerProcess,
} from '../helpers/spawn-server.js';

// Process life: what `npm start` does with a signal, and what a server killed outright leaves
// behind for the next one on its DATA_DIR.

const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messages = (server: ServerProcess) => server.logs.map((l) => l.msg);
const listening = (line: Record<string, unknown>) => String(line.msg).startsWith('Todo API listening');

const dataDirs: string[] = [];
const leftovers: number[] = [];
function newDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-process-'));
  dataDirs.push(dir);
  return dir;
}
const embeddedEnv = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: '', AUTH_JWT_SECRET: '' });

afterEach(async () => {
  // Whatever a failing test left running is stopped by its pid, the servers first (gracefully).
  for (const pid of leftovers.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGTERM');
  for (const pid of leftovers) await waitUntilGone(pid, 15_000);
  for (const dir of dataDirs.splice(0)) {
    await stopLeftoverPostmaster(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('npm start', () => {
  it('passes SIGTERM to the server, which shuts down gracefully, exits 0 and leaves no process behind; a restart with nothing changed builds nothing', async () => {
    const dataDir = newDataDir();
    const first = spawnNpmStart(embeddedEnv(dataDir));
    await first.ready;
    const tree = descendantsOf(first.process.pid!);
    leftovers.push(...tree);
    const postmaster = postmasterPid(dataDir);
    expect(postmaster).toBeDefined();
    expect(tree).toContain(postmaster);

    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(messages(first)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    // The node server, the PostgreSQL and its backends: none outlives npm.
    for (const pid of tree) expect(await waitUntilGone(pid, 5_000), `pid ${pid} still runs`).toBe(true);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    // Nothing changed since that build: the restart writes nothing into dist/.
    const outputs = ['dist/tsconfig.build.tsbuildinfo', 'dist/src/index.js', 'dist/src/server.js'].map((file) => path.join(root, file));
    const built = outputs.map((file) => statSync(file).mtimeMs);
    const second = spawnNpmStart(embeddedEnv(dataDir));
    await second.ready;
    leftovers.push(...descendantsOf(second.process.pid!));
    expect(outputs.map((file) => statSync(file).mtimeMs)).toEqual(built);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 240_000);
});

describe('the embedded PostgreSQL of a server that is gone', () => {
  it('is stopped by the next start on that DATA_DIR after a SIGKILL, which then becomes ready by itself', async () => {
    const dataDir = newDataDir();
    const first = spawnServer(embeddedEnv(dataDir));
    await first.ready;
    const orphan = postmasterPid(dataDir)!;
    first.process.kill('SIGKILL');
    await first.exited;
    leftovers.push(...descendantsOf(orphan));
    expect(isRunning(orphan)).toBe(true);

    const second = spawnServer(embeddedEnv(dataDir));
    leftovers.push(second.process.pid!);
    const url = await second.ready;
    expect(isRunning(orphan)).toBe(false);
    expect(second.logs).toContainEqual(expect.objectContaining({ level: 'warn', pid: orphan, msg: expect.stringMatching(/^stopped the embedded PostgreSQL/) as unknown }));
    expect((await checkedFetch(`${url}/health/ready`)).status).toBe(200);
    const postmaster = postmasterPid(dataDir)!;
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(await waitUntilGone(postmaster, 5_000)).toBe(true);
  }, 90_000);

  it('is stopped on SIGTERM during start-up: the server exits 0 and leaves no postmaster', async () => {
    const dataDir = newDataDir();
    const server = spawnServer(embeddedEnv(dataDir));
    leftovers.push(server.process.pid!);
    // A first start: the postmaster is up, and the server still creates its database and migrates.
    let postmaster: number | undefined;
    while ((postmaster = postmasterPid(dataDir)) === undefined && server.process.exitCode === null) await sleep(5);
    expect(postmaster).toBeDefined();
    expect(server.logs.some(listening)).toBe(false);
    server.process.kill('SIGTERM');

    expect(await server.exited).toBe(0);
    expect(server.logs.some(listening)).toBe(false);
    expect(messages(server)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    expect(await waitUntilGone(postmaster!, 5_000)).toBe(true);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    // And the cluster it left is whole: the next start serves.
    const next = spawnServer(embeddedEnv(dataDir));
    leftovers.push(next.process.pid!);
    const url = await next.ready;
    expect((await checkedFetch(`${url}/health/ready`)).status).toBe(200);
    expect(await next.stop('SIGTERM')).toBe(0);
  }, 90_000);

  it('is never stopped while its server runs: a second server on that DATA_DIR refuses to start', async () => {
    const dataDir = newDataDir();
    const first = spawnServer(embeddedEnv(dataDir));
    leftovers.push(first.process.pid!);
    const url = await first.ready;
    const postmaster = postmasterPid(dataDir)!;

    const second = spawnServer(embeddedEnv(dataDir));
    leftovers.push(second.process.pid!);
    await expect(second.ready).rejects.toThrow(new RegExp(`belongs to another running process \\(pid ${first.process.pid}\\)`));
    expect(await second.exited).toBe(1);

    expect(isRunning(postmaster)).toBe(true);
    expect(postmasterPid(dataDir)).toBe(postmaster);
    expect((await checkedFetch(`${url}/health/ready`)).status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(await waitUntilGone(postmaster, 5_000)).toBe(true);
  }, 90_000);
});
