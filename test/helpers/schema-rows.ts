import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestDatabase } from './test-database.js';

// Rows made with plain SQL, for tests of the rules the schema itself keeps (migration
// 2026.12.01T15.00.00): what any writer gets, the API or SQL by hand.

export interface UserRow {
  id: string;
  /** The default list the users trigger made. */
  inbox: string;
}

export interface TodoRow {
  id: string;
  user_id: string;
  list_id: string;
  parent_id: string | null;
  position: string;
  label_ids: string[];
  subtask_count: number;
  open_subtask_count: number;
  completed: boolean;
  version: number;
}

export const TODO_FIELDS = 'id, user_id, list_id, parent_id, position, label_ids, subtask_count, open_subtask_count, completed, version';

export async function insertUser(db: TestDatabase): Promise<UserRow> {
  const id = randomUUID();
  await db.query('INSERT INTO users (id, subject) VALUES ($1, $2)', [id, `schema-${id}`]);
  const [inbox] = await db.query<{ id: string }>('SELECT id FROM lists WHERE user_id = $1 AND is_default', [id]);
  return { id, inbox: inbox!.id };
}

/** A list at the end of the user's lists (the counter's next key, as the service does). */
export async function insertList(db: TestDatabase, userId: string, name = 'Work'): Promise<string> {
  const id = randomUUID();
  await db.query(
    `WITH k AS (UPDATE users SET position_seq = position_seq + 1 WHERE id = $2 RETURNING fractional_key(position_seq) AS key)
     INSERT INTO lists (id, user_id, name, position, created_at, updated_at) SELECT $1, $2, $3, k.key, now(), now() FROM k`,
    [id, userId, name],
  );
  return id;
}

export interface NewTodo {
  list?: string | null;
  parent?: string | null;
  position?: string | null;
  completed?: boolean;
  labels?: string[];
  id?: string;
}

/** A todo; without list or position the schema's defaults apply (its trigger). */
export async function insertTodo(db: TestDatabase, userId: string, todo: NewTodo = {}): Promise<TodoRow> {
  const completed = todo.completed ?? false;
  const [row] = await db.query<TodoRow>(
    `INSERT INTO todos (id, user_id, title, list_id, parent_id, position, completed, completed_at, label_ids)
     VALUES ($1, $2, 'a todo', $3, $4, $5, $6, CASE WHEN $6 THEN now() END, $7::uuid[]) RETURNING ${TODO_FIELDS}`,
    [todo.id ?? randomUUID(), userId, todo.list ?? null, todo.parent ?? null, todo.position ?? null, completed, todo.labels ?? []],
  );
  return row!;
}

export async function insertLabel(db: TestDatabase, userId: string, name = `label ${randomUUID()}`): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO labels (id, user_id, name, created_at, updated_at) VALUES ($1, $2, $3, now(), now())', [id, userId, name]);
  return id;
}

export async function todoRow(db: TestDatabase, id: string): Promise<TodoRow> {
  const [row] = await db.query<TodoRow>(`SELECT ${TODO_FIELDS} FROM todos WHERE id = $1`, [id]);
  expect(row, `todo ${id} should exist`).toBeDefined();
  return row!;
}

export async function setCompleted(db: TestDatabase, id: string, completed: boolean): Promise<void> {
  await db.query('UPDATE todos SET completed = $2, completed_at = CASE WHEN $2 THEN now() END WHERE id = $1', [id, completed]);
}

/** The error a statement failed with: fails the test when it did not fail. */
export async function refusal(work: Promise<unknown>): Promise<{ code?: string; constraint?: string; message: string }> {
  const outcome = await work.then(
    () => ({ refused: false as const }),
    (error: unknown) => ({ refused: true as const, error }),
  );
  expect(outcome.refused, 'the statement should have been refused').toBe(true);
  return (outcome as { error: { code?: string; constraint?: string; message: string } }).error;
}

/**
 * Every count the triggers keep, every todo_labels row and every subtask's list, compared with
 * what the rows say: the rows where the two differ (none when the schema kept its rules).
 */
export async function inconsistencies(db: TestDatabase): Promise<Array<{ kind: string; id: string; stored: unknown; actual: unknown }>> {
  return db.query(`
    SELECT kind, id, stored, actual FROM (
      SELECT 'list counts' AS kind, l.id,
        jsonb_build_array(l.todo_count, l.open_todo_count) AS stored,
        jsonb_build_array((SELECT count(*) FROM todos t WHERE t.list_id = l.id), (SELECT count(*) FROM todos t WHERE t.list_id = l.id AND NOT t.completed)) AS actual
      FROM lists l
      UNION ALL
      SELECT 'subtask counts', p.id,
        jsonb_build_array(p.subtask_count, p.open_subtask_count),
        jsonb_build_array((SELECT count(*) FROM todos c WHERE c.parent_id = p.id), (SELECT count(*) FROM todos c WHERE c.parent_id = p.id AND NOT c.completed))
      FROM todos p
      UNION ALL
      SELECT 'user counts', u.id,
        jsonb_build_array(u.todo_count, u.list_count, u.label_count),
        jsonb_build_array((SELECT count(*) FROM todos t WHERE t.user_id = u.id), (SELECT count(*) FROM lists l WHERE l.user_id = u.id), (SELECT count(*) FROM labels b WHERE b.user_id = u.id))
      FROM users u
      UNION ALL
      SELECT 'todo_labels', t.id,
        to_jsonb(ARRAY(SELECT DISTINCT x FROM unnest(t.label_ids) AS x ORDER BY 1)),
        to_jsonb(ARRAY(SELECT tl.label_id FROM todo_labels tl WHERE tl.todo_id = t.id ORDER BY 1))
      FROM todos t
      UNION ALL
      SELECT 'subtask list', c.id, to_jsonb(c.list_id), to_jsonb(p.list_id) FROM todos c JOIN todos p ON p.id = c.parent_id
      UNION ALL
      SELECT 'default lists', u.id, to_jsonb((SELECT count(*) FROM lists l WHERE l.user_id = u.id AND l.is_default)), to_jsonb(1) FROM users u
    ) AS x
    WHERE stored IS DISTINCT FROM actual
    ORDER BY kind, id`);
}
