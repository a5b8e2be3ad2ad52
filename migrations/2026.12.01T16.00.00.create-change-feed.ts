import type { Migration } from '../src/db/migrator.js';

// The change feed (API.md, The change feed): one row per todo, list and label a user has or had
// (compacted: the object's latest change), numbered by a per-user counter and written by
// triggers, so that every writer (the API, a cascade, another trigger, SQL by hand) is recorded
// and a write costs no extra round trip.
//
// - Commit order: a trigger takes its seqs with `UPDATE users SET change_seq = change_seq + n`,
//   and the user row stays locked from that UPDATE until the transaction ends. A later
//   transaction of the same user waits for that lock, so it takes greater seqs only after the
//   earlier one committed (or rolled back: its seqs are never seen). A snapshot that shows a seq
//   s of a user therefore shows every smaller seq of that user, and a reader asking for
//   "seq > cursor" never skips a commit, whatever order concurrent transactions commit in.
// - Statement-level triggers with transition tables, never row-level ones: a cascade of
//   thousands of rows bumps the counter once per statement, not once a row (an ever longer
//   update chain of the user row; see todos_defaults in 2026.12.01T15.00.00).
// - An UPDATE records the rows whose row changed, count-only changes included (a list's
//   todo_count, a parent's subtask_count, which keep the version): the feed's `data` is the
//   object as a GET returns it, and a replica that applies by version (>=) stays exact.
// - Deletions are kept CHANGES_RETENTION_DAYS: the sweep that removes older ones raises the
//   user's changes_purged_through to the greatest seq it removed; a cursor before it is a 410.

const TABLES = [
  ['todos', 'todo'],
  ['lists', 'list'],
  ['labels', 'label'],
] as const;

// One statement per trigger: the affected rows, the counter bumped once per user by their number
// (RETURNING the base), and the rows upserted with base + 1, base + 2…
const record = (rows: string, op: string) => `
  WITH affected AS (${rows}),
  counted AS (SELECT user_id, count(*) AS n FROM affected GROUP BY user_id),
  bumped AS (
    UPDATE users u SET change_seq = u.change_seq + c.n FROM counted c WHERE u.id = c.user_id
    RETURNING u.id AS user_id, u.change_seq - c.n AS base
  )
  INSERT INTO changes (user_id, type, id, seq, op, version, changed_at)
    SELECT a.user_id, kind, a.id, b.base + row_number() OVER (PARTITION BY a.user_id ORDER BY a.id), '${op}', a.version, statement_timestamp()
    FROM affected a JOIN bumped b ON b.user_id = a.user_id
  ON CONFLICT (user_id, type, id) DO UPDATE
    SET seq = EXCLUDED.seq, op = EXCLUDED.op, version = EXCLUDED.version, changed_at = EXCLUDED.changed_at;`;

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;
    LOCK TABLE users, todos, lists, labels IN EXCLUSIVE MODE;

    ALTER TABLE users ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN changes_purged_through bigint NOT NULL DEFAULT 0;

    CREATE TABLE changes (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      type text NOT NULL CONSTRAINT changes_type_known CHECK (type IN ('todo', 'list', 'label')),
      id uuid NOT NULL,
      seq bigint NOT NULL CONSTRAINT changes_seq_positive CHECK (seq >= 1),
      op text NOT NULL CONSTRAINT changes_op_known CHECK (op IN ('upsert', 'delete')),
      version integer NOT NULL,
      changed_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, type, id)
    );
    -- GET /v1/changes: a user's changes after a seq, in seq order.
    CREATE UNIQUE INDEX changes_user_seq_key ON changes (user_id, seq);
    -- The retention sweep: the oldest deletions, whoever they belong to.
    CREATE INDEX changes_deleted_at_idx ON changes (changed_at) WHERE op = 'delete';

    -- TG_ARGV[0] is the feed's type of the table's rows; every table names its transition tables alike.
    CREATE FUNCTION changes_record() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      kind constant text := TG_ARGV[0];
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${record('SELECT user_id, id, version FROM inserted', 'upsert')}
      ELSIF TG_OP = 'UPDATE' THEN
        ${record('SELECT n.user_id, n.id, n.version FROM updated_new n JOIN updated_old o ON o.id = n.id WHERE o IS DISTINCT FROM n', 'upsert')}
      ELSE
        ${record('SELECT user_id, id, version FROM deleted', 'delete')}
      END IF;
      RETURN NULL;
    END $$;

    ${TABLES.map(
      ([table, type]) => `
    CREATE TRIGGER ${table}_changes_inserted AFTER INSERT ON ${table}
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION changes_record('${type}');
    CREATE TRIGGER ${table}_changes_updated AFTER UPDATE ON ${table}
      REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new FOR EACH STATEMENT EXECUTE FUNCTION changes_record('${type}');
    CREATE TRIGGER ${table}_changes_deleted AFTER DELETE ON ${table}
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION changes_record('${type}');`,
    ).join('\n')}

    -- What exists now: one upsert each, numbered per user (lists, then labels, then todos).
    INSERT INTO changes (user_id, type, id, seq, op, version, changed_at)
      SELECT user_id, type, id, row_number() OVER (PARTITION BY user_id ORDER BY rank, id), 'upsert', version, now()
      FROM (
        SELECT user_id, 'list' AS type, 1 AS rank, id, version FROM lists
        UNION ALL SELECT user_id, 'label', 2, id, version FROM labels
        UNION ALL SELECT user_id, 'todo', 3, id, version FROM todos
      ) existing;
    UPDATE users u SET change_seq = c.n FROM (SELECT user_id, max(seq) AS n FROM changes GROUP BY user_id) c WHERE u.id = c.user_id;
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;
    ${TABLES.map(
      ([table]) => `
    DROP TRIGGER ${table}_changes_deleted ON ${table};
    DROP TRIGGER ${table}_changes_updated ON ${table};
    DROP TRIGGER ${table}_changes_inserted ON ${table};`,
    ).join('\n')}
    DROP FUNCTION changes_record();
    DROP TABLE changes;
    ALTER TABLE users DROP COLUMN changes_purged_through, DROP COLUMN change_seq;
  `);
};
