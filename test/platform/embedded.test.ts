import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { checkedFetch } from '../helpers/contract.js';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { spawnServer } from '../helpers/spawn-server.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-embedded-'));

async function withEmbedded<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const db = await startEmbeddedDatabase({ dataDir });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
    await db.stop();
  }
}

describe('npm start with no DATABASE_URL', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts an embedded PostgreSQL in DATA_DIR, serves, and stops it cleanly on SIGTERM', async () => {
    const server = spawnServer({ DATA_DIR: dataDir, DATABASE_URL: '', AUTH_JWT_SECRET: '' });
    try {
      const url = await server.ready;
      const banner = server.logs.find((l) => String(l.msg).startsWith('Todo API listening'));
      // The token command itself is the start-up hint's business (test/cli/token.test.ts).
      expect(banner?.token_command).toEqual(expect.stringContaining('npm run -s token -- --email'));
      expect(banner?.msg).toBe(`Todo API listening on ${url} (docs: ${url}/docs); get a token with: ${String(banner?.token_command)}`);
      expect((await checkedFetch(`${url}/health/ready`)).status).toBe(200);
      const docs = await checkedFetch(`${url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui-bundle.js');
      expect(await server.stop('SIGTERM')).toBe(0);
      // PostgreSQL removes its pid file on a clean shutdown, and the server its owner file.
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'postgres.owner'))).toBe(false);
    } finally {
      await server.stop('SIGTERM');
    }
  });

  it('keeps the data across restarts', async () => {
    const id = randomUUID();
    await withEmbedded((c) => c.query("INSERT INTO users (id, subject) VALUES ($1, 'survivor')", [id]));

    const server = spawnServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
    try {
      const url = await server.ready;
      expect((await checkedFetch(`${url}/health/ready`)).status).toBe(200);
      expect(server.logs.some((l) => l.msg === 'migration applied')).toBe(false);
      expect(await server.stop('SIGINT')).toBe(0);
    } finally {
      await server.stop('SIGTERM');
    }

    const rows = await withEmbedded(async (c) => (await c.query<{ id: string }>('SELECT id FROM users WHERE subject = $1', ['survivor'])).rows);
    expect(rows).toEqual([{ id }]);
  });
});
