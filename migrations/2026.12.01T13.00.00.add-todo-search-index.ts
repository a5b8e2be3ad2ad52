import type { Migration } from '../src/db/migrator.js';

// `q` searches through a trigram index, so their cost follows the rows that can match, not every
// row the caller has. pg_trgm and btree_gin are trusted extensions (PostgreSQL 13+; on Neon and in
// the embedded binaries), so the database owner may create them. btree_gin lets the index start
// with user_id: a search reads only the caller's entries, however many rows other users have.
// The indexed expression is the one the service's search condition repeats (todo-service.ts,
// SEARCH_TEXT): it must stay identical there, or the planner cannot use the index.
// gin_pending_list_limit = 64 kB (the least): new entries wait in GIN's pending list until it
// fills or a vacuum merges them, and every search reads that list whole; at the default 4 MB, a
// few thousand fresh rows made the planner cost the index above filtering the caller's rows
// (0.4 ms a crafted 9 KB row: 220 ms for the 550-row attack, under 1 ms through the index). A
// 64 kB list keeps the index the planner's choice, at ~50 µs an insert (~28 µs at 4 MB, ~94 µs
// with no pending list at all, fastupdate = off).
// Building it scans the table, which can outlast the role's statement_timeout on a big one:
// the timeout is lifted for this migration's transaction only.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE EXTENSION IF NOT EXISTS btree_gin;
    CREATE INDEX todos_user_search_idx ON todos USING gin (user_id, lower(title || ' ' || coalesce(description, '')) gin_trgm_ops)
      WITH (gin_pending_list_limit = 64);
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
