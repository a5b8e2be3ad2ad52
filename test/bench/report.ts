import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load-protocol.js';
import type { Machine } from './machine.js';
import { failuresOf, type Measurement, type Pair } from './measure.js';
import type { ProfileSummary } from './profile.js';
import type { ScaleResult, ScaleRow } from './scale.js';

export interface ScenarioRow extends Pair {
  scenario: string;
  label: string;
  connections: number;
}

export interface ProfiledRun {
  load: LoadResult;
  summary: ProfileSummary;
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  /** The commit, and the files under src/ and migrations/ that differed from it when the service was built. */
  code: { commit: string; changedFiles: number };
  mode: 'quick' | 'full';
  elapsedSeconds: number;
  machine: Machine;
  database: { source: string; roundTrips: string };
  settings: {
    durationSec: number;
    warmupSec: number;
    users: number;
    todosPerUser: number;
    poolMax: number;
    buildSeconds: number;
    loadGenerator: string;
    /** Node flags of both servers: those of `npm start`. */
    nodeFlags: string[];
  };
  scenarios: ScenarioRow[];
  /** 1-minute load average when the run ended (the start is in `machine`). */
  loadAverageAtEnd: number;
  /** Peak RSS over each server's whole life (VmHWM), in MB. */
  lifetimePeakRssMb: { baseline: number | null; service: number | null };
  scale: ScaleResult | undefined;
  /** --profile: the service (the point) and the baseline (what the same work costs without the framework and ORM). */
  profile: { scenario: string; connections: number; service: ProfiledRun; baseline: ProfiledRun } | undefined;
  /** Every run that had a non-2xx answer, a connection error or a timeout. */
  failures: string[];
}

/** Human-readable lines for every measurement with failed requests: the report leads with them. */
export function collectFailures(
  rows: Array<{ what: string; pair: { baseline: Measurement | undefined; service: Measurement } }>,
  profile?: { service: ProfiledRun; baseline: ProfiledRun },
): string[] {
  const out: string[] = [];
  const describe = (what: string, m: Measurement) => {
    if (failuresOf(m) === 0 && !m.load.firstFailure) return;
    const statuses = Object.entries(m.load.statusCounts).filter(([s]) => !s.startsWith('2')).map(([s, n]) => `${n}× ${s}`);
    out.push(`${what}, ${m.server}: ${m.load.non2xx} non-2xx (${statuses.join(', ') || 'none'}), ${m.load.errors} connection errors/timeouts${m.load.firstFailure ? `; pre-run check: ${m.load.firstFailure}` : ''}`);
  };
  for (const { what, pair } of rows) {
    if (pair.baseline) describe(what, pair.baseline);
    describe(what, pair.service);
  }
  for (const [server, run] of [['service', profile?.service], ['baseline', profile?.baseline]] as const) {
    if (run && run.load.non2xx + run.load.errors > 0) out.push(`profile run, ${server}: ${run.load.non2xx} non-2xx, ${run.load.errors} errors`);
  }
  return out;
}

