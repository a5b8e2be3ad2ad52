import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/database.js';
import { freePort, startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type TodoClient } from '../helpers/todo-client.js';

// A database of its own, on a fixed port, that this test stops and starts under load.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ACQUIRE_TIMEOUT_MS = 1000;

describe('database outage under a steady load of writes', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-outage-'));
  let port: number;
  let server: EmbeddedDatabase;
  let pool: pg.Pool;
  let t: TestApp;
  let me: TodoClient;

  beforeAll(async () => {
    port = await freePort();
    server = await startEmbeddedDatabase({ dataDir, port, database: 'outage' });
    await migrate({ url: server.url });
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => {});
    const database = { url: server.url, name: 'outage', query: async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => (await pool.query<R>(sql, params)).rows, drop: async () => {} };
    t = await startTestApp({ database, poolMax: 5, acquireTimeoutMs: ACQUIRE_TIMEOUT_MS });
    me = await newUser(t);
    expect((await me.list()).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await pool.end();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 fast while the database is down, recovers by itself, and keeps every acknowledged write', async () => {
    const results: Array<{ status: number; id?: string; title: string; ms: number; at: number }> = [];
    const started = performance.now();
    let running = true;
    const writer = async (w: number) => {
      for (let i = 0; running; i += 1) {
        const title = `w${w}-${i}`;
        const t0 = performance.now();
        const res = await me.create({ title });
        results.push({ status: res.status, id: res.status === 201 ? res.body.id : undefined, title, ms: performance.now() - t0, at: t0 - started });
        if (res.status !== 201) await sleep(20);
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => writer(w));

    await sleep(1500);
    const downAt = performance.now() - started;
    await server.stop();
    await sleep(300);
    const readyWhileDown = await t.request('/health/ready');
    await sleep(1500);
    server = await startEmbeddedDatabase({ dataDir, port, database: 'outage' });
    const upAt = performance.now() - started;
    await sleep(2500);
    running = false;
    await Promise.all(writers);

    expect(readyWhileDown.status).toBe(503);
    const acknowledged = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 503);
    expect(results.every((r) => r.status === 201 || r.status === 503), JSON.stringify([...new Set(results.map((r) => r.status))])).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    const slowest503 = Math.max(...refused.map((r) => r.ms));
    expect(slowest503).toBeLessThan(ACQUIRE_TIMEOUT_MS + 1500);
    // Recovered with no restart: the last second is all successes.
    const lastSecond = results.filter((r) => r.at > upAt + 1500);
    expect(lastSecond.length).toBeGreaterThan(0);
    expect(lastSecond.every((r) => r.status === 201)).toBe(true);

    const rows = await t.db.query<{ id: string; title: string }>("SELECT id, title FROM todos WHERE title LIKE 'w%'");
    const stored = new Map(rows.map((r) => [r.id, r.title]));
    for (const r of acknowledged) expect(stored.get(r.id!), r.title).toBe(r.title);
    const failedTitles = new Set(refused.map((r) => r.title));
    expect(rows.filter((r) => failedTitles.has(r.title))).toEqual([]);
    expect(rows.length).toBe(acknowledged.length);

    console.log(
      `outage: ${results.length} writes sent, ${acknowledged.length} acknowledged (201), ${refused.length} refused (503), ` +
        `${rows.length} rows found afterwards; database down from ${Math.round(downAt)} ms to ${Math.round(upAt)} ms; slowest 503: ${Math.round(slowest503)} ms`,
    );
  });
});
