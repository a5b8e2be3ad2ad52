import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { startBenchDatabase, type BenchDatabase } from './bench-database.js';
import { newBenchSecret, signTokens } from './bench-tokens.js';
import { cleanupAll, installSignalHandlers, onCleanup, wasInterrupted } from './cleanup.js';
import { startLoadGenerator, type LoadGenerator } from './load-client.js';
import { describeMachine } from './machine.js';
import { measurePair, type MeasureContext, type ServerName } from './measure.js';
import { parseOptions, type BenchOptions } from './options.js';
import { readProfile, summariseProfile } from './profile.js';
import { collectFailures, renderMarkdown, writeReport, type BenchReport, type ProfiledRun, type ScenarioRow } from './report.js';
import { readMemory } from './proc-stats.js';
import { runScale } from './scale.js';
import { MAIN_GROUP, SCENARIOS, type BenchUser, type Scenario } from './scenarios.js';
import { analyze, seedTodos, seedUsers, todoIdsBySubject } from './seed.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

// `npm run bench [-- --quick] [--profile[=<scenario>]] [--no-scale] [--only=...] [--connections=...]`: the service against a raw baseline, in one run.
// See options.ts for the flags and report.ts for what is written to test/bench/results/.

const ROOT = path.resolve(import.meta.dirname, '../..');
const RESULTS_DIR = path.join(import.meta.dirname, 'results');
const PROFILES_DIR = path.join(RESULTS_DIR, 'profiles');
const POOL_MAX = 10;

const started = performance.now();
const elapsed = () => Math.round((performance.now() - started) / 1000);
const log = (line: string) => process.stdout.write(`[bench ${String(elapsed()).padStart(4)} s] ${line}\n`);

/** `npx tsc -p tsconfig.build.json` into dist/, as `npm run build` does; resolves with the seconds it took. */
function buildService(): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const stop = onCleanup('tsc build', () => void child.kill('SIGTERM'));
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      void stop();
      if (code === 0) resolve(Math.round((performance.now() - t0) / 100) / 10);
      else reject(new Error(`the build failed (tsc exit ${code}):\n${output}`));
    });
  });
}

/** The database, seeded: users × todos with generate_series, and one signed token per user. */
async function prepareData(options: BenchOptions, secret: string): Promise<{ db: BenchDatabase; users: BenchUser[] }> {
  const db = await startBenchDatabase(process.env.BENCH_DATABASE_URL || undefined);
  log(`database ${db.name} ready on PostgreSQL ${db.serverVersion}; seeding ${options.users} users × ${options.todosPerUser} todos`);
  const subjects = await seedUsers(db.pool, 'bench-user', options.users);
  await seedTodos(db.pool, subjects, options.todosPerUser);
  await analyze(db.pool);
  const seeded = await todoIdsBySubject(db.pool, subjects);
  const tokens = await signTokens(secret, subjects);
  return { db, users: seeded.map((u, i) => ({ token: tokens[i]!, todoIds: u.todoIds })) };
}

// Production settings. The rate limiter still runs on every request, but its quota is raised so the
// scale part, where one user sends thousands of requests a second, is not refused with 429.
function serviceEnv(databaseUrl: string, secret: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    AUTH_JWT_SECRET: secret,
    DATABASE_URL: databaseUrl,
    DB_POOL_MAX: String(POOL_MAX),
    RATE_LIMIT_REQUESTS: '1000000',
  };
}

/**
 * The node flags of `npm start` (package.json), so the service runs here exactly as deployed. The
 * baseline gets them too: --max-semi-space-size is runtime tuning any Node server may have.
 */
const START_FLAGS = ((): string[] => {
  const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const flags = /\bnode ((?:--\S+ )*)dist\/src\/index\.js/.exec(start)?.[1];
  if (flags === undefined) throw new Error(`package.json's start script no longer runs "node [--flags] dist/src/index.js": ${start}`);
  return flags.split(' ').filter(Boolean);
})();

function startService(databaseUrl: string, secret: string, nodeFlags: string[] = []): Promise<ServerProcess> {
  return startServerProcess({
    name: 'service',
    title: 'todo-api-bench-service',
    nodeArgs: [...nodeFlags, ...START_FLAGS, 'dist/src/index.js'],
    env: serviceEnv(databaseUrl, secret),
    cwd: ROOT,
  });
}

