import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeList, Todo, WebhookAttemptList, WebhookWithSecret } from '../../clients/typescript/src/types.js';
import { projectRoot } from '../../src/lib/paths.js';
import type { WebhookWorker } from '../../src/services/webhook-worker.js';
import { buildWebhookWorker } from '../../src/worker.js';
import { readmeCommands, runWalkthrough, startDevServer, type DevServer } from '../helpers/dev-server.js';

// Issue 13: the README's webhooks walkthrough, run as a reader copies it, against a development
// server with its own delivery worker (WEBHOOK_WORKER's default), and its receiver as written.

const HEADING = '## Webhooks with curl';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let dev: DevServer;
let worker: WebhookWorker | undefined;
beforeAll(async () => {
  dev = await startDevServer('readme-webhooks');
  // What npm start does with the default configuration (src/server.ts).
  expect(dev.t.config).toMatchObject({ webhookWorker: true, webhookAllowPrivateTargets: true });
  worker = buildWebhookWorker(dev.t.config);
  worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await dev?.close();
});

describe("the README's webhooks walkthrough", () => {
  it('shows the receiver as examples/webhook-receiver.mjs has it', () => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const block = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(HEADING)));
    expect(block?.[1]).toBe(readFileSync(path.join(projectRoot, 'examples', 'webhook-receiver.mjs'), 'utf8'));
  });

  it('runs as written: a verified event per change, the attempts log, and a change feed with exactly the changes after its cursor', async () => {
    const commands = readmeCommands(HEADING);
    const port = await freePort();
    const work = mkdtempSync(path.join(os.tmpdir(), 'todo-api-readme-webhooks-run-'));
    try {
      const { stdout, output, jsonOf } = await runWalkthrough(dev, commands, {
        work,
        cwd: projectRoot,
        edit: (command) => command.replace(/^HOOK_PORT=\S+/, `HOOK_PORT=${port}`),
        // The receiver prints in the background, between the commands' outputs.
        background: /^(webhook |receiver on |refused:)/,
        timeoutMs: 90_000,
      });
      const lines = stdout.split('\n');
      const received = lines.filter((l) => l.startsWith('webhook ')).map((l) => l.split(' '));
      expect(lines.filter((l) => l.startsWith('refused:'))).toEqual([]);
      expect(lines.some((l) => l === `receiver on http://127.0.0.1:${port}/hooks`)).toBe(true);

      const hook = jsonOf<WebhookWithSecret>(/^echo "\$HOOK"$/);
      expect(hook).toMatchObject({ url: `http://127.0.0.1:${port}/hooks`, enabled: true, secret: expect.stringMatching(/^whsec_/) });
      const completed = jsonOf<Todo>(/-d '\{"completed":true\}'/);
      expect(completed).toMatchObject({ title: 'Return the library books', completed: true });
      const moved = jsonOf<Todo>(/\/move /);
      expect(output(/-i -X DELETE/)).toMatch(/^HTTP\/1\.1 204 /);

      // Four verified events, one per change, of the one todo, in change_seq order as made.
      const seq = (fields: string[]) => Number(fields[4]!.slice('seq='.length));
      const events = [...received].sort((a, b) => seq(a) - seq(b));
      expect(events.map((e) => e[2])).toEqual(['todo.created', 'todo.completed', 'todo.moved', 'todo.deleted']);
      expect(events.every((e) => e[3] === completed.id)).toBe(true);
      expect(new Set(events.map((e) => e[1])).size).toBe(4);
      expect(moved.list_id).not.toBe(completed.list_id);
      const attempts = jsonOf<WebhookAttemptList>(/\/deliveries"/);
      expect(attempts.data.map((a) => [a.status, a.response_status]).sort()).toEqual(Array(4).fill(['succeeded', 204]));
      expect(attempts.data.map((a) => a.event_id).sort()).toEqual(events.map((e) => e[1]).sort());

      // The feed after the cursor: exactly the two todos (the deleted one as a deletion) and the
      // Inbox whose counts they changed; nothing from before the cursor.
      const feed = jsonOf<ChangeList>(/changes\?cursor=/);
      expect(feed.has_more).toBe(false);
      const summary = feed.data.map((c) => [c.type, c.op, c.type === 'todo' && c.data ? c.data.title : c.type === 'list' && c.data ? c.data.name : null]);
      expect(summary.sort()).toEqual(
        [
          ['list', 'upsert', 'Inbox'],
          ['todo', 'delete', null],
          ['todo', 'upsert', 'Made in another terminal'],
        ].sort(),
      );
      expect(feed.data.some((c) => c.id === completed.id)).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
