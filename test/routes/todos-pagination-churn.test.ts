import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SORTS } from '../../src/services/todo-service.js';
import type { TestApp } from '../helpers/test-app.js';
import { expectStatus, startAppWithUser, type ListCall, type TodoClient } from '../helpers/todo-client.js';

// Walking every page while another client inserts and deletes: each todo that existed before
// the walk and survives it is returned exactly once, and no todo is ever returned twice.

describe('pagination under churn', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => ({ t, me } = await startAppWithUser()));
  afterAll(() => t.close());

  it.each(SORTS)('sort=%s', async (sort) => {
    const priorities = ['none', 'low', 'medium', 'high', 'urgent'];
    const before: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const created = await me.created({ title: `pre ${sort} ${i}`, priority: priorities[i % 5], due_at: i % 3 ? `2026-12-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z` : null });
      before.push(created.id);
    }
    const deleted = new Set<string>();
    const seen: string[] = [];
    let cursor: string | null = null;
    let step = 0;
    do {
      const page: ListCall = await me.list({ sort, limit: 3, ...(cursor ? { cursor } : {}) });
      expectStatus(page, 200);
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.next_cursor;
      // The other client: a new todo, and one pre-existing todo deleted, between every two pages.
      await me.create({ title: `during ${step}`, priority: priorities[step % 5], due_at: step % 2 ? '2026-12-10T00:00:00Z' : null });
      const victim = before[(step * 7) % before.length]!;
      if (!deleted.has(victim) && (await me.remove(victim)).status === 204) deleted.add(victim);
      step += 1;
    } while (cursor);

    expect(new Set(seen).size, 'no todo returned twice').toBe(seen.length);
    const survivors = before.filter((id) => !deleted.has(id));
    const seenSet = new Set(seen);
    expect(survivors.filter((id) => !seenSet.has(id)), 'every surviving todo returned').toEqual([]);
    expect(deleted.size).toBeGreaterThan(5);
    // Clean up for the next sort.
    await t.db.query('DELETE FROM todos');
  });
});