export function writeReport(report: BenchReport, dir: string, name: 'latest' | 'partial'): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${name}.json`);
  const markdown = path.join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}

const fixed = (n: number | null | undefined, digits = 2): string => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const code = (sql: string, max = 220) => `\`${(sql.length > max ? `${sql.slice(0, max)}…` : sql).replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
const fails = (m: Measurement) => failuresOf(m);

export function renderMarkdown(r: BenchReport): string {
  const lines: string[] = [];
  lines.push('# Benchmark: the service against a raw node:http + pg baseline', '');
  if (r.failures.length > 0) {
    lines.push('> **⚠ ERRORS: some requests failed (non-2xx, connection errors or timeouts). The numbers of those runs are not comparable.**', '>');
    for (const f of r.failures) lines.push(`> - ${f}`);
    lines.push('');
  } else {
    lines.push('No errors: every request of every run answered 2xx.', '');
  }
  lines.push(...header(r), '', ...mainTable(r), '', ...cpuTable(r), '', ...serverOutput(r), ...statementLists(r));
  if (r.scale) lines.push('', ...scaleTables(r.scale));
  if (r.profile) lines.push('', ...profileSection(r.profile));
  lines.push('', ...notes());
  return `${lines.join('\n')}\n`;
}

function header(r: BenchReport): string[] {
  const m = r.machine;
  return [
    `- Command: \`${r.command}\` (${r.mode} mode), ${r.generatedAt}, took ${Math.round(r.elapsedSeconds)} s`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; 1-minute load average ${m.loadAverage} at the start, ${r.loadAverageAtEnd} at the end (other work on the machine makes every number worse)`,
    `- Code: commit ${r.code.commit}${r.code.changedFiles > 0 ? ` plus ${r.code.changedFiles} uncommitted changed files under src/ and migrations/ (the working tree as built)` : ''}`,
    `- Node ${m.node}; PostgreSQL ${m.postgres} (${r.database.source})`,
    `- Data: ${int(r.settings.users)} users × ${r.settings.todosPerUser} todos; each request picks a random user and one of that user's todos, with a pre-signed HS256 token`,
    `- Runs: ${r.settings.warmupSec} s warm-up, then ${r.settings.durationSec} s measured, baseline then service for each row; pool max ${r.settings.poolMax} in both; node flags of both (those of \`npm start\`): \`${r.settings.nodeFlags.join(' ')}\`; load by ${r.settings.loadGenerator}`,
    `- Round trips: ${r.database.roundTrips}`,
  ];
}

function mainTable(r: BenchReport): string[] {
  const lines = [
    '## Throughput, latency, round trips and memory',
    '',
    'Ratios are service ÷ baseline: req/s below 1 and p99 above 1 mean the service is slower. Latency in ms.',
    '',
    '| scenario | conns | base req/s | svc req/s | req/s ratio | base p50 | svc p50 | base p99 | svc p99 | p99 ratio | base stmts/req | svc stmts/req | base RSS MB | svc RSS MB | failed (base/svc) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.scenarios) {
    const { baseline: b, service: s } = row;
    lines.push(
      `| ${row.label} | ${row.connections} | ${int(b.load.rps)} | ${int(s.load.rps)} | ${fixed(row.rpsRatio)} | ${fixed(b.load.latencyMs.p50)} | ${fixed(s.load.latencyMs.p50)} | ${fixed(b.load.latencyMs.p99)} | ${fixed(s.load.latencyMs.p99)} | ${fixed(row.p99Ratio)} | ${fixed(b.statementsPerRequest)} | ${fixed(s.statementsPerRequest)} | ${fixed(b.peakRssMb, 0)} | ${fixed(s.peakRssMb, 0)} | ${fails(b)}/${fails(s)} |`,
    );
  }
  lines.push('', `Peak RSS over each process's whole life (VmHWM): baseline ${fixed(r.lifetimePeakRssMb.baseline, 0)} MB, service ${fixed(r.lifetimePeakRssMb.service, 0)} MB.`);
  return lines;
}

/** Where the time goes: CPU per request in each server process and in PostgreSQL. */
function cpuTable(r: BenchReport): string[] {
  const lines = [
    '## CPU per request',
    '',
    "CPU ms per request of the server process (/proc/<pid>/stat) and of the PostgreSQL sessions of the bench database; the load generator's CPU in % of one core (near 100: it was the limit).",
    '',
    '| scenario | conns | base server | svc server | server ratio | base PostgreSQL | svc PostgreSQL | load gen % (base/svc) | server log lines (base/svc) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.scenarios) {
    const { baseline: b, service: s } = row;
    const ratio = b.serverCpuMsPerRequest && s.serverCpuMsPerRequest ? s.serverCpuMsPerRequest / b.serverCpuMsPerRequest : null;
    lines.push(
      `| ${row.label} | ${row.connections} | ${fixed(b.serverCpuMsPerRequest, 3)} | ${fixed(s.serverCpuMsPerRequest, 3)} | ${fixed(ratio)} | ${fixed(b.databaseCpuMsPerRequest, 3)} | ${fixed(s.databaseCpuMsPerRequest, 3)} | ${b.loadGeneratorCpuPercent ?? 'n/a'}/${s.loadGeneratorCpuPercent ?? 'n/a'} | ${b.logLines}/${s.logLines} |`,
    );
  }
  return lines;
}

