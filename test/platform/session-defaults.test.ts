import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSequelize } from '../../src/db/connection.js';
import { applySessionDefaults } from '../../src/db/session-defaults.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// Instances that start together all make the timeouts defaults of the same role in the same
// database. Unserialised, their ALTER ROLE … SET raced on one pg_db_role_setting row and a
// server failed its start-up with "tuple concurrently updated" (seen in a CI run).
describe('role session defaults set by instances starting at once', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('every instance succeeds, and the role ends up with both timeouts', async () => {
    for (const timeoutMs of [7000, 8000]) {
      const instances = Array.from({ length: 6 }, () => createSequelize({ url: db.url, poolMax: 1, withModels: false }));
      try {
        const results = await Promise.all(instances.map((sequelize) => applySessionDefaults(sequelize, timeoutMs)));
        expect(results).toEqual(Array(6).fill(true));
      } finally {
        await Promise.all(instances.map((sequelize) => sequelize.close()));
      }
      const [row] = await db.query<{ setconfig: string[] }>(
        `SELECT setconfig FROM pg_db_role_setting
         WHERE setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(row!.setconfig).toEqual(expect.arrayContaining([`statement_timeout=${timeoutMs}ms`, `idle_in_transaction_session_timeout=${timeoutMs}ms`]));
    }
  });
});
