import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { List, Todo, TodoList } from '../../clients/typescript/src/types.js';
import { projectRoot } from '../../src/lib/paths.js';
import { readmeCommands, runWalkthrough, startDevServer, type DevServer } from '../helpers/dev-server.js';

// Issue 12, "What it must show": the README's lists walkthrough, run as a reader copies it.

let dev: DevServer;
beforeAll(async () => {
  dev = await startDevServer('readme-lists');
});
afterAll(() => dev?.close());

describe("the README's lists walkthrough", () => {
  it('runs as written: lists, subtasks, a label, a reorder, a move that the subtasks follow, a label filter, a deleted list, and a second user who sees none of it', async () => {
    const commands = readmeCommands('## Lists, subtasks, labels and order with curl');
    const work = mkdtempSync(path.join(os.tmpdir(), 'todo-api-readme-lists-run-'));
    try {
      const { output, jsonOf } = await runWalkthrough(dev, commands, { work, cwd: projectRoot });

      const subtasks = jsonOf<TodoList>(/parent_id=\$TRIP&sort=position/);
      expect(subtasks.data.map((x) => x.title)).toEqual(['Book a hotel', 'Book flights']);
      const moved = jsonOf<Todo>(/todos\/\$TRIP\/move/);
      const inWork = jsonOf<TodoList>(/list_id=\$WORK&sort=position/);
      expect(inWork.data.map((x) => x.title).sort()).toEqual(['Book a hotel', 'Book flights', 'Plan the trip']);
      expect(inWork.data.every((x) => x.list_id === moved.list_id)).toBe(true);
      const labelled = jsonOf<TodoList>(/label_id=\$URGENT/);
      expect(labelled.data.map((x) => x.title)).toEqual(['Plan the trip']);
      const lists = jsonOf<{ data: List[] }>(/\/v1\/lists -H "\$AUTH"$/);
      expect(lists.data.map((l) => [l.name, l.todo_count, l.open_todo_count])).toEqual([
        ['Inbox', 0, 0],
        ['Home', 0, 0],
        ['Work', 3, 3],
      ]);
      expect(output(/-i -X DELETE/)).toMatch(/^HTTP\/1\.1 204 /);
      expect(jsonOf<{ status: number }>(/todos\/\$FLIGHTS -H/).status).toBe(404);
      const bobs = jsonOf<{ data: List[] }>(/\/v1\/lists -H "Authorization: Bearer \$BOB"$/);
      expect(bobs.data.map((l) => [l.name, l.is_default, l.todo_count])).toEqual([['Inbox', true, 0]]);
      expect(jsonOf<{ status: number }>(/lists\/\$HOME_LIST -H "Authorization: Bearer \$BOB"/).status).toBe(404);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
