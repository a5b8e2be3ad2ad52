import type { Migration } from '../src/db/migrator.js';

// One index per list sort, each per user and ending in id (the tie-break), so every sort and
// direction is an index range scan that stops after one page, however many todos a user has.
// created_at is served by todos_user_created_at_idx from the first migration.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE INDEX todos_user_updated_at_idx ON todos (user_id, updated_at, id);
    CREATE INDEX todos_user_due_at_idx ON todos (user_id, (COALESCE(due_at, 'infinity'::timestamptz)), id);
    CREATE INDEX todos_user_priority_idx ON todos (user_id, priority, id);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP INDEX todos_user_priority_idx;
    DROP INDEX todos_user_due_at_idx;
    DROP INDEX todos_user_updated_at_idx;
  `);
};
