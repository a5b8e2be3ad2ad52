import type { BenchDatabase } from './bench-database.js';
import type { LoadGenerator } from './load-client.js';
import type { LoadResult } from './load-protocol.js';
import { cpuMeter, sampleRss } from './proc-stats.js';
import { BATCH_SIZE, type Operation, type Scenario } from './scenarios.js';
import type { ServerProcess } from './server-process.js';
import { databaseBackends, readStatements, resetStatements, waitForQuiet } from './statements.js';

/**
 * The two baselines: 'baseline' runs one statement per request without a transaction;
 * 'baseline-tx' wraps each write in BEGIN/COMMIT as the service's contract requires (its reads are
 * the same single statements). Reads are compared with the first, writes with the second.
 */
export type BaselineName = 'baseline' | 'baseline-tx';
export type ServerName = BaselineName | 'service';

/** How the report names each baseline. */
export const BASELINE_LABEL: Record<BaselineName, string> = {
  baseline: 'plain baseline',
  'baseline-tx': 'BEGIN/COMMIT baseline',
};

/**
 * Statements each operation sends, in the service and in the BEGIN/COMMIT baseline: reads 1, writes 3 (BEGIN, the
 * statement, COMMIT), a move 5 (BEGIN, the user row's lock that reserves the end key, the read of the todo and its
 * neighbours, the UPDATE, COMMIT), a batch BEGIN, one statement per operation, COMMIT. The plain baseline sends the same without BEGIN and COMMIT.
 */
export const STATEMENTS_PER_OPERATION: Record<Operation, number> = {
  get: 1,
  list: 1,
  feed: 1,
  create: 3,
  'create-in-list': 3,
  patch: 3,
  move: 5,
  'batch-create': BATCH_SIZE + 2,
  'batch-update': BATCH_SIZE + 2,
};

/** Whether a scenario sends writes: then its ratios are against the BEGIN/COMMIT baseline (the mix too). */
export const hasWrites = (scenario: Scenario): boolean => (Object.entries(scenario.weights) as Array<[Operation, number]>).some(([op, w]) => w > 0 && STATEMENTS_PER_OPERATION[op] > 1);

/** The baseline a scenario's ratios are against. */
export const comparedBaseline = (scenario: Scenario): BaselineName => (hasWrites(scenario) ? 'baseline-tx' : 'baseline');

export interface Measurement {
  server: ServerName;
  load: LoadResult;
  /** Statements sent to PostgreSQL per request (Δcalls ÷ requests sent), or null when not counted. */
  statementsPerRequest: number | null;
  /** The statements behind that number, most called first, with calls per request. */
  statements: Array<{ query: string; calls: number; perRequest: number }> | undefined;
  /** Highest VmRSS of the server process during the measured run, in MB. */
  peakRssMb: number;
  /** Lines the server printed during the run (warnings and errors at LOG_LEVEL=warn), and the first few of them. */
  logLines: number;
  logSample: string[];
  /** CPU time per request of the server process, and of the PostgreSQL sessions of the bench database (null without /proc). */
  serverCpuMsPerRequest: number | null;
  databaseCpuMsPerRequest: number | null;
  /** CPU use of the load generator during the run, in % of one core: near 100 means it, not the server, was the limit. */
  loadGeneratorCpuPercent: number | null;
}

export interface MeasureContext {
  db: BenchDatabase;
  load: LoadGenerator;
  /** The BEGIN/COMMIT baseline runs only when a selected scenario (or the profiled one) has writes. */
  servers: Record<'baseline' | 'service', ServerProcess> & { 'baseline-tx'?: ServerProcess };
}

export function serverOf(ctx: MeasureContext, name: ServerName): ServerProcess {
  const server = ctx.servers[name];
  if (!server) throw new Error(`the ${name} server was not started`);
  return server;
}

export interface MeasureOptions {
  scenario: Scenario;
  connections: number;
  durationSec: number;
  warmupSec: number;
  countStatements: boolean;
}

