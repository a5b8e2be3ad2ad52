import type { BenchUser, Operation, Scenario } from './scenarios.js';

// Messages between the orchestrator and the load worker (Node IPC, JSON-serialised).

export type WorkerCommand =
  | { type: 'users'; id: number; group: string; users: BenchUser[] }
  | { type: 'prime'; id: number; url: string; group: string; concurrency: number }
  | { type: 'run'; id: number; url: string; scenario: Scenario; connections: number; durationSec: number; check: boolean };

export interface LoadResult {
  durationSec: number;
  /** Responses received (any status). */
  completed: number;
  /** Requests written, including those still in flight when the run stopped. */
  sent: number;
  /** Responses per second. */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCounts: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts (autocannon counts timeouts as errors too). */
  errors: number;
  timeouts: number;
  /** Requests built per operation (the mix's actual shares). */
  operations: Partial<Record<Operation, number>>;
  /** The first failing answer of the pre-run check, if any. */
  firstFailure: string | undefined;
}

export type WorkerReply =
  | { type: 'ok'; id: number }
  | { type: 'result'; id: number; result: LoadResult }
  | { type: 'error'; id: number; message: string };