function startBaseline(databaseUrl: string, secret: string, nodeFlags: string[] = []): Promise<ServerProcess> {
  return startServerProcess({
    name: 'baseline',
    title: 'todo-api-bench-baseline',
    nodeArgs: [...nodeFlags, ...START_FLAGS, '--import', 'tsx', 'test/bench/baseline-server.ts'],
    env: { AUTH_JWT_SECRET: secret, DATABASE_URL: databaseUrl, DB_POOL_MAX: String(POOL_MAX) },
    cwd: ROOT,
  });
}

/** Which code was measured: the commit, and how many files differ from it in the working tree that was built. */
function codeState(): BenchReport['code'] {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], { cwd: ROOT, encoding: 'utf8' });
    return { commit, changedFiles: status.split('\n').filter(Boolean).length };
  } catch {
    return { commit: 'unknown', changedFiles: 0 };
  }
}

async function getJson(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

/** The baseline must answer what the service answers (same todo JSON, same list page), or the comparison means nothing. */
async function checkSameAnswers(servers: Record<'baseline' | 'service', ServerProcess>, user: BenchUser): Promise<void> {
  for (const path of [`/v1/todos/${user.todoIds[0]}`, '/v1/todos?limit=5&sort=due_at']) {
    const [b, s] = await Promise.all([getJson(`${servers.baseline.url}${path}`, user.token), getJson(`${servers.service.url}${path}`, user.token)]);
    const strip = (x: unknown) => (x && typeof x === 'object' && 'next_cursor' in x ? { ...x, next_cursor: typeof x.next_cursor } : x);
    if (b.status !== 200 || s.status !== 200 || !isDeepStrictEqual(strip(b.body), strip(s.body))) {
      throw new Error(`baseline and service answer GET ${path} differently:\nbaseline ${b.status} ${JSON.stringify(b.body)}\nservice ${s.status} ${JSON.stringify(s.body)}`);
    }
  }
}

async function runScenarios(ctx: MeasureContext, options: BenchOptions): Promise<ScenarioRow[]> {
  const rows: ScenarioRow[] = [];
  for (const scenario of SCENARIOS.filter((s) => options.scenarios?.includes(s.name) ?? true)) {
    for (const connections of options.connections) {
      const pair = await measurePair(ctx, { scenario, connections, durationSec: options.durationSec, warmupSec: options.warmupSec, countStatements: true });
      rows.push({ scenario: scenario.name, label: scenario.label, connections, ...pair });
      const b = pair.baseline;
      const s = pair.service;
      log(
        `${scenario.name.padEnd(6)} c=${String(connections).padEnd(3)} baseline ${Math.round(b.load.rps)} req/s p99 ${b.load.latencyMs.p99.toFixed(1)} ms ${b.statementsPerRequest?.toFixed(2) ?? '-'} stmt/req | ` +
          `service ${Math.round(s.load.rps)} req/s p99 ${s.load.latencyMs.p99.toFixed(1)} ms ${s.statementsPerRequest?.toFixed(2) ?? '-'} stmt/req | ratio ${pair.rpsRatio}` +
          (b.load.non2xx + b.load.errors + s.load.non2xx + s.load.errors > 0 ? '  ⚠ FAILED REQUESTS' : ''),
      );
    }
  }
  return rows;
}

const PROFILE_CONNECTIONS = 32;

/**
 * One scenario against a fresh server under `node --cpu-prof`, stopped with SIGTERM so the profile
 * is written (and kept in results/profiles/ for DevTools). The running server of that name is
 * stopped first: one process per port and role.
 */
async function profileServer(ctx: MeasureContext, name: ServerName, scenario: Scenario, options: BenchOptions, secret: string): Promise<ProfiledRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-bench-prof-'));
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  await ctx.servers[name].stop();
  const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const profiled = name === 'service' ? await startService(ctx.db.url, secret, flags) : await startBaseline(ctx.db.url, secret, flags);
  await ctx.load.prime(profiled.url, MAIN_GROUP);
  await ctx.load.run(profiled.url, scenario, PROFILE_CONNECTIONS, options.warmupSec, false);
  const t0 = performance.now();
  const load = await ctx.load.run(profiled.url, scenario, PROFILE_CONNECTIONS, options.durationSec);
  await profiled.stop();
  const windowUs = (performance.now() - t0) * 1000;
  const profile = readProfile(dir);
  mkdirSync(PROFILES_DIR, { recursive: true });
  writeFileSync(path.join(PROFILES_DIR, `${name}-${scenario.name}.cpuprofile`), JSON.stringify(profile));
  return { load, summary: summariseProfile(profile, ROOT, windowUs, 40) };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const unknown = [...(options.scenarios ?? []), ...(options.profile ? [options.profile] : [])].filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}: the scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}`);
  installSignalHandlers();
  log(`${options.command}: ${options.quick ? 'quick' : 'full'} mode, ${options.durationSec} s per run`);
  const secret = newBenchSecret();
  // The build runs while PostgreSQL starts, the data is seeded and the baseline is primed.
  const code = codeState();
  const build = buildService();
  build.catch(() => {});
  const load: LoadGenerator = startLoadGenerator();
  const { db, users } = await prepareData(options, secret);
  const machine = describeMachine(db.serverVersion);
  await load.setUsers(MAIN_GROUP, users);
  const baseline = await startBaseline(db.url, secret);
  await load.prime(baseline.url, MAIN_GROUP);
  const buildSeconds = await build;
  log(`built the service in ${buildSeconds} s; data seeded; baseline up and primed`);
  const servers = { baseline, service: await startService(db.url, secret) };
  await checkSameAnswers(servers, users[0]!);
  await load.prime(servers.service.url, MAIN_GROUP);
  log(`servers up (baseline ${servers.baseline.url} pid ${servers.baseline.pid}, service ${servers.service.url} pid ${servers.service.pid}); every user primed on both`);
  const ctx: MeasureContext = { db, load, servers };
  describeServers = () => Object.values(ctx.servers).map((s) => s.describe());

  const scenarios = await runScenarios(ctx, options);
  const scale = options.scale ? await runScale(ctx, options, secret, log) : undefined;
  const lifetimePeakRssMb = {
    baseline: toMb(readMemory(servers.baseline.pid)?.peakKb),
    service: toMb(readMemory(servers.service.pid)?.peakKb),
  };
  let profile: BenchReport['profile'];
  const profiled = SCENARIOS.find((s) => s.name === options.profile);
  if (profiled) {
    log(`profile: ${profiled.label} at ${PROFILE_CONNECTIONS} connections under node --cpu-prof, the service then the baseline`);
    const service = await profileServer(ctx, 'service', profiled, options, secret);
    const baseline = await profileServer(ctx, 'baseline', profiled, options, secret);
    profile = { scenario: profiled.label, connections: PROFILE_CONNECTIONS, service, baseline };
  }
  const failures = collectFailures(
    [
      ...scenarios.map((r) => ({ what: `${r.label} at ${r.connections} connections`, pair: r })),
      ...[...(scale?.sizes ?? []), ...(scale?.variants ?? [])].map((r) => ({ what: `scale: ${r.userTodos} todos, ${r.query}`, pair: r })),
    ],
    profile,
  );
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    command: options.command,
    code,
    mode: options.quick ? 'quick' : 'full',
    elapsedSeconds: (performance.now() - started) / 1000,
    machine,
    database: {
      source: db.source,
      roundTrips: db.statementsUnavailable ?? 'counted with pg_stat_statements (track_utility=on)',
    },
    settings: {
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      users: options.users,
      todosPerUser: options.todosPerUser,
      poolMax: POOL_MAX,
      buildSeconds,
      loadGenerator: 'autocannon 9 (programmatic) in its own process',
      nodeFlags: START_FLAGS,
    },
    scenarios,
    loadAverageAtEnd: describeMachine(db.serverVersion).loadAverage,
    lifetimePeakRssMb,
    scale,
    profile,
    failures,
  };
  const files = writeReport(report, RESULTS_DIR, options.partial ? 'partial' : 'latest');
  process.stdout.write(`\n${renderMarkdown(report)}\n`);
  log(`wrote ${path.relative(ROOT, files.markdown)} and ${path.relative(ROOT, files.json)}`);
  if (failures.length > 0) {
    process.stderr.write(`\n⚠ ⚠ ⚠  ${failures.length} run(s) had FAILED REQUESTS: see the top of ${path.relative(ROOT, files.markdown)}  ⚠ ⚠ ⚠\n`);
    return 2;
  }
  return 0;
}

const toMb = (kb: number | undefined) => (kb === undefined || Number.isNaN(kb) ? null : Math.round(kb / 102.4) / 10);

// Set once the servers run: a failure message then says whether one of them died, and what it printed.
let describeServers = (): string[] => [];

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (!wasInterrupted()) {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    for (const line of describeServers()) process.stderr.write(`  ${line}\n`);
  }
} finally {
  log('stopping servers, load generator and PostgreSQL');
  await cleanupAll();
  log('done');
}
process.exit(exitCode);
