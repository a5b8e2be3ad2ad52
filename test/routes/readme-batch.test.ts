import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { List } from '../../clients/typescript/src/types.js';
import { projectRoot } from '../../src/lib/paths.js';
import { readmeCommands, runWalkthrough, startDevServer, type DevServer } from '../helpers/dev-server.js';

// Issue 14: the README's batch walkthrough, run as a reader copies it.

let dev: DevServer;
beforeAll(async () => {
  dev = await startDevServer('readme-batch');
});
afterAll(() => dev?.close());

describe("the README's batch walkthrough", () => {
  it('runs as written: 50 todos made and completed in two batches, and a third failing whole on stale if_match values', async () => {
    const commands = readmeCommands('## Batches with curl');
    const work = mkdtempSync(path.join(os.tmpdir(), 'todo-api-readme-batch-run-'));
    try {
      const { output } = await runWalkthrough(dev, commands, { work, cwd: projectRoot });

      const completed = output(/-d "\$DONE" \| node/).split('\n');
      expect(completed).toHaveLength(50);
      expect(completed.every((line) => /^200 Chore \d+ "2"$/.test(line))).toBe(true);
      const list = JSON.parse(output(/v1\/lists\/\$CHORES"/)) as List;
      expect(list).toMatchObject({ name: 'Chores', todo_count: 50, open_todo_count: 0 });
      const stale = output(/-i -X POST/);
      expect(stale).toMatch(/^HTTP\/1\.1 412 /);
      const problem = JSON.parse(stale.slice(stale.indexOf('{'))) as { code: string; errors: Array<{ path: string }> };
      expect(problem).toMatchObject({ code: 'precondition_failed', errors: [{ path: 'operations/1/if_match' }] });
      // Nothing of the failed batch was written: not its create, and no todo reopened.
      expect(output(/list_id=\$CHORES&limit=100" -H "\$AUTH" \| node -p/)).toBe('50 todos, 50 completed');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
