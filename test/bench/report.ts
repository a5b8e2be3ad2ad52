import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load-protocol.js';
import type { Machine } from './machine.js';
import { BASELINE_LABEL, expectedStatementsPerRequest, failuresOf, type BaselineName, type Measurement, type ScenarioMeasurement } from './measure.js';
import type { ProfileSummary } from './profile.js';
import type { ScaleResult, ScaleRow } from './scale.js';
import { BATCH_SIZE, SCENARIOS } from './scenarios.js';
import type { WebhookResult } from './webhooks.js';

export interface ScenarioRow extends ScenarioMeasurement {
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
    /** Todos of each user's second list (list-position, create-in-list, move). */
    listTodosPerUser: number;
    /** Users of the feed scenario and their todos (less the ones deleted, whose deletions are in the feed). */
    feedUsers: number;
    feedTodosPerUser: number;
    poolMax: number;
    buildSeconds: number;
    loadGenerator: string;
    /** Node flags of both servers: those of `npm start`. */
    nodeFlags: string[];
  };
  scenarios: ScenarioRow[];
  /** Each batch row's operations per second against its single-request scenario's in this run (batchComparison). */
  batches: BatchRow[];
  /** 1-minute load average when the run ended (the start is in `machine`). */
  loadAverageAtEnd: number;
  /** Peak RSS over each server's whole life (VmHWM), in MB; baselineTx is null when the BEGIN/COMMIT baseline did not run. */
  lifetimePeakRssMb: { baseline: number | null; baselineTx: number | null; service: number | null };
  scale: ScaleResult | undefined;
  /** Webhook delivery: commit-to-delivery latency at a steady create rate, and throughput on a backlog. */
  webhooks: WebhookResult | undefined;
  /**
   * --profile: the service (the point) and the baseline it is compared with under that scenario
   * (`against`: the BEGIN/COMMIT one for a scenario with writes), what the same work costs without the framework and ORM.
   */
  profile: { scenario: string; connections: number; against: BaselineName; service: ProfiledRun; baseline: ProfiledRun } | undefined;
  /** Every run that had a non-2xx answer, a connection error or a timeout. */
  failures: string[];
  /** The targets of the benchmark issue, checked against this run's figures. */
  targets: TargetReport;
}