/** What a server printed during a measured run (at LOG_LEVEL=warn, only warnings and errors should appear). */
function serverOutput(r: BenchReport): string[] {
  const printed = r.scenarios.flatMap((row) =>
    [row.baseline, row.service].filter((m) => m.logLines > 0).map((m) => ({ what: `${row.label} at ${row.connections} connections, ${m.server}`, m })),
  );
  if (printed.length === 0) return [];
  const lines = ['## Server output during the runs', ''];
  for (const { what, m } of printed) {
    lines.push(`- ${what}: ${m.logLines} lines, first: ${m.logSample.slice(0, 3).map((l) => code(l, 300)).join(' / ')}`);
  }
  return [...lines, ''];
}

/** The statements behind each single-operation scenario, at the middle connection count. */
function statementLists(r: BenchReport): string[] {
  const counts = [...new Set(r.scenarios.map((s) => s.connections))];
  const connections = counts[Math.floor(counts.length / 2)];
  const lines = [`## Statements per request, by text (${connections} connections)`, ''];
  for (const row of r.scenarios.filter((s) => s.connections === connections && s.scenario !== 'mix')) {
    lines.push(`### ${row.label}`, '');
    if (!row.service.statements) {
      lines.push('Not counted (pg_stat_statements unavailable).', '');
      continue;
    }
    lines.push(`Service: ${fixed(row.service.statementsPerRequest)} statements per request; baseline: ${fixed(row.baseline.statementsPerRequest)}.`, '');
    lines.push('| server | calls | per request | statement |', '| --- | ---: | ---: | --- |');
    for (const m of [row.service, row.baseline]) {
      for (const s of m.statements ?? []) {
        if (s.perRequest < 0.005) continue;
        lines.push(`| ${m.server} | ${int(s.calls)} | ${fixed(s.perRequest)} | ${code(s.query)} |`);
      }
    }
    lines.push('');
  }
  return lines;
}

function scaleRow(label: string, row: ScaleRow): string {
  const { baseline: b, service: s } = row;
  const base = (value: (m: Measurement) => string) => (b ? value(b) : '–');
  return `| ${label} | ${base((m) => fixed(m.load.latencyMs.p50))} | ${base((m) => fixed(m.load.latencyMs.p99))} | ${fixed(s.load.latencyMs.p50)} | ${fixed(s.load.latencyMs.p99)} | ${fixed(row.p99Ratio)} | ${base((m) => int(m.load.rps))} | ${int(s.load.rps)} | ${base((m) => String(fails(m)))}/${fails(s)} |`;
}

function scaleTables(scale: ScaleResult): string[] {
  const head = '| base p50 | base p99 | svc p50 | svc p99 | p99 ratio | base req/s | svc req/s | failed (base/svc) |';
  const align = '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const biggest = scale.variants[0]?.userTodos ?? 0;
  return [
    '## Scale: GET /v1/todos as one user grows',
    '',
    `${int(scale.tableRows)} rows in the todos table (seeded in ${scale.seedSeconds} s, then VACUUM ANALYZE); ${scale.connections} connections, ${scale.durationSec} s per run; latency in ms.${scale.note ? ` **${scale.note}.**` : ''}`,
    '',
    `| todos of the user ${head}`,
    `| ---: ${align}`,
    ...scale.sizes.map((row) => scaleRow(int(row.userTodos), row)),
    '',
    `### First page with each filter and sort (user with ${int(biggest)} todos)`,
    '',
    `${scale.variantDurationSec} s per run.`,
    '',
    `| query ${head}`,
    `| --- ${align}`,
    ...scale.variants.map((row) => scaleRow(code(row.query, 80), row)),
  ];
}

const usPerRequest = (ms: number, run: ProfiledRun) => (run.load.sent > 0 ? (ms * 1000) / run.load.sent : Number.NaN);

