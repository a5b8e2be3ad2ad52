import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { onCleanup } from './cleanup.js';
import type { LoadResult, WorkerCommand, WorkerReply } from './load-protocol.js';
import type { BenchUser, Scenario } from './scenarios.js';

// A command before it gets its id (distributed over the union, so each keeps its own fields).
type Command = WorkerCommand extends infer C ? (C extends WorkerCommand ? Omit<C, 'id'> : never) : never;

/** The orchestrator's handle on the load worker process. */
export interface LoadGenerator {
  setUsers(group: string, users: BenchUser[]): Promise<void>;
  prime(url: string, group: string, concurrency?: number): Promise<void>;
  /** `check`: first send one request of each operation (outside the counts) and keep the first non-2xx answer. */
  run(url: string, scenario: Scenario, connections: number, durationSec: number, check?: boolean): Promise<LoadResult>;
  pid: number;
  stop(): Promise<void>;
}

export function startLoadGenerator(): LoadGenerator {
  const child = fork(path.join(import.meta.dirname, 'load-worker.ts'), [], {
    execArgv: ['--title=todo-api-bench-load', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  child.on('message', (reply: WorkerReply) => pending.get(reply.id)?.resolve(reply));
  child.on('exit', (code, signal) => {
    for (const { reject } of pending.values()) reject(new Error(`load worker exited (${code ?? signal})`));
    pending.clear();
  });

  const call = (command: Command): Promise<WorkerReply> => {
    const id = nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      pending.set(id, {
        resolve: (reply) => {
          pending.delete(id);
          if (reply.type === 'error') reject(new Error(`load worker: ${reply.message}`));
          else resolve(reply);
        },
        reject,
      });
      child.send({ ...command, id });
    });
  };

  const stop = onCleanup('load generator', () => killChild(child));
  return {
    pid: child.pid!,
    setUsers: async (group, users) => void (await call({ type: 'users', group, users })),
    prime: async (url, group, concurrency = 16) => void (await call({ type: 'prime', url, group, concurrency })),
    run: async (url, scenario, connections, durationSec, check = true) => {
      const reply = await call({ type: 'run', url, scenario, connections, durationSec, check });
      if (reply.type !== 'result') throw new Error('load worker: no result');
      return reply.result;
    },
    stop,
  };
}

/** SIGTERM, then SIGKILL if it is still there after 5 s. */
export function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