/** A batch scenario's figures: batches (requests) per second, operations per second (size × that), latency of a batch. */
export interface BatchFigures {
  requestsPerSecond: number;
  operationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** A single-request scenario's figures at the same connection count: one operation per request. */
export interface SingleFigures {
  operationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** One server's batch against its own single requests: ratio = batch operations/s ÷ single operations/s (null when the single scenario did not run). */
export interface BatchSide {
  batch: BatchFigures;
  single: SingleFigures | null;
  ratio: number | null;
}

export interface BatchRow {
  scenario: string;
  label: string;
  connections: number;
  /** Operations per batch. */
  size: number;
  /** The single-request scenario of the same operation (create, patch). */
  single: string;
  service: BatchSide;
  /** The BEGIN/COMMIT baseline: its batch (one transaction of `size` statements on one client) against its own single requests. */
  baselineTx: BatchSide | undefined;
}

/**
 * The batch rows against the single-request rows of the same run, server by server and at the
 * same connection count: how many more operations per second a batch gives (issue 14).
 */
export function batchComparison(rows: ScenarioRow[]): BatchRow[] {
  return rows.flatMap((row) => {
    const batch = SCENARIOS.find((s) => s.name === row.scenario)?.batch;
    if (!batch) return [];
    const single = rows.find((r) => r.scenario === batch.single && r.connections === row.connections);
    const side = (m: Measurement, s: Measurement | undefined): BatchSide => {
      const figures: BatchFigures = { requestsPerSecond: m.load.rps, operationsPerSecond: m.load.rps * batch.size, p50Ms: m.load.latencyMs.p50, p99Ms: m.load.latencyMs.p99 };
      const singleFigures = s ? { operationsPerSecond: s.load.rps, p50Ms: s.load.latencyMs.p50, p99Ms: s.load.latencyMs.p99 } : null;
      const ratio = singleFigures && singleFigures.operationsPerSecond > 0 ? Math.round((figures.operationsPerSecond / singleFigures.operationsPerSecond) * 100) / 100 : null;
      return { batch: figures, single: singleFigures, ratio };
    };
    return [
      {
        scenario: row.scenario,
        label: row.label,
        connections: row.connections,
        size: batch.size,
        single: batch.single,
        service: side(row.service, single?.service),
        baselineTx: row.baselineTx ? side(row.baselineTx, single?.baselineTx) : undefined,
      },
    ];
  });
}

/** Connection counts the req/s, p99 and RSS targets apply at. */
export const TARGET_CONNECTIONS = [32, 128];
/** Service req/s ÷ the compared baseline's req/s, at least: reads against the plain baseline, writes (and the mix) against BEGIN/COMMIT. */
export const RPS_TARGET: Record<BaselineName, number> = { baseline: 0.7, 'baseline-tx': 0.75 };
/** Service p99 ÷ the compared baseline's p99, below. */
export const P99_TARGET = 2;
/** Service peak RSS ÷ the plain baseline's (each over its whole life), below. */
export const RSS_TARGET = 1.2;
/** How far statements per request may be from 1 per read, 3 per write and 5 per move (the requests still in flight when a run stops blur it a little). */
const STATEMENTS_TOLERANCE = 0.03;

export interface TargetCheck {
  /** What is checked, e.g. "req/s ≥ 0.75 × BEGIN/COMMIT baseline". */
  target: string;
  /** Where: the scenario and connection count, or "whole run". */
  what: string;
  value: number | null;
  /** true met, false missed, null not measured (no figure). */
  met: boolean | null;
}

export interface TargetReport {
  checks: TargetCheck[];
  met: number;
  missed: number;
  notMeasured: number;
}

/**
 * Req/s: each read scenario (get, list, list-position) at 32 and 128 connections ≥ 0.7 × the plain baseline's,
 * each scenario with writes (create, create-in-list, patch, move, mix, the batches) ≥ 0.75 × the BEGIN/COMMIT baseline's. p99 below
 * twice the compared baseline's at the same connection counts; peak RSS below 1.2 × the plain
 * baseline's. Statements per request at every connection count: 1 per read, 3 per write, 5 per move, BATCH_SIZE + 2 per batch for the
 * service and the BEGIN/COMMIT baseline (the mix: weighted by the requests it actually sent).
 */
export function checkTargets(rows: ScenarioRow[], rss: BenchReport['lifetimePeakRssMb']): TargetReport {
  const checks: TargetCheck[] = [];
  const add = (target: string, what: string, value: number | null | undefined, ok: (v: number) => boolean) => {
    const v = value === null || value === undefined || Number.isNaN(value) ? null : value;
    checks.push({ target, what, value: v, met: v === null ? null : ok(v) });
  };
  for (const row of rows) {
    const what = `${row.label} at ${row.connections} connections`;
    if (TARGET_CONNECTIONS.includes(row.connections)) {
      const limit = RPS_TARGET[row.against];
      add(`req/s ≥ ${limit} × ${BASELINE_LABEL[row.against]}`, what, row.rpsRatio, (v) => v >= limit);
      add(`p99 < ${P99_TARGET} × ${BASELINE_LABEL[row.against]}`, what, row.p99Ratio, (v) => v < P99_TARGET);
    }
    for (const m of [row.service, row.baselineTx]) {
      if (!m) continue;
      const expected = expectedStatementsPerRequest(m.server, m.load.operations);
      const who = m.server === 'service' ? 'service' : BASELINE_LABEL['baseline-tx'];
      add(`${who} statements/request = ${fixed(expected)} (1 per read, 3 per write, 5 per move, ${BATCH_SIZE + 2} per batch of ${BATCH_SIZE})`, what, m.statementsPerRequest, (v) => expected !== null && Math.abs(v - expected) <= STATEMENTS_TOLERANCE);
    }
  }
  const rssRatio = rss.service !== null && rss.baseline ? rss.service / rss.baseline : null;
  add(`peak RSS < ${RSS_TARGET} × plain baseline's (whole life)`, 'whole run', rssRatio === null ? null : Math.round(rssRatio * 100) / 100, (v) => v < RSS_TARGET);
  return {
    checks,
    met: checks.filter((c) => c.met === true).length,
    missed: checks.filter((c) => c.met === false).length,
    notMeasured: checks.filter((c) => c.met === null).length,
  };
}

const mark = (c: TargetCheck | undefined) => (!c ? '' : c.met === null ? ' (not measured)' : c.met ? ' ✓' : ' ✗');

/** The targets, one line per scenario row, then what was missed: in the markdown and at the end of the console output. */
export function renderTargets(r: BenchReport): string[] {
  const t = r.targets;
  const find = (what: string, prefix: string) => t.checks.find((c) => c.what === what && c.target.startsWith(prefix));
  const lines = [
    '## Targets',
    '',
    `Req/s at ${TARGET_CONNECTIONS.join(' and ')} connections: each read scenario ≥ ${RPS_TARGET.baseline} × the **plain baseline**'s (one statement, no transaction); each scenario with writes ≥ ${RPS_TARGET['baseline-tx']} × the **BEGIN/COMMIT baseline**'s (each write in BEGIN, statement, COMMIT; the mix has writes, so it is compared with this one too). p99 below ${P99_TARGET} × the same baseline's at those counts; the service's peak RSS below ${RSS_TARGET} × the plain baseline's; statements per request 1 per read, 3 per write, 5 per move (BEGIN, the user row's lock, the read of the neighbours, the UPDATE, COMMIT) and ${BATCH_SIZE + 2} per batch of ${BATCH_SIZE} (BEGIN, one per operation, COMMIT; service and BEGIN/COMMIT baseline, ±${STATEMENTS_TOLERANCE}; the mix weighted by the requests it sent).`,
    '',
    `**${t.missed === 0 ? 'All targets met' : `${t.missed} of ${t.checks.length} targets missed`}** (${t.met} met${t.notMeasured > 0 ? `, ${t.notMeasured} not measured` : ''}).`,
    '',
    '| scenario | conns | against | req/s ratio | p99 ratio | svc stmts/req | tx baseline stmts/req |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.scenarios) {
    const what = `${row.label} at ${row.connections} connections`;
    const rps = find(what, 'req/s');
    const p99 = find(what, 'p99');
    lines.push(
      `| ${row.label} | ${row.connections} | ${BASELINE_LABEL[row.against]} | ${fixed(row.rpsRatio)}${rps ? ` (≥ ${RPS_TARGET[row.against]})${mark(rps)}` : ''} | ${fixed(row.p99Ratio)}${p99 ? mark(p99) : ''} | ${fixed(row.service.statementsPerRequest)}${mark(find(what, 'service statements'))} | ${row.baselineTx ? `${fixed(row.baselineTx.statementsPerRequest)}${mark(find(what, BASELINE_LABEL['baseline-tx']))}` : '–'} |`,
    );
  }
  const rss = t.checks.find((c) => c.what === 'whole run');
  lines.push('', `Peak RSS (whole life): service ${fixed(r.lifetimePeakRssMb.service, 0)} MB ÷ plain baseline ${fixed(r.lifetimePeakRssMb.baseline, 0)} MB = ${fixed(rss?.value)} (< ${RSS_TARGET})${mark(rss)}.`);
  const missed = t.checks.filter((c) => c.met === false);
  if (missed.length > 0) lines.push('', 'Missed:', ...missed.map((c) => `- ${c.what}: ${c.target}, got ${fixed(c.value)}`));
  return lines;
}

/** Human-readable lines for every measurement with failed requests: the report leads with them. */
export function collectFailures(
  rows: Array<{ what: string; pair: { baseline: Measurement | undefined; baselineTx?: Measurement | undefined; service: Measurement } }>,
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
    if (pair.baselineTx) describe(what, pair.baselineTx);
    describe(what, pair.service);
  }
  for (const [server, run] of [['service', profile?.service], ['baseline', profile?.baseline]] as const) {
    if (run && run.load.non2xx + run.load.errors > 0) out.push(`profile run, ${server}: ${run.load.non2xx} non-2xx, ${run.load.errors} errors`);
  }
  return out;
}

/** Webhook runs where a create failed or an event did not arrive (or arrived twice). */
export function webhookFailures(result: WebhookResult | undefined): string[] {
  if (!result) return [];
  return [
    ...result.latency
      .filter((r) => r.createFailures + r.missing > 0)
      .map((r) => `webhooks latency (poll ${r.pollIntervalMs} ms): ${r.createFailures} creates failed, ${r.missing} events not delivered within the wait`),
    ...result.throughput.filter((r) => r.missing > 0).map((r) => `webhooks backlog (concurrency ${r.concurrency}): ${r.missing} of ${r.backlog} events not delivered within the wait`),
  ];
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
  lines.push('# Benchmark: the service against raw node:http + pg baselines (plain, and BEGIN/COMMIT for writes)', '');
  if (r.failures.length > 0) {
    lines.push('> **⚠ ERRORS: some requests failed (non-2xx, connection errors or timeouts). The numbers of those runs are not comparable.**', '>');
    for (const f of r.failures) lines.push(`> - ${f}`);
    lines.push('');
  } else {
    lines.push('No errors: every request of every run answered 2xx.', '');
  }
  lines.push(...header(r), '', ...renderTargets(r), '', ...mainTable(r), '', ...cpuTable(r), '', ...serverOutput(r), ...statementLists(r));
  const cost = feedCost(r);
  if (cost.length > 0) lines.push('', ...cost);
  if (r.batches.length > 0) lines.push('', ...batchTable(r.batches));
  if (r.scale) lines.push('', ...scaleTables(r.scale));
  if (r.webhooks) lines.push('', ...webhookTables(r.webhooks));
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
    `- Data: ${int(r.settings.users)} users × ${r.settings.todosPerUser} todos in their default list and ${r.settings.listTodosPerUser} in a second list; each request picks a random user and one of that user's todos (the second list's, for list-position, create-in-list and move), with a pre-signed HS256 token`,
    `- Feed: ${int(r.settings.feedUsers)} more users with ${r.settings.feedTodosPerUser} todos each in their default list, then 10 of them deleted and the list changed once more (the triggers wrote every change); a feed request asks a random such user's last 100 changes (todos, the 10 deletions and the list) after a cursor the service issued`,
    `- Baselines: **plain** (one statement per request, no transaction) on every row; **tx**, the BEGIN/COMMIT baseline (the same server with BASELINE_TX=1: each write runs as BEGIN, the statement(s), COMMIT on one pooled client, a batch's ${BATCH_SIZE} statements in one transaction; reads unchanged) on the rows with writes. Ratios are against plain for reads (get, list, list-position) and against tx for create, create-in-list, patch, move, the batches and the mix (it has writes)`,
    `- Runs: ${r.settings.warmupSec} s warm-up, then ${r.settings.durationSec} s measured, plain baseline, then tx baseline (rows with writes), then service for each row; pool max ${r.settings.poolMax} in each; node flags of all (those of \`npm start\`): \`${r.settings.nodeFlags.join(' ')}\`; load by ${r.settings.loadGenerator}`,
    `- Round trips: ${r.database.roundTrips}`,
  ];
}

