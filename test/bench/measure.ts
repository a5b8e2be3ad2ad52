import type { BenchDatabase } from './bench-database.js';
import type { LoadGenerator } from './load-client.js';
import type { LoadResult } from './load-protocol.js';
import { cpuMeter, sampleRss } from './proc-stats.js';
import type { Scenario } from './scenarios.js';
import type { ServerProcess } from './server-process.js';
import { databaseBackends, readStatements, resetStatements, waitForQuiet } from './statements.js';

export type ServerName = 'baseline' | 'service';

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
  servers: Record<ServerName, ServerProcess>;
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
  const server = ctx.servers[serverName];
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
  baseline: Measurement;
  service: Measurement;
  /** service req/s ÷ baseline req/s. */
  rpsRatio: number;
  /** service p99 ÷ baseline p99. */
  p99Ratio: number;
}

/** Baseline first, then the service, over the same data: never both under load at once. */
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

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);

/** Non-2xx answers, connection errors and timeouts of a measurement. */
export const failuresOf = (m: Measurement): number => m.load.non2xx + m.load.errors;
