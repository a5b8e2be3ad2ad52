import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBenchDatabase } from './bench-database.js';
import { newBenchSecret, signTokens } from './bench-tokens.js';
import { cleanupAll, installSignalHandlers, onCleanup } from './cleanup.js';
import { readMemory, sampleRss } from './proc-stats.js';
import { analyze, seedTodos, seedUsers } from './seed.js';
import { startServerProcess } from './server-process.js';

// The account export (GET /v1/me/export) of a small and of a big account, one at a time: time to
// the last byte, bytes, and the service's peak RSS while it streams, against its RSS before. The
// export reads one snapshot in pages of 1000 and writes each only when the client has taken the
// last, so the peak should not grow with the account. Run on its own:
//   npx tsx test/bench/export.ts [--sizes=10,100000]
// It writes results/partial.export.json (ignored by git, like the other partial runs).

const ROOT = path.resolve(import.meta.dirname, '../..');
// The accounts' sizes: --sizes=10,100000 (default), smallest first.
const SIZES = (process.argv.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '10,100000').split(',').map(Number);
if (SIZES.some((n) => !Number.isInteger(n) || n < 0 || n > 1_000_000)) throw new Error('--sizes must be todo counts from 0 to 1000000, comma-separated');

const log = (line: string) => process.stdout.write(`[bench export] ${line}\n`);
const mb = (kb: number | undefined) => (kb === undefined ? null : Math.round(kb / 102.4) / 10);

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the build failed (tsc exit ${code})`))));
  });
}

const occurrences = (text: string) => text.split('"subtask_count":').length - 1;

interface ExportRun {
  todos: number;
  seconds: number;
  megabytes: number;
  exported: number;
  rssBeforeMb: number | null;
  peakRssMb: number | null;
}

async function main(): Promise<void> {
  installSignalHandlers();
  const secret = newBenchSecret();
  const [db] = await Promise.all([startBenchDatabase(process.env.BENCH_DATABASE_URL || undefined), build()]);
  log(`database ${db.name} on PostgreSQL ${db.serverVersion}; seeding accounts of ${SIZES.join(', ')} todos`);
  const sizes = SIZES;
  const subjects: string[] = [];
  for (const size of sizes) {
    const [subject] = await seedUsers(db.pool, `bench-export-${size}`, 1);
    await seedTodos(db.pool, [subject!], size, { batchRows: 100_000 });
    subjects.push(subject!);
  }
  await analyze(db.pool);
  const tokens = await signTokens(secret, subjects);
  const service = await startServerProcess({
    name: 'service',
    title: 'todo-api-bench-export-service',
    nodeArgs: ['--enable-source-maps', '--max-semi-space-size=32', 'dist/src/index.js'],
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', AUTH_JWT_SECRET: secret, DATABASE_URL: db.url, DB_POOL_MAX: '10', RATE_LIMIT_REQUESTS: '1000000' },
    cwd: ROOT,
  });
  onCleanup('export service', () => service.stop());
  const runs: ExportRun[] = [];
  for (const [i, size] of sizes.entries()) {
    const headers = { authorization: `Bearer ${tokens[i]}` };
    // A warm-up request registers the user and loads every module the export uses.
    await (await fetch(`${service.url}/v1/me`, { headers })).arrayBuffer();
    const rssBefore = readMemory(service.pid)?.rssKb;
    const rss = sampleRss(service.pid, 20);
    const t0 = performance.now();
    const response = await fetch(`${service.url}/v1/me/export`, { headers });
    if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
    // Read as a client saving it to disk would: chunk by chunk, nothing kept but a count and the tail.
    let bytes = 0;
    let tail = '';
    const decoder = new TextDecoder();
    let todos = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      // Every todo has one subtask_count; the tail carried over catches one split across chunks, counted once.
      const text = tail + decoder.decode(chunk, { stream: true });
      todos += occurrences(text) - occurrences(tail);
      tail = text.slice(-32);
    }
    const seconds = (performance.now() - t0) / 1000;
    const peak = rss.stop();
    if (!tail.trimEnd().endsWith('}')) throw new Error('the export ended before its closing brace');
    runs.push({ todos: size, seconds: Math.round(seconds * 100) / 100, megabytes: Math.round(bytes / 1024 / 102.4) / 10, exported: todos, rssBeforeMb: mb(rssBefore), peakRssMb: mb(peak) });
    log(`${size} todos: ${seconds.toFixed(2)} s, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${todos} todos in it; service RSS ${mb(rssBefore)} MB before, peak ${mb(peak)} MB during`);
  }
  const file = path.join(import.meta.dirname, 'results', 'partial.export.json');
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), runs }, null, 2)}\n`);
  log(`written ${path.relative(ROOT, file)}`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