/** A figure of each server of a row, plain / tx / service ('–' where the tx baseline did not run). */
function three(row: ScenarioRow, value: (m: Measurement) => string): string[] {
  return [value(row.baseline), row.baselineTx ? value(row.baselineTx) : '–', value(row.service)];
}

const AGAINST: Record<BaselineName, string> = { baseline: 'plain', 'baseline-tx': 'tx' };

function mainTable(r: BenchReport): string[] {
  const lines = [
    '## Throughput, latency, round trips and memory',
    '',
    "Ratios are service ÷ the baseline named in *against*: **plain** (one statement per request, no transaction) for the reads, **tx** (BEGIN/COMMIT baseline: each write as BEGIN, statement(s), COMMIT) for create, create-in-list, patch, move, the batches and the mix, which has writes. A batch row's req/s counts batches (its operations/s: see *Batches* below). req/s below 1 and p99 above 1 mean the service is slower. Both baselines' figures are shown where measured (tx only on the rows with writes; '–' elsewhere). Latency in ms.",
    '',
    '| scenario | conns | against | plain req/s | tx req/s | svc req/s | req/s ratio | plain p50 | tx p50 | svc p50 | plain p99 | tx p99 | svc p99 | p99 ratio | plain stmts/req | tx stmts/req | svc stmts/req | plain RSS MB | tx RSS MB | svc RSS MB | failed (plain/tx/svc) |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.scenarios) {
    lines.push(
      `| ${[
        row.label,
        row.connections,
        AGAINST[row.against],
        ...three(row, (m) => int(m.load.rps)),
        fixed(row.rpsRatio),
        ...three(row, (m) => fixed(m.load.latencyMs.p50)),
        ...three(row, (m) => fixed(m.load.latencyMs.p99)),
        fixed(row.p99Ratio),
        ...three(row, (m) => fixed(m.statementsPerRequest)),
        ...three(row, (m) => fixed(m.peakRssMb, 0)),
        three(row, (m) => String(fails(m))).join('/'),
      ].join(' | ')} |`,
    );
  }
  const l = r.lifetimePeakRssMb;
  lines.push('', `Peak RSS over each process's whole life (VmHWM): plain baseline ${fixed(l.baseline, 0)} MB, BEGIN/COMMIT baseline ${fixed(l.baselineTx, 0)} MB, service ${fixed(l.service, 0)} MB.`);
  return lines;
}

