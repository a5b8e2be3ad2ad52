import type pg from 'pg';

// Seeding is plain SQL with generate_series: fast, and independent of the code under test.
// Values are millisecond-precise (as the service writes them) and varied enough for every filter:
// ~30% completed, ~70% with a due date within ±60 days, priorities 0..4, ~5% titles with "milk".

export interface SeededUser {
  subject: string;
  todoIds: string[];
}

const TODO_COLUMNS = 'id, user_id, title, description, completed, completed_at, due_at, priority, version, created_at, updated_at';

// Random values are drawn in the inner SELECT (a subquery with volatile outputs is never flattened),
// so completed_at and updated_at can be derived from the same row's draws.
const TODO_ROWS = `
  SELECT gen_random_uuid(), s.user_id,
         CASE WHEN s.r_title < 0.05 THEN 'Buy oat milk #' || s.n ELSE 'Bench task #' || s.n END,
         CASE WHEN s.r_desc < 0.5 THEN 'Seeded description for task ' || s.n END,
         s.r_done < 0.3,
         CASE WHEN s.r_done < 0.3 THEN s.updated_at END,
         CASE WHEN s.r_due < 0.7 THEN date_trunc('milliseconds', now() + (s.r_due * 171.43 - 60) * interval '1 day') END,
         floor(s.r_prio * 5)::smallint,
         1, s.created_at, s.updated_at
  FROM (
    SELECT t.user_id, t.n, t.created_at, random() AS r_title, random() AS r_desc, random() AS r_done,
           random() AS r_due, random() AS r_prio,
           date_trunc('milliseconds', t.created_at + random() * (now() - t.created_at)) AS updated_at
    FROM (
      SELECT u.id AS user_id, g AS n, date_trunc('milliseconds', now() - random() * interval '365 days') AS created_at
      FROM users u CROSS JOIN generate_series(1, $2::int) g
      WHERE u.subject = ANY($1::text[])
    ) t
  ) s`;

/** Users `<prefix>-1 … <prefix>-<count>`, created a year ago; returns their subjects. */
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

/** `perUser` todos for each of these users, in statements of at most `batchRows` rows. */
export async function seedTodos(pool: pg.Pool, subjects: string[], perUser: number, batchRows = 100_000): Promise<void> {
  const usersPerBatch = Math.max(1, Math.floor(batchRows / perUser));
  for (let i = 0; i < subjects.length; i += usersPerBatch) {
    await pool.query(`INSERT INTO todos (${TODO_COLUMNS}) ${TODO_ROWS}`, [subjects.slice(i, i + usersPerBatch), perUser]);
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

/** Fresh planner statistics after a bulk load, as autovacuum would eventually give. */
export async function analyze(pool: pg.Pool): Promise<void> {
  await pool.query('VACUUM (ANALYZE) users, todos');
}
