import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurrentUser, TodoList } from '../../clients/typescript/src/types.js';
import { readmeCommands, runWalkthrough, startDevServer, type DevServer } from '../helpers/dev-server.js';

// Issue 14, "Account data": the README's export and erasure walkthrough, run as a reader copies it
// (in a folder of its own, where the export's file lands).

let dev: DevServer;
beforeAll(async () => {
  dev = await startDevServer('readme-account');
});
afterAll(() => dev?.close());

describe("the README's export and erasure walkthrough", () => {
  it('runs as written: a todo, the export saved as its file, the erasure, and a fresh account for the same token', async () => {
    const commands = readmeCommands('## Your data: export and erasure');
    const work = mkdtempSync(path.join(os.tmpdir(), 'todo-api-readme-account-run-'));
    try {
      // `npm run token` needs the project; everything else runs in the reader's folder.
      const project = process.cwd();
      const { output } = await runWalkthrough(dev, commands, {
        work,
        prelude: [`cd ${JSON.stringify(work)}`, `npm() { (cd ${JSON.stringify(project)} && command npm "$@"); }`],
      });

      expect(readdirSync(work).filter((f) => /^todo-api-export-\d{4}-\d{2}-\d{2}\.json$/.test(f))).toHaveLength(1);
      expect(output(/^node -p/)).toBe('todo-api-export 1 linus@example.com 1 1');
      expect(output(/-i -X DELETE/)).toMatch(/^HTTP\/1\.1 204 /);
      const fresh = JSON.parse(output(/^curl -s \$API\/v1\/me -H/)) as CurrentUser;
      expect(fresh.usage).toEqual({ todos: 0, lists: 1, labels: 0, webhooks: 0 });
      expect((JSON.parse(output(/\/v1\/todos -H "\$AUTH"$/)) as TodoList).data).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
