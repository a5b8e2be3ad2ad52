import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { signTokens } from './bench-tokens.js';
import { onCleanup } from './cleanup.js';
import { cpuMeter } from './proc-stats.js';
import { analyze, seedTodos, seedUsers } from './seed.js';
import type { ServerProcess } from './server-process.js';
import { readStatements, resetStatements } from './statements.js';

// Webhook delivery, by the service's own worker (WEBHOOK_WORKER=true in a service process of its
// own), to a receiver in this process: an https server on loopback (production refuses plain http
// targets) with a self-signed certificate the service trusts through NODE_EXTRA_CA_CERTS, answering
// 204 to every POST and noting when each todo's event arrived.
// - Latency: creates at a fixed rate for some seconds; latency = arrival − the moment the create's
//   answer reached the client (the commit happened before the answer was sent, so this is commit to
//   delivery, a little short by the answer's way back over loopback). Also given: arrival − the
//   event's `timestamp` (the statement's time inside the transaction, before the commit).
// - Throughput: a backlog queued with no worker running (one bulk INSERT of todos: the triggers
//   write the events and deliveries), then one instance started: deliveries per second from the
//   first arrival to the last.

export interface WebhookOptions {
  users: number;
  /** Creates per second in the latency runs, and for how many seconds. */
  rate: number;
  durationSec: number;
  /** WEBHOOK_POLL_INTERVAL_MS of each latency run (WEBHOOK_CONCURRENCY: its default, 8). */
  pollIntervalsMs: number[];
  /** WEBHOOK_CONCURRENCY of each throughput run, and the queued events it drains. */
  concurrencies: number[];
  backlog: number;
}

interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LatencyRun {
  pollIntervalMs: number;
  concurrency: number;
  /** Creates per second asked for, and sent (a busy machine may fall behind). */
  targetRate: number;
  sentRate: number;
  durationSec: number;
  creates: number;
  /** Creates that did not answer 201. */
  createFailures: number;
  createLatencyMs: Percentiles;
  /** Events of the run's creates that arrived, did not within the wait, and arrived more than once. */
  delivered: number;
  missing: number;
  duplicates: number;
  /** Arrival − the create's answer (commit to delivery). */
  latencyMs: Percentiles;
  /** Arrival − the event's `timestamp` (statement time, before the commit), ms precision. */
  fromEventTimestampMs: Percentiles;
}

export interface ThroughputRun {
  concurrency: number;
  pollIntervalMs: number;
  backlog: number;
  delivered: number;
  missing: number;
  duplicates: number;
  /** From the first arrival to the last, and deliveries per second over it. */
  seconds: number;
  perSecond: number;
  /** From the moment the instance answered /health/live to the last arrival. */
  secondsFromStart: number;
  /** CPU ms per delivery of the service process that delivered (its worker; the API was idle). */
  serverCpuMsPerDelivery: number | null;
  /** Statements per delivery in the bench database while it ran (the instance's start-up included), and the most called ones; null when not counted. */
  statementsPerDelivery: number | null;
  statements: Array<{ query: string; calls: number; perDelivery: number }> | undefined;
}

export interface WebhookResult {
  users: number;
  receiver: string;
  latency: LatencyRun[];
  throughput: ThroughputRun[];
}

export interface WebhookContext {
  pool: pg.Pool;
  /** Monitoring connection and the bench database's name, for pg_stat_statements (undefined: not counted). */
  statements: { admin: pg.Pool; database: string } | undefined;
  secret: string;
  /** A service process with these settings on top of the bench's production ones. */
  startService: (env: Record<string, string>) => Promise<ServerProcess>;
  log: (line: string) => void;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(at(50)), p90: round(at(90)), p99: round(at(99)), max: round(at(100)), mean: round(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)) };
}

/** A self-signed certificate for 127.0.0.1 (openssl), in a temp dir removed at the end. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer; certFile: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-bench-tls-'));
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

class Receiver {
  /** First arrival of each todo's event, and the event's `timestamp`. */
  readonly arrivals = new Map<string, number>();
  readonly eventTimes = new Map<string, number>();
  private readonly seen = new Set<string>();
  received = 0;
  duplicates = 0;
  first = Number.NaN;
  last = Number.NaN;

  constructor(readonly server: https.Server) {
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = now();
        res.writeHead(204).end();
        const id = req.headers['webhook-id'];
        if (typeof id === 'string' && this.seen.has(id)) {
          this.duplicates += 1;
          return;
        }
        if (typeof id === 'string') this.seen.add(id);
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp?: string; data?: { object?: { id?: string } } };
          const todo = body.data?.object?.id;
          if (!todo || this.arrivals.has(todo)) return;
          this.arrivals.set(todo, at);
          if (body.timestamp) this.eventTimes.set(todo, Date.parse(body.timestamp));
          this.received += 1;
          if (Number.isNaN(this.first)) this.first = at;
          this.last = at;
        } catch {
          // not an event of ours: counted nowhere
        }
      });
    });
  }

  /** Counts from zero (the arrivals stay: ids are never reused). */
  reset(): void {
    this.received = 0;
    this.duplicates = 0;
    this.first = Number.NaN;
    this.last = Number.NaN;
  }
}

