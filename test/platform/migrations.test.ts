import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedFetch } from '../helpers/contract.js';
import { createSequelize } from '../../src/db/connection.js';
import { migrate } from '../../src/db/database.js';
import { createMigrator, shippedMigrationNames } from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { spawnServer } from '../helpers/spawn-server.js';

const root = path.resolve(import.meta.dirname, '../..');

const tables = async (db: TestDatabase) =>
  (await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => r.t);

describe('migrations on an empty database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('go up, down to zero, and up again', async () => {
    const shipped = shippedMigrationNames();
    expect(shipped.length).toBeGreaterThan(0);
    expect(await migrate({ url: db.url })).toEqual(shipped);
    expect(await tables(db)).toEqual(['changes', 'idempotency_keys', 'labels', 'lists', 'schema_migrations', 'service_secrets', 'todo_labels', 'todos', 'users', 'webhook_attempts', 'webhook_deliveries', 'webhook_events', 'webhooks']);

    const sequelize = createSequelize({ url: db.url, withModels: false });
    try {
      const reverted = await createMigrator(sequelize).down({ to: 0 });
      expect(reverted.map((m) => m.name)).toEqual([...shipped].reverse());
    } finally {
      await sequelize.close();
    }
    expect(await tables(db)).toEqual(['schema_migrations']);
    expect(await db.query('SELECT * FROM schema_migrations')).toEqual([]);

    expect(await migrate({ url: db.url })).toEqual(shipped);
    expect(await tables(db)).toEqual(['changes', 'idempotency_keys', 'labels', 'lists', 'schema_migrations', 'service_secrets', 'todo_labels', 'todos', 'users', 'webhook_attempts', 'webhook_deliveries', 'webhook_events', 'webhooks']);
    expect(await migrate({ url: db.url })).toEqual([]);
  });

  it('the CLI lists executed and pending migrations', () => {
    const run = (command: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts', command], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: db.url },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const executed = run('executed');
    expect(executed.status).toBe(0);
    for (const name of shippedMigrationNames()) expect(executed.stdout).toContain(name);
    const pending = run('pending');
    expect(pending.status).toBe(0);
    expect(pending.stdout).not.toContain(shippedMigrationNames()[0]);
  });
});

describe('two instances starting together on an empty database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('both come up, and each migration ran exactly once', async () => {
    const servers = [spawnServer({ DATABASE_URL: db.url }), spawnServer({ DATABASE_URL: db.url })];
    try {
      const urls = await Promise.all(servers.map((s) => s.ready));
      for (const url of urls) expect((await checkedFetch(`${url}/health/ready`)).status).toBe(200);
      const applied = servers.flatMap((s) => s.logs.filter((l) => l.msg === 'migration applied').map((l) => l.migration));
      expect(applied.sort()).toEqual(shippedMigrationNames());
      const rows = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      expect(rows.map((r) => r.name)).toEqual(shippedMigrationNames());
    } finally {
      const codes = await Promise.all(servers.map((s) => s.stop()));
      expect(codes).toEqual([0, 0]);
    }
  });
});