/** Where the time goes: CPU per request in each server process and in PostgreSQL. */
function cpuTable(r: BenchReport): string[] {
  const lines = [
    '## CPU per request',
    '',
    "CPU ms per request of the server process (/proc/<pid>/stat) and of the PostgreSQL sessions of the bench database; the server ratio is service ÷ the baseline in *against*; the load generator's CPU in % of one core (near 100: it was the limit).",
    '',
    '| scenario | conns | against | plain server | tx server | svc server | server ratio | plain PostgreSQL | tx PostgreSQL | svc PostgreSQL | load gen % (plain/tx/svc) | server log lines (plain/tx/svc) |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.scenarios) {
    const b = row.against === 'baseline-tx' ? row.baselineTx : row.baseline;
    const s = row.service;
    const ratio = b?.serverCpuMsPerRequest && s.serverCpuMsPerRequest ? s.serverCpuMsPerRequest / b.serverCpuMsPerRequest : null;
    lines.push(
      `| ${[
        row.label,
        row.connections,
        AGAINST[row.against],
        ...three(row, (m) => fixed(m.serverCpuMsPerRequest, 3)),
        fixed(ratio),
        ...three(row, (m) => fixed(m.databaseCpuMsPerRequest, 3)),
        three(row, (m) => String(m.loadGeneratorCpuPercent ?? 'n/a')).join('/'),
        three(row, (m) => String(m.logLines)).join('/'),
      ].join(' | ')} |`,
    );
  }
  return lines;
}