async function startReceiver(key: Buffer, cert: Buffer): Promise<{ receiver: Receiver; url: string }> {
  const server = https.createServer({ key, cert, keepAliveTimeout: 65_000 });
  const receiver = new Receiver(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup('webhook receiver', () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { receiver, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(50);
  }
  return done();
}

const pending = async (pool: pg.Pool) => Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'")).rows[0]!.n);

interface Created {
  todoId: string | undefined;
  status: number;
  sentAt: number;
  answeredAt: number;
}

/** `rate` creates a second for `seconds`, each for the next user in turn; each one's answer time and todo id. */
async function createsAtRate(url: string, tokens: string[], rate: number, seconds: number): Promise<{ created: Created[]; sendingSec: number }> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const started = performance.now();
  const requests: Array<Promise<Created>> = [];
  for (let i = 0; i < total; i++) {
    const wait = started + i * interval - performance.now();
    if (wait >= 1) await sleep(wait);
    const token = tokens[i % tokens.length]!;
    requests.push(
      (async () => {
        const sentAt = now();
        try {
          const response = await fetch(`${url}/v1/todos`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ title: `Webhook bench #${i}`, priority: 'low' }),
          });
          const answeredAt = now();
          const body = (await response.json()) as { id?: string };
          return { todoId: response.status === 201 ? body.id : undefined, status: response.status, sentAt, answeredAt };
        } catch {
          return { todoId: undefined, status: 0, sentAt, answeredAt: now() };
        }
      })(),
    );
  }
  // The last one was sent here: the rate actually sent (a machine short of CPU falls behind the schedule).
  const sendingSec = (performance.now() - started) / 1000;
  return { created: await Promise.all(requests), sendingSec };
}

const workerEnv = (pollIntervalMs: number, concurrency: number, certFile: string): Record<string, string> => ({
  WEBHOOK_WORKER: 'true',
  WEBHOOK_POLL_INTERVAL_MS: String(pollIntervalMs),
  WEBHOOK_CONCURRENCY: String(concurrency),
  // The receiver is on loopback: allowed for the bench, as the variable exists for.
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  NODE_EXTRA_CA_CERTS: certFile,
});

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_POLL_MS = 500;
const DRAIN_TIMEOUT_MS = 60_000;

async function latencyRun(ctx: WebhookContext, receiver: Receiver, certFile: string, tokens: string[], options: WebhookOptions, pollIntervalMs: number): Promise<LatencyRun> {
  const service = await ctx.startService(workerEnv(pollIntervalMs, DEFAULT_CONCURRENCY, certFile));
  try {
    // Warm-up: half a second at the rate, delivered, before the measured run.
    const warm = await createsAtRate(service.url, tokens, options.rate, 0.5);
    await waitUntil(() => warm.created.every((c) => !c.todoId || receiver.arrivals.has(c.todoId)), DRAIN_TIMEOUT_MS);
    receiver.reset();
    const { created, sendingSec } = await createsAtRate(service.url, tokens, options.rate, options.durationSec);
    const ok = created.filter((c): c is Created & { todoId: string } => c.todoId !== undefined);
    await waitUntil(() => ok.every((c) => receiver.arrivals.has(c.todoId)), DRAIN_TIMEOUT_MS);
    const arrived = ok.filter((c) => receiver.arrivals.has(c.todoId));
    return {
      pollIntervalMs,
      concurrency: DEFAULT_CONCURRENCY,
      targetRate: options.rate,
      sentRate: Math.round(created.length / Math.max(sendingSec, options.durationSec)),
      durationSec: options.durationSec,
      creates: created.length,
      createFailures: created.length - ok.length,
      createLatencyMs: percentiles(created.map((c) => c.answeredAt - c.sentAt)),
      delivered: arrived.length,
      missing: ok.length - arrived.length,
      duplicates: receiver.duplicates,
      latencyMs: percentiles(arrived.map((c) => receiver.arrivals.get(c.todoId)! - c.answeredAt)),
      fromEventTimestampMs: percentiles(arrived.flatMap((c) => (receiver.eventTimes.has(c.todoId) ? [receiver.arrivals.get(c.todoId)! - receiver.eventTimes.get(c.todoId)!] : []))),
    };
  } finally {
    await service.stop();
  }
}

