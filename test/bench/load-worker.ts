import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { buildRequest, operationPicker, type BenchUser, type BuiltRequest, type Operation } from './scenarios.js';
import type { LoadResult, WorkerCommand, WorkerReply } from './load-protocol.js';

// The load generator: its own process (forked by load-client.ts), so its CPU is not the
// orchestrator's. autocannon drives the connections; latencies are recorded here in
// microsecond resolution, since autocannon's own histogram counts whole milliseconds.

interface AutocannonRequest {
  setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  sampleInt: number;
  timeout: number;
  requests: AutocannonRequest[];
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  requests: { sent: number };
}

type AutocannonInstance = EventEmitter & Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (options: AutocannonOptions) => AutocannonInstance;

const groups = new Map<string, BenchUser[]>();

function usersOf(group: string): BenchUser[] {
  const users = groups.get(group);
  if (!users || users.length === 0) throw new Error(`load worker: no users in group ${group}`);
  return users;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

class Latencies {
  private values = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  summary(): LoadResult['latencyMs'] {
    const sorted = this.values.slice(0, this.count).sort();
    const sum = sorted.reduce((a, b) => a + b, 0);
    return {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
      mean: this.count > 0 ? sum / this.count : 0,
    };
  }
}

/** One request of each operation before the run: a non-2xx here explains errors in the table. */
async function smokeCheck(url: string, users: BenchUser[], operations: Operation[], listQuery: string | undefined): Promise<string | undefined> {
  for (const operation of operations) {
    const request = buildRequest(operation, users, listQuery);
    const response = await send(url, request);
    if (response.status < 200 || response.status >= 300) {
      return `${request.method} ${request.path} -> ${response.status}: ${(await response.text()).slice(0, 300)}`;
    }
    await response.arrayBuffer();
  }
  return undefined;
}

function send(url: string, request: BuiltRequest): Promise<Response> {
  return fetch(`${url}${request.path}`, { method: request.method, headers: request.headers, body: request.body ?? null });
}

async function run(command: Extract<WorkerCommand, { type: 'run' }>): Promise<LoadResult> {
  const { scenario } = command;
  const users = usersOf(scenario.group ?? 'main');
  const nextOperation = operationPicker(scenario.weights);
  const operations: Partial<Record<Operation, number>> = {};
  const firstFailure = command.check ? await smokeCheck(command.url, users, Object.keys(scenario.weights) as Operation[], scenario.listQuery) : undefined;
  const latencies = new Latencies();
  const statusCounts: Record<string, number> = {};
  let completed = 0;
  const instance = autocannon({
    url: command.url,
    connections: command.connections,
    duration: command.durationSec,
    // Checked this often: the run stops within 100 ms of its duration (autocannon's default is 1 s).
    sampleInt: 100,
    timeout: 30,
    requests: [
      {
        setupRequest: (request) => {
          const operation = nextOperation();
          operations[operation] = (operations[operation] ?? 0) + 1;
          return { ...request, ...buildRequest(operation, users, scenario.listQuery) };
        },
      },
    ],
  });
  // on() returns the instance, which is also the run's promise: awaited below.
  void instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    completed += 1;
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    latencies.add(responseTime);
  });
  const result = await instance;
  const non2xx = Object.entries(statusCounts).reduce((sum, [status, n]) => (status.startsWith('2') ? sum : sum + n), 0);
  return {
    durationSec: result.duration,
    completed,
    sent: result.requests.sent,
    rps: completed / result.duration,
    latencyMs: latencies.summary(),
    statusCounts,
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    operations,
    firstFailure,
  };
}

/** Every user's first request once, so user creation (a first-sight cost) is not measured. */
async function prime(url: string, group: string, concurrency: number): Promise<void> {
  const users = usersOf(group);
  let next = 0;
  const lane = async () => {
    while (next < users.length) {
      const user = users[next++]!;
      const response = await fetch(`${url}/v1/todos?limit=1`, { headers: { authorization: `Bearer ${user.token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`priming ${url}: GET /v1/todos answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function handle(command: WorkerCommand): Promise<WorkerReply | undefined> {
  switch (command.type) {
    case 'users':
      groups.set(command.group, command.users);
      return { type: 'ok', id: command.id };
    case 'prime':
      await prime(command.url, command.group, command.concurrency);
      return { type: 'ok', id: command.id };
    case 'run':
      return { type: 'result', id: command.id, result: await run(command) };
  }
}

/** fetch says only "fetch failed": the reason is in its cause. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}${'code' in error.cause ? ` (${String(error.cause.code)})` : ''}` : '';
  return `${error.message}${cause}`;
}

process.on('message', (command: WorkerCommand) => {
  handle(command).then(
    (reply) => reply && process.send!(reply),
    (error: unknown) => process.send!({ type: 'error', id: command.id, message: describeError(error) }),
  );
});
// The orchestrator went away (even by SIGKILL): do not linger.
process.on('disconnect', () => process.exit(0));