function profileRunLine(name: string, run: ProfiledRun): string {
  const s = run.summary;
  return `${name}: ${int(run.load.rps)} req/s under \`node --cpu-prof\`, ${s.windowMs} ms window (start-up and warm-up left out), a sample every ${s.intervalUs} µs, ${s.busyMs} ms busy (${fixed(usPerRequest(s.busyMs, run), 0)} µs per request), ${s.idlePercent}% idle.`;
}

function topTable(run: ProfiledRun): string[] {
  return [
    '| # | function | location | self ms | % of busy | µs per request |',
    '| ---: | --- | --- | ---: | ---: | ---: |',
    ...run.summary.top.slice(0, 10).map(
      (f, i) => `| ${i + 1} | ${code(f.functionName, 60)} | ${code(f.location, 100)} | ${fixed(f.selfMs, 1)} | ${fixed(f.percent, 1)} | ${fixed(usPerRequest(f.selfMs, run), 1)} |`,
    ),
  ];
}

/** Self time per request by area, side by side: what the service spends that the baseline does not. */
function areaTable(service: ProfiledRun, baseline: ProfiledRun): string[] {
  const areas = new Map<string, { service: number; baseline: number }>();
  for (const a of service.summary.byArea) areas.set(a.area, { service: usPerRequest(a.selfMs, service), baseline: 0 });
  for (const a of baseline.summary.byArea) {
    areas.set(a.area, { service: areas.get(a.area)?.service ?? 0, baseline: usPerRequest(a.selfMs, baseline) });
  }
  const rows = [...areas.entries()].sort((a, b) => b[1].service - a[1].service);
  return [
    '| area | service µs/request | baseline µs/request | difference |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(([area, v]) => `| ${area} | ${fixed(v.service, 1)} | ${fixed(v.baseline, 1)} | ${fixed(v.service - v.baseline, 1)} |`),
  ];
}

function profileSection(p: NonNullable<BenchReport['profile']>): string[] {
  return [
    `## CPU profiles (${p.scenario}, ${p.connections} connections)`,
    '',
    `- ${profileRunLine('Service', p.service)}`,
    `- ${profileRunLine('Baseline', p.baseline)}`,
    '',
    'The ten functions with the most self time in the service (self time = samples × sampling interval, grouped by function, file and line; idle excluded; the JSON file holds the top 40). The profiler samples on a wall clock, so on a machine short of cores a native call such as `writev` also collects the time the thread waited for a core; the per-request CPU table above is the exact CPU figure.',
    '',
    ...topTable(p.service),
    '',
    'Self time per request by where the code lives, the service against the baseline:',
    '',
    ...areaTable(p.service, p.baseline),
    '',
    'The baseline\'s ten, for comparison:',
    '',
    ...topTable(p.baseline),
  ];
}

function notes(): string[] {
  return [
    '## How it was measured',
    '',
    '- The service is the production build (`npx tsc -p tsconfig.build.json`, `node --title=todo-api-bench-service <the node flags of npm start> dist/src/index.js`, NODE_ENV=production, LOG_LEVEL=warn, RATE_LIMIT_REQUESTS=1000000 so the one-user scale runs are not refused; the limiter still runs). The baseline is `test/bench/baseline-server.ts` (node:http + pg, one statement per request, no transaction), run with the same node flags and `--import tsx`.',
    '- Both servers, the load generator and PostgreSQL are separate processes on the same machine, so they share its cores; only one server is under load at a time.',
    '- Before the first row each server saw every user once, so the one-time user upsert is not measured.',
    "- Latency is measured per request in the load generator (µs resolution) over every answer; req/s counts answers of any status.",
    '- Statements per request = sum of pg_stat_statements `calls` in the bench database (BEGIN, COMMIT, ROLLBACK and SET/SELECT set_config included) over the measured run ÷ requests sent; the requests in flight when the run stopped are finished on the server before counting.',
    '- RSS is the highest VmRSS of the server process sampled every 100 ms during the measured run.',
    `- Results: \`test/bench/results/latest.json\` (everything, including the statement texts of every row) and this file.`,
  ];
}
