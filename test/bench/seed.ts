import type pg from 'pg';

// Seeding is plain SQL with generate_series: fast, and independent of the code under test.
// Values are millisecond-precise (as the service writes them) and varied enough for every filter:
// ~30% completed, ~70% with a due date within ±60 days, priorities 0..4, ~5% titles with "milk".

export interface SeededList {
  id: string;
  todoIds: string[];
}

export interface SeededUser {
  subject: string;
  todoIds: string[];
}

const TODO_COLUMNS = 'id, user_id, list_id, position, title, description, completed, completed_at, due_at, priority, version, created_at, updated_at';

// list_id and position are given: without them the todos_defaults trigger moves the user's counter
// with one UPDATE per row, and in one statement those are one ever longer chain of versions of one
// row (a user's 100k todos took 12 minutes, against 17 s given). The counter moves once a user
// instead (the CTE); the keys are its next ones, in creation order, as the migration numbered
// existing todos.
// Random values are drawn in the inner SELECT (a subquery with volatile outputs is never flattened),
// so completed_at and updated_at can be derived from the same row's draws.
const INSERT_TODOS = `
  WITH counter AS (
    UPDATE users u SET position_seq = u.position_seq + $2 FROM lists l
    WHERE u.subject = ANY($1::text[]) AND l.user_id = u.id AND ${listCondition('l', '$3')}
    RETURNING u.id AS user_id, l.id AS list_id, u.position_seq - $2 AS seq
  )
  INSERT INTO todos (${TODO_COLUMNS})
  SELECT gen_random_uuid(), s.user_id, s.list_id,
         fractional_key(s.seq + row_number() OVER (PARTITION BY s.user_id ORDER BY s.created_at, s.n)),
         CASE WHEN s.r_title < 0.05 THEN 'Buy oat milk #' || s.n ELSE 'Bench task #' || s.n END,
         CASE WHEN s.r_desc < 0.5 THEN 'Seeded description for task ' || s.n END,
         s.r_done < 0.3,
         CASE WHEN s.r_done < 0.3 THEN s.updated_at END,
         CASE WHEN s.r_due < 0.7 THEN date_trunc('milliseconds', now() + (s.r_due * 171.43 - 60) * interval '1 day') END,
         floor(s.r_prio * 5)::smallint,
         1, s.created_at, s.updated_at
  FROM (
    SELECT t.user_id, t.list_id, t.seq, t.n, t.created_at, random() AS r_title, random() AS r_desc, random() AS r_done,
           random() AS r_due, random() AS r_prio,
           date_trunc('milliseconds', t.created_at + random() * (now() - t.created_at)) AS updated_at
    FROM (
      SELECT c.user_id, c.list_id, c.seq, g AS n, date_trunc('milliseconds', now() - random() * interval '365 days') AS created_at
      FROM counter c CROSS JOIN generate_series(1, $2::int) g
    ) t
  ) s`;

/** The user's list named by the text parameter `name`, or their default list when it is NULL. */
function listCondition(alias: string, name: string): string {
  return `(CASE WHEN ${name}::text IS NULL THEN ${alias}.is_default ELSE ${alias}.name = ${name}::text AND NOT ${alias}.is_default END)`;
}

/** Users `<prefix>-1 … <prefix>-<count>`, created a year ago (each with its default list, by trigger); returns their subjects. */
export async function seedUsers(pool: pg.Pool, prefix: string, count: number): Promise<string[]> {
  const { rows } = await pool.query<{ subject: string }>(
    `INSERT INTO users (id, subject, email, created_at, updated_at)
     SELECT gen_random_uuid(), $1 || '-' || g, NULL, ts, ts
     FROM generate_series(1, $2::int) g, (SELECT date_trunc('milliseconds', now() - interval '400 days') AS ts) c
     RETURNING subject`,
    [prefix, count],
  );
  return rows.map((r) => r.subject);
}

/** One more list named `name` for each of these users, after their others (the counter's next key, as the service places one). */
export async function seedLists(pool: pg.Pool, subjects: string[], name: string): Promise<void> {
  await pool.query(
    `WITH counter AS (
       UPDATE users SET position_seq = position_seq + 1 WHERE subject = ANY($1::text[]) RETURNING id, position_seq
     )
     INSERT INTO lists (id, user_id, name, position, is_default, created_at, updated_at)
     SELECT gen_random_uuid(), c.id, $2, fractional_key(c.position_seq), false, ts, ts
     FROM counter c, (SELECT date_trunc('milliseconds', now() - interval '400 days') AS ts) x`,
    [subjects, name],
  );
}