/** What a server printed during a measured run (at LOG_LEVEL=warn, only warnings and errors should appear). */
function serverOutput(r: BenchReport): string[] {
  const printed = r.scenarios.flatMap((row) =>
    [row.baseline, row.baselineTx, row.service].filter((m): m is Measurement => m !== undefined && m.logLines > 0).map((m) => ({ what: `${row.label} at ${row.connections} connections, ${m.server}`, m })),
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
    const tx = row.baselineTx ? `; BEGIN/COMMIT baseline: ${fixed(row.baselineTx.statementsPerRequest)}` : '';
    lines.push(`Service: ${fixed(row.service.statementsPerRequest)} statements per request${tx}; plain baseline: ${fixed(row.baseline.statementsPerRequest)}.`, '');
    lines.push('| server | calls | per request | statement |', '| --- | ---: | ---: | --- |');
    for (const m of [row.service, row.baselineTx, row.baseline]) {
      if (!m) continue;
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
    `Reads only, so "base" is the plain baseline. ${int(scale.tableRows)} rows in the todos table (seeded in ${scale.seedSeconds} s, then VACUUM ANALYZE); ${scale.connections} connections, ${scale.durationSec} s per run; latency in ms.${scale.note ? ` **${scale.note}.**` : ''}`,
    '',
    `| todos of the user ${head}`,
    `| ---: ${align}`,
    ...scale.sizes.map((row) => scaleRow(int(row.userTodos), row)),
    '',
    '### One list in manual order as it grows: `GET /v1/todos?list_id=…&sort=position`',
    '',
    `The first page (20) of the default list of the smallest and of the biggest user above, which holds all their todos; served by the (user_id, list_id, position, id) index, so it should not depend on the list's size. ${scale.durationSec} s per run.`,
    '',
    `| todos in the list ${head}`,
    `| ---: ${align}`,
    ...scale.lists.map((row) => scaleRow(int(row.userTodos), row)),
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

/** Each write scenario against its *-no-feed twin (the same writes with the feed's and webhooks' triggers off): what the triggers cost. */
function feedCost(r: BenchReport): string[] {
  const pairs = r.scenarios.flatMap((off) => {
    if (!off.scenario.endsWith('-no-feed')) return [];
    const on = r.scenarios.find((s) => s.scenario === off.scenario.replace(/-no-feed$/, '') && s.connections === off.connections);
    return on ? [{ on, off }] : [];
  });
  if (pairs.length === 0) return [];
  const lines = [
    '## What the change feed costs a write',
    '',
    "Each write with the change feed's and the webhooks' statement-level triggers as they are (*on*: they write the change row, bump `users.change_seq` and probe for webhook endpoints, none registered), and the same writes right after with those triggers disabled on the bench database (*off*, `ALTER TABLE … DISABLE TRIGGER`, a bench-only switch). Service and BEGIN/COMMIT baseline (both pay the triggers, which run in PostgreSQL); PostgreSQL CPU ms per request of the service's sessions. Ratio = on ÷ off.",
    '',
    '| write | conns | svc req/s on | off | ratio | svc p99 on | off | tx req/s on | off | ratio | svc PostgreSQL ms on | off |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const ratioOf = (a: number | undefined, b: number | undefined) => (a && b ? fixed(a / b) : 'n/a');
  for (const { on, off } of pairs) {
    lines.push(
      `| ${[
        on.label,
        on.connections,
        int(on.service.load.rps),
        int(off.service.load.rps),
        ratioOf(on.service.load.rps, off.service.load.rps),
        fixed(on.service.load.latencyMs.p99),
        fixed(off.service.load.latencyMs.p99),
        on.baselineTx ? int(on.baselineTx.load.rps) : '–',
        off.baselineTx ? int(off.baselineTx.load.rps) : '–',
        ratioOf(on.baselineTx?.load.rps, off.baselineTx?.load.rps),
        fixed(on.service.databaseCpuMsPerRequest, 3),
        fixed(off.service.databaseCpuMsPerRequest, 3),
      ].join(' | ')} |`,
    );
  }
  return lines;
}

/** Each batch row against the single requests of the same operation: operations per second, service and BEGIN/COMMIT baseline. */
function batchTable(rows: BatchRow[]): string[] {
  const ops = (side: BatchSide | undefined) => (side ? int(side.batch.operationsPerSecond) : '–');
  const single = (side: BatchSide | undefined) => (side?.single ? int(side.single.operationsPerSecond) : 'n/a');
  return [
    '## Batches: operations per second against single requests',
    '',
    `\`POST /v1/batch\` with ${rows[0]?.size ?? BATCH_SIZE} operations, each the body of a single request of the scenario named in *single* (the same fields), against that scenario's single requests in this run at the same connection count. A batch's req/s counts batches; its operations/s = size × req/s; a single request is one operation. *Ratio* = the batch's operations/s ÷ the single requests' operations/s: how many more writes per second the same server does in batches. Service and BEGIN/COMMIT baseline (its batch: one transaction of ${BATCH_SIZE} statements on one client), each against its own single requests; 'n/a' when the single scenario did not run. Latency of a whole batch, in ms.`,
    '',
    '| batch | conns | single | svc batches/s | svc ops/s | svc p50 | svc p99 | svc single ops/s | svc single p99 | svc ratio | tx batches/s | tx ops/s | tx p99 | tx single ops/s | tx ratio |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => {
      const s = row.service;
      const t = row.baselineTx;
      return `| ${[
        row.label,
        row.connections,
        row.single,
        int(s.batch.requestsPerSecond),
        ops(s),
        fixed(s.batch.p50Ms),
        fixed(s.batch.p99Ms),
        single(s),
        fixed(s.single?.p99Ms),
        fixed(s.ratio),
        t ? int(t.batch.requestsPerSecond) : '–',
        ops(t),
        t ? fixed(t.batch.p99Ms) : '–',
        single(t),
        fixed(t?.ratio),
      ].join(' | ')} |`;
    }),
  ];
}

function webhookTables(w: WebhookResult): string[] {
  const ms = (p: { p50: number; p99: number }) => `${fixed(p.p50, 1)} / ${fixed(p.p99, 1)}`;
  return [
    '## Webhook delivery',
    '',
    `The service's own worker (WEBHOOK_WORKER=true, in a service process of its own, production settings) delivering \`todo.created\` to a receiver: ${w.receiver}. ${w.users} users with one endpoint each, registered with \`POST /v1/webhooks\`.`,
    '',
    '### Latency from commit to delivery at a steady write load',
    '',
    "`POST /v1/todos` at a fixed rate, each for the next user in turn, after a warm-up of half a second. Commit to delivery = the event's arrival at the receiver − the moment the create's answer reached the client (the commit happened before the answer was sent, so this is short by the answer's way back over loopback). *From event timestamp*: arrival − the event's `timestamp` (the statement's time inside the transaction, before the commit; ms precision). Latency in ms, p50 / p99.",
    '',
    '| poll interval | concurrency | rate asked / sent | seconds | creates (failed) | create p50 / p99 | delivered (missing, duplicates) | commit→delivery p50 / p99 | p90 | max | from event timestamp p50 / p99 |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...w.latency.map(
      (r) =>
        `| ${r.pollIntervalMs} ms | ${r.concurrency} | ${r.targetRate} / ${r.sentRate} | ${r.durationSec} | ${int(r.creates)} (${r.createFailures}) | ${ms(r.createLatencyMs)} | ${int(r.delivered)} (${r.missing}, ${r.duplicates}) | ${ms(r.latencyMs)} | ${fixed(r.latencyMs.p90, 1)} | ${fixed(r.latencyMs.max, 1)} | ${ms(r.fromEventTimestampMs)} |`,
    ),
    '',
    'A rate sent below the one asked, or a create p99 far above its p50, means the machine could not keep up with the rate: the deliveries then also wait behind the API\'s work (the worker shares the process and its pool of DB_POOL_MAX connections).',
    '',
    '### Throughput on a backlog',
    '',
    "The events queued with no worker running (one INSERT of todos over the users: the triggers write an event and a delivery each), then one instance started: deliveries per second from the first arrival to the last; *from start*: from the instance answering /health/live to the last arrival. Per delivery the worker sends a share of a claim statement (up to its free slots at once), the HTTPS POST (keep-alive) and, after it, one statement that settles the delivery and logs the attempt (and, only for an endpoint that had been failing, one that clears its failure clock); *statements per delivery* counts every statement in the bench database during the run (pg_stat_statements, the instance's start-up included).",
    '',
    '| concurrency | poll interval | queued | delivered (missing, duplicates) | seconds | deliveries/s | seconds from start | worker CPU ms per delivery | statements per delivery |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...w.throughput.map(
      (r) =>
        `| ${r.concurrency} | ${r.pollIntervalMs} ms | ${int(r.backlog)} | ${int(r.delivered)} (${r.missing}, ${r.duplicates}) | ${fixed(r.seconds)} | ${Number.isNaN(r.perSecond) ? 'n/a' : int(r.perSecond)} | ${fixed(r.secondsFromStart)} | ${fixed(r.serverCpuMsPerDelivery, 3)} | ${fixed(r.statementsPerDelivery)} |`,
    ),
    ...w.throughput.flatMap((r) =>
      r.statements
        ? ['', `Statements of the run with concurrency ${r.concurrency}:`, '', '| calls | per delivery | statement |', '| ---: | ---: | --- |', ...r.statements.filter((st) => st.perDelivery >= 0.005).map((st) => `| ${int(st.calls)} | ${fixed(st.perDelivery)} | ${code(st.query)} |`)]
        : [],
    ),
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
    `- ${profileRunLine(`Baseline (${BASELINE_LABEL[p.against]})`, p.baseline)}`,
    '',
    'The ten functions with the most self time in the service (self time = samples × sampling interval, grouped by function, file and line; idle excluded; the JSON file holds the top 40). The profiler samples on a wall clock, so on a machine short of cores a native call such as `writev` also collects the time the thread waited for a core; the per-request CPU table above is the exact CPU figure.',
    '',
    ...topTable(p.service),
    '',
    `Self time per request by where the code lives, the service against the ${BASELINE_LABEL[p.against]}:`,
    '',
    ...areaTable(p.service, p.baseline),
    '',
    `The ${BASELINE_LABEL[p.against]}'s ten, for comparison:`,
    '',
    ...topTable(p.baseline),
  ];
}

