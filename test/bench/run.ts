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
import { BASELINE_LABEL, comparedBaseline, hasWrites, measureScenario, serverOf, type BaselineName, type MeasureContext, type Measurement, type ServerName } from './measure.js';
import { parseOptions, type BenchOptions } from './options.js';
import { readProfile, summariseProfile } from './profile.js';
import { batchComparison, checkTargets, collectFailures, renderMarkdown, renderTargets, webhookFailures, writeReport, type BenchReport, type ProfiledRun, type ScenarioRow } from './report.js';
import { readMemory } from './proc-stats.js';
import { runScale } from './scale.js';
import { FEED_GROUP, FEED_PAGE, MAIN_GROUP, SCENARIOS, type BenchUser, type Scenario } from './scenarios.js';
import { analyze, changeCounts, listsBySubject, seedLists, seedTodos, seedUsers, todoIdsBySubject, varyFeed } from './seed.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { runWebhooks } from './webhooks.js';

// `npm run bench [-- --quick] [--profile[=<scenario>]] [--no-scale] [--only=...] [--connections=...]`: the service against two raw
// baselines in one run: reads against the plain one (one statement, no transaction), writes against one that wraps each write in BEGIN/COMMIT.
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

/** The list of every seeded user that list-position, create-in-list and move use (not the default one). */
const BENCH_LIST = 'Bench list';

/** Todos of each feed user deleted after seeding: deletions in their last changes, as a sync client sees them. */
const FEED_DELETIONS = 10;

/** The database, seeded: users × todos in their default list and in a second one with generate_series, feed users, and one signed token per user. */
async function prepareData(options: BenchOptions, secret: string): Promise<{ db: BenchDatabase; users: BenchUser[]; feed: Array<{ token: string; changes: number }> }> {
  const db = await startBenchDatabase(process.env.BENCH_DATABASE_URL || undefined);
  log(`database ${db.name} ready on PostgreSQL ${db.serverVersion}; seeding ${options.users} users × (${options.todosPerUser} + ${options.listTodosPerUser}) todos in two lists`);
  const subjects = await seedUsers(db.pool, 'bench-user', options.users);
  await seedLists(db.pool, subjects, BENCH_LIST);
  await seedTodos(db.pool, subjects, options.todosPerUser);
  await seedTodos(db.pool, subjects, options.listTodosPerUser, { list: BENCH_LIST });
  // The feed users: the seed's INSERT and DELETE write their changes through the feed's triggers, as any writer does.
  const feedSubjects = await seedUsers(db.pool, 'bench-feed', options.feedUsers);
  await seedTodos(db.pool, feedSubjects, options.feedTodosPerUser);
  await varyFeed(db.pool, feedSubjects, FEED_DELETIONS);
  const counts = await changeCounts(db.pool, feedSubjects);
  if (counts.some((n) => n <= FEED_PAGE)) throw new Error(`seed: a feed user has ${Math.min(...counts)} changes, not more than ${FEED_PAGE}: did the feed's triggers run?`);
  await analyze(db.pool);
  const seeded = await todoIdsBySubject(db.pool, subjects);
  const lists = await listsBySubject(db.pool, subjects, BENCH_LIST);
  const tokens = await signTokens(secret, subjects);
  const feedTokens = await signTokens(secret, feedSubjects);
  return {
    db,
    users: seeded.map((u, i) => ({ token: tokens[i]!, todoIds: u.todoIds, list: lists[i] })),
    feed: feedTokens.map((token, i) => ({ token, changes: counts[i]! })),
  };
}

/**
 * Each feed user's cursor with FEED_PAGE changes after it, issued by the service itself: the
 * next_cursor of a first page that leaves exactly that many (the feed starts from the beginning).
 */
async function feedCursors(service: ServerProcess, feed: Array<{ token: string; changes: number }>): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  for (const { token, changes } of feed) {
    const { status, body } = await getJson(`${service.url}/v1/changes?limit=${changes - FEED_PAGE}`, token);
    const cursor = (body as { next_cursor?: string; has_more?: boolean }).next_cursor;
    if (status !== 200 || !cursor || (body as { has_more?: boolean }).has_more !== true) throw new Error(`feed cursor: GET /v1/changes answered ${status} ${JSON.stringify(body).slice(0, 300)}`);
    users.push({ token, todoIds: [], feedCursor: cursor });
  }
  return users;
}