export interface SeedTodosOptions {
  /** Rows per INSERT statement, at most (a user's todos are never split). */
  batchRows?: number;
  /** The name of the list they go to (seedLists); their default list when left out. */
  list?: string;
}

/** `perUser` todos for each of these users, at the end of one of their lists, in statements of at most `batchRows` rows. */
export async function seedTodos(pool: pg.Pool, subjects: string[], perUser: number, options: SeedTodosOptions = {}): Promise<void> {
  const usersPerBatch = Math.max(1, Math.floor((options.batchRows ?? 100_000) / perUser));
  for (let i = 0; i < subjects.length; i += usersPerBatch) {
    await pool.query(INSERT_TODOS, [subjects.slice(i, i + usersPerBatch), perUser, options.list ?? null]);
  }
}

/** Each user's todo ids, for requests that address one todo. */
export async function todoIdsBySubject(pool: pg.Pool, subjects: string[]): Promise<SeededUser[]> {
  const { rows } = await pool.query<{ subject: string; ids: string[] }>(
    `SELECT u.subject, array_agg(t.id::text) AS ids
     FROM users u JOIN todos t ON t.user_id = u.id
     WHERE u.subject = ANY($1::text[])
     GROUP BY u.subject`,
    [subjects],
  );
  const bySubject = new Map(rows.map((r) => [r.subject, r.ids]));
  return subjects.map((subject) => ({ subject, todoIds: bySubject.get(subject) ?? [] }));
}

/** Each user's list named `name` (their default list when null) with its todos' ids, in the order of `subjects`. */
export async function listsBySubject(pool: pg.Pool, subjects: string[], name: string | null): Promise<SeededList[]> {
  const { rows } = await pool.query<{ subject: string; id: string; ids: string[] }>(
    `SELECT u.subject, l.id::text AS id, array_remove(array_agg(t.id::text), NULL) AS ids
     FROM users u JOIN lists l ON l.user_id = u.id AND ${listCondition('l', '$2')}
     LEFT JOIN todos t ON t.user_id = u.id AND t.list_id = l.id
     WHERE u.subject = ANY($1::text[])
     GROUP BY u.subject, l.id`,
    [subjects, name],
  );
  const bySubject = new Map(rows.map((r) => [r.subject, { id: r.id, todoIds: r.ids }]));
  return subjects.map((subject) => {
    const list = bySubject.get(subject);
    if (!list) throw new Error(`seed: ${subject} has no list ${name ?? '(default)'}`);
    return list;
  });
}

/** Fresh planner statistics after a bulk load, as autovacuum would eventually give. */
export async function analyze(pool: pg.Pool): Promise<void> {
  await pool.query('VACUUM (ANALYZE) users, lists, todos, changes');
}

/**
 * Gives the feed users' last changes some variety, as a sync client sees them: `deletePerUser` of
 * each user's todos deleted (a change with no object) and each list changed once more, after their
 * todos (one upsert per list, read from lists). The triggers write the changes, as for any writer.
 */
export async function varyFeed(pool: pg.Pool, subjects: string[], deletePerUser: number): Promise<void> {
  await pool.query(
    `DELETE FROM todos WHERE id IN (
       SELECT id FROM (
         SELECT t.id, row_number() OVER (PARTITION BY t.user_id ORDER BY t.id) AS n
         FROM todos t JOIN users u ON u.id = t.user_id WHERE u.subject = ANY($1::text[])
       ) x WHERE x.n <= $2
     )`,
    [subjects, deletePerUser],
  );
  await pool.query(
    `UPDATE lists l SET color = '#1e90ff', version = l.version + 1, updated_at = date_trunc('milliseconds', now())
     FROM users u WHERE u.id = l.user_id AND u.subject = ANY($1::text[])`,
    [subjects],
  );
}

/** How many rows each user has in the change feed (the seed's inserts wrote them, by trigger), in the order of `subjects`. */
export async function changeCounts(pool: pg.Pool, subjects: string[]): Promise<number[]> {
  const { rows } = await pool.query<{ subject: string; n: number }>(
    `SELECT u.subject, count(c.seq)::int AS n FROM users u LEFT JOIN changes c ON c.user_id = u.id
     WHERE u.subject = ANY($1::text[]) GROUP BY u.subject`,
    [subjects],
  );
  const bySubject = new Map(rows.map((r) => [r.subject, r.n]));
  return subjects.map((subject) => bySubject.get(subject) ?? 0);
}