function notes(): string[] {
  return [
    '## How it was measured',
    '',
    '- The service is the production build (`npx tsc -p tsconfig.build.json`, `node --title=todo-api-bench-service <the node flags of npm start> dist/src/index.js`, NODE_ENV=production, LOG_LEVEL=warn, RATE_LIMIT_REQUESTS=1000000 so the one-user scale runs are not refused; the limiter still runs; WEBHOOK_WORKER=false, so no worker poll is counted among the scenarios\' statements: the webhook part starts instances of its own with the worker on). The baselines are `test/bench/baseline-server.ts` (node:http + pg), run with the same node flags and `--import tsx`, as two processes: the plain one (one statement per request, no transaction) and the BEGIN/COMMIT one (BASELINE_TX=1: each write runs as BEGIN, the statement, COMMIT on one pooled client, ROLLBACK on error; reads are the same single statements). The service\'s contract puts every write in a transaction, so a write is compared with a baseline that pays the same two extra round trips, and a read with one that does not.',
    '- The servers, the load generator and PostgreSQL are separate processes on the same machine, so they share its cores; only one server is under load at a time.',
    '- Before the first row each server saw every user once, so the one-time user upsert is not measured.',
    "- Latency is measured per request in the load generator (µs resolution) over every answer; req/s counts answers of any status.",
    '- Statements per request = sum of pg_stat_statements `calls` in the bench database (BEGIN, COMMIT, ROLLBACK and SET/SELECT set_config included) over the measured run ÷ requests sent; the requests in flight when the run stopped are finished on the server before counting.',
    '- RSS is the highest VmRSS of the server process sampled every 100 ms during the measured run.',
    `- Results: \`test/bench/results/latest.json\` (everything, including the statement texts of every row) and this file.`,
  ];
}