// The change feed's and the webhooks' triggers (migrations 2026.12.01T16.00.00 and 17.00.00), for the *-no-feed scenarios: on the bench database only.
const FEED_TRIGGERS = ['todos', 'lists', 'labels'].flatMap((table) =>
  ['changes', 'webhooks'].flatMap((kind) => ['inserted', 'updated', 'deleted'].map((op) => ({ table, trigger: `${table}_${kind}_${op}` }))),
);

async function setFeedTriggers(db: BenchDatabase, enabled: boolean): Promise<void> {
  for (const { table, trigger } of FEED_TRIGGERS) await db.pool.query(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`);
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
    // No webhook worker in the measured service: its polls would be counted as statements of the
    // scenarios. The webhook part starts its own instances with the worker on (webhooks.ts).
    WEBHOOK_WORKER: 'false',
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

function startService(databaseUrl: string, secret: string, nodeFlags: string[] = [], extraEnv: Record<string, string> = {}, name = 'service'): Promise<ServerProcess> {
  return startServerProcess({
    name,
    title: `todo-api-bench-${name}`,
    nodeArgs: [...nodeFlags, ...START_FLAGS, 'dist/src/index.js'],
    env: { ...serviceEnv(databaseUrl, secret), ...extraEnv },
    cwd: ROOT,
  });
}

/** 'baseline': one statement per request; 'baseline-tx': the same server with BASELINE_TX=1, each write in BEGIN/COMMIT. */
function startBaseline(name: BaselineName, databaseUrl: string, secret: string, nodeFlags: string[] = []): Promise<ServerProcess> {
  return startServerProcess({
    name,
    title: `todo-api-bench-${name}`,
    nodeArgs: [...nodeFlags, ...START_FLAGS, '--import', 'tsx', 'test/bench/baseline-server.ts'],
    env: { AUTH_JWT_SECRET: secret, DATABASE_URL: databaseUrl, DB_POOL_MAX: String(POOL_MAX), BASELINE_TX: name === 'baseline-tx' ? '1' : '0' },
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
async function checkSameAnswers(servers: MeasureContext['servers'], user: BenchUser, feedUser: BenchUser | undefined): Promise<void> {
  if (feedUser) {
    // A feed page must be the same to the byte, next_cursor included: the baseline signs cursors as the service does.
    const path = `/v1/changes?cursor=${encodeURIComponent(feedUser.feedCursor!)}&limit=${FEED_PAGE}`;
    const s = await getJson(`${servers.service.url}${path}`, feedUser.token);
    const b = await getJson(`${servers.baseline.url}${path}`, feedUser.token);
    const changes = (s.body as { data?: unknown[] }).data?.length;
    if (s.status !== 200 || changes !== FEED_PAGE || b.status !== 200 || !isDeepStrictEqual(b.body, s.body)) {
      throw new Error(`baseline and service answer GET ${path} differently (or not with ${FEED_PAGE} changes):\nbaseline ${b.status} ${JSON.stringify(b.body).slice(0, 2000)}\nservice ${s.status} ${JSON.stringify(s.body).slice(0, 2000)}`);
    }
  }
  for (const path of [`/v1/todos/${user.todoIds[0]}`, '/v1/todos?limit=5&sort=due_at', `/v1/todos?list_id=${user.list!.id}&sort=position&limit=5`]) {
    const s = await getJson(`${servers.service.url}${path}`, user.token);
    for (const baseline of [servers.baseline, servers['baseline-tx']]) {
      if (!baseline) continue;
      const b = await getJson(`${baseline.url}${path}`, user.token);
      const strip = (x: unknown) => (x && typeof x === 'object' && 'next_cursor' in x ? { ...x, next_cursor: typeof x.next_cursor } : x);
      if (b.status !== 200 || s.status !== 200 || !isDeepStrictEqual(strip(b.body), strip(s.body))) {
        throw new Error(`${baseline.name} and service answer GET ${path} differently:\n${baseline.name} ${b.status} ${JSON.stringify(b.body)}\nservice ${s.status} ${JSON.stringify(s.body)}`);
      }
    }
  }
}

const figures = (m: Measurement) => `${Math.round(m.load.rps)} req/s p99 ${m.load.latencyMs.p99.toFixed(1)} ms ${m.statementsPerRequest?.toFixed(2) ?? '-'} stmt/req`;
const failed = (...ms: Array<Measurement | undefined>) => ms.some((m) => m && m.load.non2xx + m.load.errors > 0);

async function runScenarios(ctx: MeasureContext, options: BenchOptions): Promise<ScenarioRow[]> {
  const rows: ScenarioRow[] = [];
  for (const scenario of SCENARIOS.filter((s) => options.scenarios?.includes(s.name) ?? true)) {
    for (const connections of options.connections) {
      const triggersOff = scenario.feedTriggers === false;
      if (triggersOff) await setFeedTriggers(ctx.db, false);
      let row: Awaited<ReturnType<typeof measureScenario>>;
      try {
        row = await measureScenario(ctx, { scenario, connections, durationSec: options.durationSec, warmupSec: options.warmupSec, countStatements: true });
      } finally {
        if (triggersOff) await setFeedTriggers(ctx.db, true);
      }
      rows.push({ scenario: scenario.name, label: scenario.label, connections, ...row });
      log(
        `${scenario.name.padEnd(14)} c=${String(connections).padEnd(3)} plain baseline ${figures(row.baseline)} | ` +
          (row.baselineTx ? `BEGIN/COMMIT baseline ${figures(row.baselineTx)} | ` : '') +
          `service ${figures(row.service)}${scenario.batch ? ` (${Math.round(row.service.load.rps * scenario.batch.size)} ops/s)` : ''} | ratio ${row.rpsRatio} vs ${BASELINE_LABEL[row.against]}` +
          (failed(row.baseline, row.baselineTx, row.service) ? '  ⚠ FAILED REQUESTS' : ''),
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
  await serverOf(ctx, name).stop();
  const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const profiled = name === 'service' ? await startService(ctx.db.url, secret, flags) : await startBaseline(name, ctx.db.url, secret, flags);
  await ctx.load.prime(profiled.url, MAIN_GROUP);
  if (scenario.group && scenario.group !== MAIN_GROUP) await ctx.load.prime(profiled.url, scenario.group);
  if (scenario.feedTriggers === false) await setFeedTriggers(ctx.db, false);
  let load: Awaited<ReturnType<LoadGenerator['run']>>;
  let t0: number;
  try {
    await ctx.load.run(profiled.url, scenario, PROFILE_CONNECTIONS, options.warmupSec, false);
    t0 = performance.now();
    load = await ctx.load.run(profiled.url, scenario, PROFILE_CONNECTIONS, options.durationSec);
  } finally {
    if (scenario.feedTriggers === false) await setFeedTriggers(ctx.db, true);
  }
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
  const { db, users, feed } = await prepareData(options, secret);
  const machine = describeMachine(db.serverVersion);
  await load.setUsers(MAIN_GROUP, users);
  // The BEGIN/COMMIT baseline is only needed when something with writes is measured or profiled.
  const selected = SCENARIOS.filter((s) => (options.scenarios?.includes(s.name) ?? true) || s.name === options.profile);
  const baselines: BaselineName[] = selected.some(hasWrites) ? ['baseline', 'baseline-tx'] : ['baseline'];
  const baselineServers: Partial<Record<BaselineName, ServerProcess>> = {};
  for (const name of baselines) {
    const server = await startBaseline(name, db.url, secret);
    baselineServers[name] = server;
    await load.prime(server.url, MAIN_GROUP);
  }
  const buildSeconds = await build;
  log(`built the service in ${buildSeconds} s; data seeded; ${baselines.map((b) => BASELINE_LABEL[b]).join(' and ')} up and primed`);
  const servers: MeasureContext['servers'] = { baseline: baselineServers.baseline!, 'baseline-tx': baselineServers['baseline-tx'], service: await startService(db.url, secret) };
  const wantsFeed = selected.some((s) => s.group === FEED_GROUP);
  const feedUsers = wantsFeed ? await feedCursors(servers.service, feed) : [];
  await checkSameAnswers(servers, users[0]!, feedUsers[0]);
  await load.prime(servers.service.url, MAIN_GROUP);
  if (wantsFeed) {
    await load.setUsers(FEED_GROUP, feedUsers);
    for (const server of Object.values(servers)) if (server) await load.prime(server.url, FEED_GROUP);
  }
  const where = (s: ServerProcess | undefined) => (s ? [`${s.name} ${s.url} pid ${s.pid}`] : []);
  log(`servers up (${[...where(servers.baseline), ...where(servers['baseline-tx']), ...where(servers.service)].join(', ')}); every user primed on each`);
  const ctx: MeasureContext = { db, load, servers };
  describeServers = () => Object.values(ctx.servers).flatMap((s) => (s ? [s.describe()] : []));

  const scenarios = await runScenarios(ctx, options);
  const scale = options.scale ? await runScale(ctx, options, secret, log) : undefined;
  const webhooks = options.webhooks
    ? await runWebhooks(
        {
          pool: db.pool,
          statements: db.statementsUnavailable === undefined ? { admin: db.admin, database: db.name } : undefined,
          secret,
          log,
          startService: (env) => startService(db.url, secret, [], env, 'service-webhooks'),
        },
        options.webhooks,
      )
    : undefined;
  const lifetimePeakRssMb = {
    baseline: toMb(readMemory(servers.baseline.pid)?.peakKb),
    baselineTx: servers['baseline-tx'] ? toMb(readMemory(servers['baseline-tx'].pid)?.peakKb) : null,
    service: toMb(readMemory(servers.service.pid)?.peakKb),
  };
  let profile: BenchReport['profile'];
  const profiled = SCENARIOS.find((s) => s.name === options.profile);
  if (profiled) {
    // Against the baseline its ratios are against: the BEGIN/COMMIT one for a scenario with writes.
    const against = comparedBaseline(profiled);
    log(`profile: ${profiled.label} at ${PROFILE_CONNECTIONS} connections under node --cpu-prof, the service then the ${BASELINE_LABEL[against]}`);
    const service = await profileServer(ctx, 'service', profiled, options, secret);
    const baseline = await profileServer(ctx, against, profiled, options, secret);
    profile = { scenario: profiled.label, connections: PROFILE_CONNECTIONS, against, service, baseline };
  }
  const failures = collectFailures(
    [
      ...scenarios.map((r) => ({ what: `${r.label} at ${r.connections} connections`, pair: r })),
      ...[...(scale?.sizes ?? []), ...(scale?.lists ?? []), ...(scale?.variants ?? [])].map((r) => ({ what: `scale: ${r.userTodos} todos, ${r.query}`, pair: r })),
    ],
    profile,
  );
  failures.push(...webhookFailures(webhooks));
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
      listTodosPerUser: options.listTodosPerUser,
      feedUsers: options.feedUsers,
      feedTodosPerUser: options.feedTodosPerUser,
      poolMax: POOL_MAX,
      buildSeconds,
      loadGenerator: 'autocannon 9 (programmatic) in its own process',
      nodeFlags: START_FLAGS,
    },
    scenarios,
    batches: batchComparison(scenarios),
    loadAverageAtEnd: describeMachine(db.serverVersion).loadAverage,
    lifetimePeakRssMb,
    scale,
    webhooks,
    profile,
    failures,
    targets: checkTargets(scenarios, lifetimePeakRssMb),
  };
  const files = writeReport(report, RESULTS_DIR, options.partial ? 'partial' : 'latest');
  process.stdout.write(`\n${renderMarkdown(report)}\n`);
  // The summary again at the very end, where the eye lands.
  process.stdout.write(`${renderTargets(report).join('\n')}\n\n`);
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
