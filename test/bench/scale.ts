import { signTokens } from './bench-tokens.js';
import { measure, measurePair, type MeasureContext, type Measurement, type MeasureOptions } from './measure.js';
import type { BenchOptions } from './options.js';
import type { Scenario } from './scenarios.js';
import { analyze, listsBySubject, seedTodos, seedUsers } from './seed.js';

// List latency as one user's todos grow (1k, 10k, 100k) in a table of 1M rows, one list in manual
// order as it grows (the smallest and the biggest user's default list, which holds all their
// todos), and the first page of every filter and sort for the biggest user.

export interface ScaleRow {
  /** What was measured: a user size, a filter or a sort. */
  variant: string;
  query: string;
  userTodos: number;
  /** Absent for the filters and sorts in --quick mode, which run on the service only. */
  baseline: Measurement | undefined;
  service: Measurement;
  /** service p99 ÷ baseline p99. */
  p99Ratio: number | undefined;
}

export interface ScaleResult {
  sizes: ScaleRow[];
  /** GET /v1/todos?list_id=…&sort=position on a list of the smallest and of the biggest size. */
  lists: ScaleRow[];
  variants: ScaleRow[];
  tableRows: number;
  seedSeconds: number;
  connections: number;
  durationSec: number;
  variantDurationSec: number;
  /** Set in --quick mode, where the sizes are smaller. */
  note: string | undefined;
}

const FILLER_TODOS_PER_USER = 100;
const DAY_MS = 86_400_000;

/** Seeds one user per size and filler users up to the table size, then gives the load worker their tokens. */
async function seedScaleData(ctx: MeasureContext, options: BenchOptions, secret: string): Promise<number> {
  const { pool } = ctx.db;
  const { userSizes, totalRows, batchRows } = options.scaleSizes;
  for (const size of userSizes) {
    const subjects = await seedUsers(pool, `bench-scale-${size}`, 1);
    await seedTodos(pool, subjects, size, { batchRows });
    const [token] = await signTokens(secret, subjects);
    const [inbox] = await listsBySubject(pool, subjects, null);
    await ctx.load.setUsers(groupOf(size), [{ token: token!, todoIds: [], list: { id: inbox!.id, todoIds: [] } }]);
  }
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM todos');
  const missing = totalRows - Number(rows[0]!.n);
  if (missing > 0) {
    const fillers = await seedUsers(pool, 'bench-filler', Math.ceil(missing / FILLER_TODOS_PER_USER));
    await seedTodos(pool, fillers, FILLER_TODOS_PER_USER, { batchRows });
  }
  await analyze(pool);
  const after = await pool.query<{ n: string }>('SELECT count(*) AS n FROM todos');
  return Number(after.rows[0]!.n);
}

const groupOf = (size: number) => `scale-${size}`;

/** One list in manual order: the scale user's default list (`{list_id}`, see buildRequest). */
const LIST_POSITION_QUERY = 'list_id={list_id}&sort=position';

const listScenario = (size: number, variant: string, listQuery: string): Scenario => ({
  name: `scale-${size}-${variant}`,
  label: `GET /v1/todos?${listQuery}`,
  weights: { list: 1 },
  group: groupOf(size),
  listQuery,
});

/** The first page with each filter, then with each sort; times relative to now, as a client would send. */
function variantsFor(now: number): Array<{ variant: string; query: string }> {
  const at = (days: number) => new Date(now + days * DAY_MS).toISOString();
  const filters = [
    ['completed', 'completed=false'],
    ['q', 'q=milk'],
    ['due_before', `due_before=${at(7)}`],
    ['due_after', `due_after=${at(30)}`],
    ['updated_since', `updated_since=${at(-1)}`],
    ['priority', 'priority=high,urgent'],
  ];
  const sorts = ['created_at', '-created_at', 'due_at', '-due_at', 'priority', '-priority', 'updated_at', '-updated_at'].map((s) => [`sort=${s}`, `sort=${s}`]);
  return [...filters, ...sorts].map(([variant, query]) => ({ variant: variant!, query: query! }));
}

export async function runScale(ctx: MeasureContext, options: BenchOptions, secret: string, log: (line: string) => void): Promise<ScaleResult> {
  const { userSizes } = options.scaleSizes;
  const started = Date.now();
  log(`scale: seeding users with ${userSizes.join(', ')} todos and filling the table to ${options.scaleSizes.totalRows} rows`);
  const tableRows = await seedScaleData(ctx, options, secret);
  const seedSeconds = Math.round((Date.now() - started) / 100) / 10;
  log(`scale: ${tableRows} rows in ${seedSeconds} s`);
  for (const size of userSizes) {
    // Reads only: the plain baseline and the service (the BEGIN/COMMIT baseline's reads are the same code).
    for (const server of [ctx.servers.baseline, ctx.servers.service]) await ctx.load.prime(server.url, groupOf(size), 1);
  }
  const run = async (size: number, variant: string, query: string, durationSec: number, withBaseline: boolean): Promise<ScaleRow> => {
    const measureOptions: MeasureOptions = {
      scenario: listScenario(size, variant, query),
      connections: options.scaleConnections,
      durationSec,
      warmupSec: options.quick ? 0.1 : 0.5,
      countStatements: false,
    };
    const row = withBaseline
      ? await measurePair(ctx, measureOptions)
      : { baseline: undefined, service: await measure(ctx, 'service', measureOptions), p99Ratio: undefined };
    const base = row.baseline ? `baseline p50 ${row.baseline.load.latencyMs.p50.toFixed(2)} ms, ` : '';
    log(`scale: ${variant.padEnd(16)} ${base}service p50 ${row.service.load.latencyMs.p50.toFixed(2)} ms`);
    return { variant, query, userTodos: size, baseline: row.baseline, service: row.service, p99Ratio: row.p99Ratio };
  };
  const sizes: ScaleRow[] = [];
  for (const size of userSizes) sizes.push(await run(size, `${size} todos`, 'limit=20', options.scaleDurationSec, true));
  const biggest = userSizes.at(-1)!;
  const lists: ScaleRow[] = [];
  for (const size of new Set([userSizes[0]!, biggest])) lists.push(await run(size, `list of ${size}`, LIST_POSITION_QUERY, options.scaleDurationSec, true));
  const variants: ScaleRow[] = [];
  for (const { variant, query } of variantsFor(Date.now())) {
    variants.push(await run(biggest, variant, query, options.variantDurationSec, options.variantBaseline));
  }
  return {
    sizes,
    lists,
    variants,
    tableRows,
    seedSeconds,
    connections: options.scaleConnections,
    durationSec: options.scaleDurationSec,
    variantDurationSec: options.variantDurationSec,
    note: options.quick
      ? `--quick: smaller sizes (${userSizes.join(', ')} todos, lists of ${userSizes[0]} and ${biggest}, ${tableRows} rows in the table) than the full run (1k, 10k, 100k and lists of 1k and 100k in 1M rows), and the filters and sorts run on the service only`
      : undefined,
  };
}