/** Warm-up, then a measured run against one server with its statements and memory watched. */
export async function measure(ctx: MeasureContext, serverName: ServerName, options: MeasureOptions): Promise<Measurement> {
  const server = serverOf(ctx, serverName);
  const { scenario, connections } = options;
  // The warm-up also sends the one-request-per-operation check, so those requests land before the reset.
  const warmup = await ctx.load.run(server.url, scenario, connections, Math.max(0.1, options.warmupSec), true);
  const counting = options.countStatements && ctx.db.statementsUnavailable === undefined;
  if (counting) {
    await waitForQuiet(ctx.db.admin, ctx.db.name);
    await resetStatements(ctx.db.admin);
  }
  const logLinesBefore = server.logLines();
  const serverCpu = cpuMeter([server.pid]);
  const databaseCpu = cpuMeter(await databaseBackends(ctx.db.admin, ctx.db.name));
  const loadCpu = cpuMeter([ctx.load.pid]);
  const rss = sampleRss(server.pid);
  const load = { ...(await ctx.load.run(server.url, scenario, connections, options.durationSec, false)), firstFailure: warmup.firstFailure };
  const peakKb = rss.stop();
  const loadCpuMs = loadCpu();
  let statementsPerRequest: number | null = null;
  let statements: Measurement['statements'];
  // Requests still queued in the server's pool when the load stopped run now: counted with the requests sent.
  if (counting) await waitForQuiet(ctx.db.admin, ctx.db.name);
  const requests = counting ? load.sent : load.completed;
  const perRequest = (ms: number | undefined) => (ms === undefined || requests === 0 ? null : ms / requests);
  const serverCpuMsPerRequest = perRequest(serverCpu());
  const databaseCpuMsPerRequest = perRequest(databaseCpu());
  if (counting) {
    const counts = await readStatements(ctx.db.admin, ctx.db.name);
    const total = counts.reduce((sum, s) => sum + s.calls, 0);
    statementsPerRequest = load.sent > 0 ? total / load.sent : null;
    statements = counts.slice(0, 15).map((s) => ({ ...s, perRequest: load.sent > 0 ? s.calls / load.sent : 0 }));
  }
  return {
    server: serverName,
    load,
    statementsPerRequest,
    statements,
    peakRssMb: Math.round(peakKb / 102.4) / 10,
    logLines: server.logLines() - logLinesBefore,
    logSample: server.linesAfter(logLinesBefore).map((line) => line.slice(0, 400)),
    serverCpuMsPerRequest,
    databaseCpuMsPerRequest,
    loadGeneratorCpuPercent: loadCpuMs === undefined ? null : Math.round(loadCpuMs / (load.durationSec * 10)),
  };
}

export interface Pair {
  /** The plain baseline (one statement per request, no transaction). */
  baseline: Measurement;
  service: Measurement;
  /** service req/s ÷ plain baseline req/s. */
  rpsRatio: number;
  /** service p99 ÷ plain baseline p99. */
  p99Ratio: number;
}

/** The plain baseline, then the service, over the same data: never both under load at once. */
export async function measurePair(ctx: MeasureContext, options: MeasureOptions): Promise<Pair> {
  const baseline = await measure(ctx, 'baseline', options);
  const service = await measure(ctx, 'service', options);
  return {
    baseline,
    service,
    rpsRatio: ratio(service.load.rps, baseline.load.rps),
    p99Ratio: ratio(service.load.latencyMs.p99, baseline.load.latencyMs.p99),
  };
}

export interface ScenarioMeasurement {
  /** The plain baseline: measured on every scenario. */
  baseline: Measurement;
  /** The BEGIN/COMMIT baseline: measured on the scenarios with writes only (its reads are the plain ones). */
  baselineTx: Measurement | undefined;
  service: Measurement;
  /** Which baseline rpsRatio and p99Ratio are against: 'baseline-tx' for scenarios with writes, else 'baseline'. */
  against: BaselineName;
  /** service req/s ÷ that baseline's req/s. */
  rpsRatio: number;
  /** service p99 ÷ that baseline's p99. */
  p99Ratio: number;
}

/**
 * The plain baseline, then (for a scenario with writes) the BEGIN/COMMIT baseline, then the
 * service, over the same data and one at a time; the ratios are against the compared baseline.
 */
export async function measureScenario(ctx: MeasureContext, options: MeasureOptions): Promise<ScenarioMeasurement> {
  const against = comparedBaseline(options.scenario);
  const baseline = await measure(ctx, 'baseline', options);
  const baselineTx = against === 'baseline-tx' ? await measure(ctx, 'baseline-tx', options) : undefined;
  const service = await measure(ctx, 'service', options);
  const compared = baselineTx ?? baseline;
  return {
    baseline,
    baselineTx,
    service,
    against,
    rpsRatio: ratio(service.load.rps, compared.load.rps),
    p99Ratio: ratio(service.load.latencyMs.p99, compared.load.latencyMs.p99),
  };
}

/** Statements per request a server should send for the requests of a run: STATEMENTS_PER_OPERATION, less BEGIN and COMMIT in the plain baseline. */
export function expectedStatementsPerRequest(server: ServerName, operations: Partial<Record<Operation, number>>): number | null {
  let requests = 0;
  let statements = 0;
  for (const [op, n] of Object.entries(operations) as Array<[Operation, number]>) {
    const inTransaction = STATEMENTS_PER_OPERATION[op];
    requests += n;
    statements += n * (server === 'baseline' && inTransaction > 1 ? inTransaction - 2 : inTransaction);
  }
  return requests > 0 ? statements / requests : null;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);

/** Non-2xx answers, connection errors and timeouts of a measurement. */
export const failuresOf = (m: Measurement): number => m.load.non2xx + m.load.errors;
