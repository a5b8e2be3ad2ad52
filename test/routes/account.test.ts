import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Label, List, Todo, Webhook } from '../../clients/typescript/src/types.js';
import { buildApp } from '../../src/app.js';
import { parseEnv } from '../../src/env.js';
import { exportSection, startExport, TODOS } from '../../src/services/account-service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, todoClient, type TodoClient } from '../helpers/todo-client.js';
import { newSubject, signToken } from '../helpers/tokens.js';

interface AccountExport {
  format: string;
  format_version: number;
  exported_at: string;
  user: { id: string; email: string | null; usage: { todos: number; lists: number; labels: number } };
  lists: List[];
  labels: Label[];
  todos: Todo[];
  webhooks: Webhook[];
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function userOf(sub = newSubject('acct')): Promise<TodoClient & { sub: string }> {
  const client = todoClient(t, await signToken({ sub }));
  expectStatus(await client.me(), 200);
  return Object.assign(client, { sub });
}

const idOf = async (client: TodoClient): Promise<string> => ((await client.me()).body as { id: string }).id;

/** A user with a webhook (its events queued, no worker runs here), two lists, two labels, a todo with a labelled subtask, and `bulk` more todos written by SQL. */
async function populated(bulk = 0) {
  const me = await userOf();
  expectStatus(await me.raw('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['*'] }), 201);
  const work = (await me.raw('POST', '/v1/lists', { name: 'Work', color: '#1e90ff' })).body as List;
  const urgent = (await me.raw('POST', '/v1/labels', { name: 'urgent' })).body as Label;
  await me.raw('POST', '/v1/labels', { name: 'home' });
  const trip = (await me.create({ title: 'Plan the trip', list_id: work.id, label_ids: [urgent.id] })).body as Todo;
  await me.create({ title: 'Book flights', parent_id: trip.id, label_ids: [urgent.id] });
  await me.create({ title: 'Water the plants', description: 'Every day', priority: 'high', due_at: '2026-12-24T10:00:00Z' });
  await me.raw('POST', '/v1/todos', { title: 'With a key' }, { 'idempotency-key': 'key-1' });
  const id = await idOf(me);
  if (bulk > 0) {
    // A bulk load gives list_id and position itself (migration 2026.12.01T15.00.00); one created_at for all, so pages split ties by id.
    await t.db.query(
      `WITH seq AS (UPDATE users SET position_seq = position_seq + $2 WHERE id = $1 RETURNING position_seq - $2 AS base)
       INSERT INTO todos (id, user_id, list_id, position, title, created_at, updated_at)
       SELECT todo_api_uuid_v7(), $1, l.id, fractional_key(seq.base + g), 'Bulk ' || g, now(), now()
       FROM generate_series(1, $2) g, seq, lists l WHERE l.user_id = $1 AND l.is_default`,
      [id, bulk],
    );
  }
  return { me, id, work, urgent, trip };
}

/** The export, read whole through the app (the contract check reads it too). */
async function exported(me: TodoClient) {
  const res = await me.raw('GET', '/v1/me/export');
  return res as { status: number; headers: Headers; body: AccountExport };
}

describe('GET /v1/me/export', () => {
  it('is one document of everything the caller owns, each object as its GET returns it, across pages', async () => {
    const { me, id } = await populated(2100);
    const other = await userOf();
    await other.create({ title: 'Not yours' });
    const res = await exported(me);
    expectStatus(res, 200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="todo-api-export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const doc = res.body;
    expect(doc).toMatchObject({ format: 'todo-api-export', format_version: 1, user: { id, usage: { todos: 2104, lists: 2, labels: 2 } } });
    expect(Object.keys(doc)).toEqual(['format', 'format_version', 'exported_at', 'user', 'lists', 'labels', 'todos', 'webhooks']);
    // Webhooks as their GET shows them: never a signing secret.
    expect(doc.webhooks).toEqual(((await me.raw('GET', '/v1/webhooks')).body as { data: unknown[] }).data);
    expect(doc.webhooks).toHaveLength(1);
    expect(JSON.stringify(doc)).not.toContain('whsec_');
    // Every todo once, and exactly what the listing (GET) gives.
    const listed = await me.listAll({ limit: 100 });
    expect(doc.todos).toHaveLength(2104);
    expect(new Set(doc.todos.map((todo) => todo.id)).size).toBe(2104);
    const byId = new Map(listed.map((todo) => [todo.id, todo]));
    for (const todo of doc.todos) expect(todo).toEqual(byId.get(todo.id));
    expect(doc.lists).toEqual(((await me.raw('GET', '/v1/lists?limit=100')).body as { data: List[] }).data.sort((a, b) => b.created_at.localeCompare(a.created_at)));
    expect(doc.labels.map((label) => label.name).sort()).toEqual(['home', 'urgent']);
    const created = doc.todos.map((todo) => todo.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    expect(JSON.stringify(doc)).not.toContain('Not yours');
  });

  it('reads one snapshot: writes made while the client reads are not in it', async () => {
    const { me } = await populated(3000);
    const token = me.token!;
    const res = await t.app.request('/v1/me/export', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    // The export has read one page so far: change the account under it.
    const late = (await me.create({ title: 'Created during the export' })).body as Todo;
    const rows = await t.db.query<{ id: string }>("SELECT id FROM todos WHERE title = 'Bulk 2999'");
    expectStatus(await me.remove(rows[0]!.id), 204);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    const doc = JSON.parse(text) as AccountExport;
    expect(doc.todos).toHaveLength(3004);
    expect(doc.todos.some((todo) => todo.id === late.id)).toBe(false);
    expect(doc.todos.some((todo) => todo.id === rows[0]!.id)).toBe(true);
    expect(doc.user.usage.todos).toBe(3004);
  });

  it('runs once per user at a time (409), and again once the first is done', async () => {
    const { me } = await populated(1500);
    const first = await t.app.request('/v1/me/export', { headers: { authorization: `Bearer ${me.token}` } });
    expect(first.status).toBe(200);
    const second = await me.raw('GET', '/v1/me/export');
    expectStatus(second, 409);
    expect(second.body).toMatchObject({ code: 'export_in_progress' });
    await first.text();
    expectStatus(await exported(me), 200);
  });

  it('an export running on another instance (its advisory lock) is a 409 too', async () => {
    const me = await userOf();
    const id = await idOf(me);
    const other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query("SELECT pg_advisory_xact_lock(hashtextextended('export:' || $1, 0))", [id]);
      const res = await me.raw('GET', '/v1/me/export');
      expectStatus(res, 409);
      expect(res.body).toMatchObject({ code: 'export_in_progress' });
    } finally {
      await other.end();
    }
    expectStatus(await exported(me), 200);
  });

  it('at most EXPORT_CONCURRENCY at once on an instance: one more is a 503 with Retry-After', async () => {
    const app = buildApp({ config: parseEnv({ ...process.env, EXPORT_CONCURRENCY: '1' }) });
    const a = await populated(1500);
    const b = await userOf();
    const first = await app.request('/v1/me/export', { headers: { authorization: `Bearer ${a.me.token}` } });
    expect(first.status).toBe(200);
    const refused = await app.request('/v1/me/export', { headers: { authorization: `Bearer ${b.token}` } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    await first.text();
  });

  it('is cut off after EXPORT_TIMEOUT_MS when the client does not read, and releases its connection and lock', async () => {
    const app = buildApp({ config: parseEnv({ ...process.env, EXPORT_TIMEOUT_MS: '1000' }) });
    const { me } = await populated(5000);
    const res = await app.request('/v1/me/export', { headers: { authorization: `Bearer ${me.token}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(
      (async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
      })(),
    ).rejects.toThrow(/EXPORT_TIMEOUT_MS/);
    const open = await t.db.query("SELECT 1 FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND datname = current_database()");
    expect(open).toHaveLength(0);
    expectStatus(await exported(me), 200);
  });

  it('cuts off a client that takes no data for a while, long before EXPORT_TIMEOUT_MS', async () => {
    const { id } = await populated(3000);
    const stream = await startExport(id, () => Promise.resolve({}), [exportSection('todos', TODOS, (row) => row)], { timeoutMs: 60_000, concurrency: 10, stallMs: 300 });
    const reader = stream.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await expect(
      (async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
      })(),
    ).rejects.toThrow(/took no data for 300 ms/);
  });

  it('costs EXPORT_RATE_LIMIT_COST requests of the rate limit', async () => {
    const app = buildApp({ config: parseEnv({ ...process.env, RATE_LIMIT_REQUESTS: '100', EXPORT_RATE_LIMIT_COST: '60' }) });
    const me = await userOf();
    const auth = { headers: { authorization: `Bearer ${me.token}` } };
    const first = await app.request('/v1/me/export', auth);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit')).toMatch(/^"default";r=40;/);
    await first.text();
    const second = await app.request('/v1/me/export', auth);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await app.request('/v1/me', auth)).status).toBe(200);
  });
});

/** Every row of every table of the public schema in which some column, as text, contains `needle`. */
async function rowsMentioning(needle: string): Promise<Array<{ table: string; column: string }>> {
  const columns = await t.db.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' ORDER BY c.table_name, c.ordinal_position`,
  );
  const found: Array<{ table: string; column: string }> = [];
  for (const { table_name: table, column_name: column } of columns) {
    const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
    const hits = await t.db.query(`SELECT 1 FROM ${quoted(table)} WHERE ${quoted(column)}::text LIKE '%' || $1 || '%' LIMIT 1`, [needle]);
    if (hits.length > 0) found.push({ table, column });
  }
  return found;
}

/** A user's rows in every table that has a user_id column (and their user row). */
async function everythingOf(userId: string): Promise<Record<string, unknown[]>> {
  const tables = await t.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'user_id' ORDER BY table_name",
  );
  const out: Record<string, unknown[]> = { users: await t.db.query('SELECT * FROM users WHERE id = $1', [userId]) };
  for (const { table_name: table } of tables) out[table] = await t.db.query(`SELECT * FROM "${table}" WHERE user_id = $1 ORDER BY 1, 2`, [userId]);
  return out;
}

describe('DELETE /v1/me', () => {
  it('erases the caller and everything keyed by them, in every table, and leaves another user untouched', async () => {
    const { me, id } = await populated(1200);
    const other = await populated(10);
    const before = await everythingOf(other.id);
    expect((await rowsMentioning(id)).length).toBeGreaterThan(3);
    expect((await t.db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [id])).length).toBe(1);
    expect((await t.db.query('SELECT 1 FROM changes WHERE user_id = $1', [id])).length).toBeGreaterThan(1000);
    // The webhook, its queued events and their deliveries (no worker runs here) go too.
    expect((await t.db.query('SELECT 1 FROM webhook_deliveries WHERE user_id = $1', [id])).length).toBeGreaterThan(1000);

    const res = await me.raw('DELETE', '/v1/me');
    expectStatus(res, 204);
    expect(res.body).toBeUndefined();
    expect(await rowsMentioning(id)).toEqual([]);
    expect(await t.db.query('SELECT 1 FROM users WHERE subject = $1', [me.sub])).toEqual([]);
    expect(await everythingOf(other.id)).toEqual(before);
  });

  it('the same token then finds a fresh, empty account: a new id and its default list', async () => {
    const { me, id } = await populated();
    expectStatus(await me.raw('DELETE', '/v1/me'), 204);
    const again = await me.me();
    expectStatus(again, 200);
    expect(again.body.id).not.toBe(id);
    expect(again.body.usage).toEqual({ todos: 0, lists: 1, labels: 0, webhooks: 0 });
    const lists = (await me.raw('GET', '/v1/lists')).body as { data: List[] };
    expect(lists.data.map((list) => [list.name, list.is_default])).toEqual([['Inbox', true]]);
    expect((await me.list()).body).toMatchObject({ data: [] });
    // Nothing of the old account came back with it, the change feed included.
    const feed = (await me.raw('GET', '/v1/changes?limit=1000')).body as { data: Array<{ id: string }> };
    expect(feed.data.map((change) => change.id)).toEqual([lists.data[0]!.id]);
    expect(await rowsMentioning(id)).toEqual([]);
  });

  it('ignores Idempotency-Key, and a retry answers 204 again', async () => {
    const { me } = await populated();
    expectStatus(await me.raw('DELETE', '/v1/me', undefined, { 'idempotency-key': 'erase-1' }), 204);
    const retry = await me.raw('DELETE', '/v1/me', undefined, { 'idempotency-key': 'erase-1' });
    expectStatus(retry, 204);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await t.db.query('SELECT 1 FROM users WHERE subject = $1', [me.sub])).toEqual([]);
  });

  it('a cached id that outlived the erasure (another instance) is harmless: writes and /v1/me land in the fresh account', async () => {
    const { me, id } = await populated();
    // Erase behind this instance's back, as another instance would: its cache still holds the old id.
    await t.db.query('DELETE FROM users WHERE id = $1', [id]);
    const created = await me.create({ title: 'After the erasure' });
    expectStatus(created, 201);
    const now = await me.me();
    expectStatus(now, 200);
    expect(now.body.id).not.toBe(id);
    expect(now.body.usage).toMatchObject({ todos: 1, lists: 1 });
    expect(await rowsMentioning(id)).toEqual([]);
    for (const write of [
      () => me.raw('POST', '/v1/lists', { name: 'L' }),
      () => me.raw('POST', '/v1/labels', { name: 'B' }),
      () => me.raw('GET', '/v1/changes/latest'),
      () => me.raw('GET', '/v1/me/export'),
    ]) {
      const freshId = await idOf(me);
      await t.db.query('DELETE FROM users WHERE id = $1', [freshId]);
      const res = await write();
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
  });
});
