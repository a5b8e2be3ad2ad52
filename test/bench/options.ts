// What one bench run does: the command-line flags turned into sizes and durations.

export interface ScaleSizes {
  /** Todos of the users whose lists are measured, smallest first. */
  userSizes: number[];
  /** Rows in the todos table once the scale data is in (spread over filler users). */
  totalRows: number;
  /** Rows per INSERT ... generate_series batch. */
  batchRows: number;
}

import type { WebhookOptions } from './webhooks.js';

export interface BenchOptions {
  quick: boolean;
  /** The scenario to CPU-profile (--profile: the mix), or undefined. */
  profile: string | undefined;
  scale: boolean;
  /** Seconds of each measured run, and of the warm-up before it. */
  durationSec: number;
  warmupSec: number;
  connections: number[];
  users: number;
  /** Todos of each user in their default list, and in the second list that list-position, create-in-list and move use. */
  todosPerUser: number;
  listTodosPerUser: number;
  /** Users of the feed scenario, and the todos each gets (their changes: FEED_PAGE follow each one's cursor). */
  feedUsers: number;
  feedTodosPerUser: number;
  scaleSizes: ScaleSizes;
  /** The webhook delivery part (latency at a steady rate, throughput on a backlog), or undefined when skipped. */
  webhooks: WebhookOptions | undefined;
  scaleConnections: number;
  scaleDurationSec: number;
  /** Seconds of each filter and sort run, and whether the baseline runs them too (not in --quick). */
  variantDurationSec: number;
  variantBaseline: boolean;
  /** Scenario names to run (all by default); with fewer, or fewer connection counts, the run is partial. */
  scenarios: string[] | undefined;
  /** A partial or --quick run writes results/partial.* and leaves results/latest.* (the README's table) alone. */
  partial: boolean;
  /** The exact command line, for the report. */
  command: string;
}

const USAGE = `Usage: npm run bench [-- --quick] [--profile] [--no-scale] [--duration=<s>]
  --quick        1.5 s runs, 1 000 users, smaller scale data, filters and sorts on the service only:
                 about three minutes; writes results/partial.* (latest.* is for full runs)
  --profile      also CPU-profile both servers under the mixed scenario at 32 connections
                 (--profile=<name>: under that scenario); the .cpuprofile files go to results/profiles/
  --no-scale     skip the 1k/10k/100k list latency part (and the 1k/100k one-list part)
  --no-webhooks  skip the webhook delivery part (latency at a steady create rate, throughput on a backlog)
  --webhook-rate=<n>  creates per second of the webhook latency runs (default 200)
  --duration=<s> seconds per measured run (default 10, or 1.5 with --quick)
  --only=<names> only these scenarios (comma-separated: get,list,list-position,create,create-no-feed,
                 create-in-list,patch,patch-no-feed,move,mix,feed,batch-create,batch-update; a batch is
                 compared with create or patch only when that runs too) and parts (webhooks: the delivery
                 part runs with --only only when named)
  --connections=<n,...>  only these connection counts (default 1,32,128)
  With --quick, --only or --connections the run writes results/partial.* instead of results/latest.*.
Exit code 2 when any request failed (non-2xx, connection error or timeout); the report says which.
Environment: BENCH_DATABASE_URL=postgres://... uses that server (it must allow CREATE DATABASE)
instead of an embedded PostgreSQL.`;

export function parseOptions(argv: string[]): BenchOptions {
  const valued = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const flags = new Set(argv.filter((a) => !/^--(duration|only|connections|profile|webhook-rate)=/.test(a)));
  for (const flag of flags) {
    if (!['--quick', '--profile', '--no-scale', '--no-webhooks', '--help'].includes(flag)) throw new Error(`Unknown option ${flag}\n${USAGE}`);
  }
  if (flags.has('--help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = flags.has('--quick');
  const duration = valued('duration');
  const only = valued('only')?.split(',').filter(Boolean);
  const connections = valued('connections')?.split(',').map(Number) ?? [1, 32, 128];
  if (connections.length === 0 || connections.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) throw new Error(`--connections must be whole numbers from 1 to 1024\n${USAGE}`);
  const webhookRate = Number(valued('webhook-rate') ?? 200);
  if (!Number.isInteger(webhookRate) || webhookRate < 1 || webhookRate > 5000) throw new Error(`--webhook-rate must be a whole number from 1 to 5000\n${USAGE}`);
  const durationSec = duration === undefined ? (quick ? 1.5 : 10) : Number(duration);
  if (!Number.isFinite(durationSec) || durationSec < 1 || durationSec > 600) throw new Error(`--duration must be 1 to 600 seconds\n${USAGE}`);
  return {
    quick,
    profile: valued('profile') ?? (flags.has('--profile') ? 'mix' : undefined),
    scale: !flags.has('--no-scale'),
    durationSec,
    warmupSec: quick ? 0.25 : 2,
    connections,
    // Fewer users in --quick: priming every user's first request is a fixed cost per server.
    users: quick ? 1000 : 2000,
    todosPerUser: 25,
    listTodosPerUser: 25,
    feedUsers: quick ? 200 : 500,
    feedTodosPerUser: 160,
    webhooks:
      flags.has('--no-webhooks') || (only !== undefined && !only.includes('webhooks'))
        ? undefined
        : { users: 50, rate: webhookRate, durationSec: quick ? 3 : 10, pollIntervalsMs: [500, 100], concurrencies: [8, 32], backlog: 5000 },
    scaleSizes: quick
      ? { userSizes: [1_000, 5_000, 20_000], totalRows: 100_000, batchRows: 100_000 }
      : { userSizes: [1_000, 10_000, 100_000], totalRows: 1_000_000, batchRows: 100_000 },
    scaleConnections: 8,
    scaleDurationSec: quick ? 1 : 3,
    variantDurationSec: quick ? 0.5 : 3,
    variantBaseline: !quick,
    scenarios: only?.filter((name) => name !== 'webhooks'),
    // latest.* is what the README quotes: only a full run writes it.
    partial: quick || only !== undefined || valued('connections') !== undefined,
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  };
}
