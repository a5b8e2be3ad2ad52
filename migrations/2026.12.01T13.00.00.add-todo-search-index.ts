import type { Migration } from '../src/db/migrator.js';

// `q` searches through a trigram index, so their cost follows the rows that can match, not every
// row the caller has. pg_trgm and btree_gin are trusted extensions (PostgreSQL 13+; on Neon and in
// the embedded binaries), so the database owner may create them. btree_gin lets the index start
// with user_id: a search reads only the caller's entries, however many rows other users have.
// The indexed expression is the one the service's search condition repeats (todo-service.ts,
// SEARCH_TEXT): it must stay identical there, or the planner cannot use the index.
// Building it scans the table, which can outlast the role's statement_timeout on a big one:
// the timeout is lifted for this migration's transaction only.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE EXTENSION IF NOT EXISTS btree_gin;
    CREATE INDEX todos_user_search_idx ON todos USING gin (user_id, lower(title || ' ' || coalesce(description, '')) gin_trgm_ops);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  // Without CASCADE: an extension that something else has come to use is left in place, with an error.
  await sequelize.query(`
    DROP INDEX todos_user_search_idx;
    DROP EXTENSION IF EXISTS btree_gin;
    DROP EXTENSION IF EXISTS pg_trgm;
  `);
};