async function throughputRun(ctx: WebhookContext, receiver: Receiver, certFile: string, subjects: string[], options: WebhookOptions, concurrency: number): Promise<ThroughputRun> {
  // Queued with no worker running: one INSERT of backlog todos over the users; the triggers write an event and a delivery each.
  const left = await pending(ctx.pool);
  if (left > 0) throw new Error(`webhooks: ${left} deliveries still pending before the backlog run`);
  await seedTodos(ctx.pool, subjects, Math.ceil(options.backlog / subjects.length));
  const backlog = await pending(ctx.pool);
  await analyze(ctx.pool);
  receiver.reset();
  if (ctx.statements) await resetStatements(ctx.statements.admin);
  const service = await ctx.startService(workerEnv(DEFAULT_POLL_MS, concurrency, certFile));
  const startedAt = now();
  const cpu = cpuMeter([service.pid]);
  try {
    await waitUntil(async () => receiver.received >= backlog && (await pending(ctx.pool)) === 0, DRAIN_TIMEOUT_MS * 2);
    const cpuMs = cpu();
    const counts = ctx.statements ? await readStatements(ctx.statements.admin, ctx.statements.database) : undefined;
    const total = counts?.reduce((sum, c) => sum + c.calls, 0);
    const per = (n: number) => (receiver.received > 0 ? Math.round((n / receiver.received) * 1000) / 1000 : 0);
    const seconds = (receiver.last - receiver.first) / 1000;
    return {
      concurrency,
      pollIntervalMs: DEFAULT_POLL_MS,
      backlog,
      delivered: receiver.received,
      missing: backlog - receiver.received,
      duplicates: receiver.duplicates,
      seconds: Math.round(seconds * 100) / 100,
      perSecond: seconds > 0 ? Math.round((receiver.received - 1) / seconds) : Number.NaN,
      secondsFromStart: Math.round((receiver.last - startedAt) / 10) / 100,
      serverCpuMsPerDelivery: cpuMs === undefined || receiver.received === 0 ? null : Math.round((cpuMs / receiver.received) * 1000) / 1000,
      statementsPerDelivery: total === undefined ? null : per(total),
      statements: counts?.slice(0, 8).map((c) => ({ ...c, perDelivery: per(c.calls) })),
    };
  } finally {
    await service.stop();
  }
}

/** Seeds the webhook users, registers one endpoint each (through the API), then the latency and the throughput runs. */
export async function runWebhooks(ctx: WebhookContext, options: WebhookOptions): Promise<WebhookResult> {
  const { key, cert, certFile } = selfSignedCertificate();
  const { receiver, url } = await startReceiver(key, cert);
  const subjects = await seedUsers(ctx.pool, 'bench-hook', options.users);
  const tokens = await signTokens(ctx.secret, subjects);
  const registrar = await ctx.startService(workerEnv(DEFAULT_POLL_MS, DEFAULT_CONCURRENCY, certFile));
  try {
    for (const token of tokens) {
      const response = await fetch(`${registrar.url}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, events: ['todo.created'], description: 'bench receiver' }),
      });
      if (response.status !== 201) throw new Error(`webhooks: POST /v1/webhooks answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      await response.arrayBuffer();
    }
  } finally {
    await registrar.stop();
  }
  ctx.log(`webhooks: ${options.users} users with an endpoint each (todo.created) at ${url}`);
  const latency: LatencyRun[] = [];
  for (const poll of options.pollIntervalsMs) {
    const run = await latencyRun(ctx, receiver, certFile, tokens, options, poll);
    latency.push(run);
    ctx.log(
      `webhooks latency poll=${poll} ms c=${run.concurrency}: ${run.creates} creates at ${run.sentRate}/s (create p99 ${run.createLatencyMs.p99} ms), ` +
        `${run.delivered} delivered, ${run.missing} missing; commit→delivery p50 ${run.latencyMs.p50} ms p99 ${run.latencyMs.p99} ms max ${run.latencyMs.max} ms`,
    );
  }
  const throughput: ThroughputRun[] = [];
  for (const concurrency of options.concurrencies) {
    const run = await throughputRun(ctx, receiver, certFile, subjects, options, concurrency);
    throughput.push(run);
    ctx.log(`webhooks backlog c=${concurrency}: ${run.delivered} of ${run.backlog} delivered in ${run.seconds} s = ${run.perSecond}/s (${run.secondsFromStart} s from start), ${run.serverCpuMsPerDelivery ?? 'n/a'} CPU ms and ${run.statementsPerDelivery ?? 'n/a'} statements per delivery`);
  }
  return { users: options.users, receiver: 'https on loopback in the bench process (self-signed certificate, trusted by NODE_EXTRA_CA_CERTS), answering 204', latency, throughput };
}
