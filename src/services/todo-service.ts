import { v7 as uuidv7 } from 'uuid';
import { keysetCondition, keysetOrder, type SortSpec } from '../db/keyset.js';
import { withStatementTimeout } from '../db/statement-timeout.js';
import { TODO_COLUMNS, Todo, type TodoRow } from '../db/models/index.js';
import { BindParameters, ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';
import { explainNoMatch, explainNotDeleted, notFound, versionCondition, versionSql, type ExpectedVersions } from './conditional-write.js';
import { decodeCursor, keysetPage } from './cursor.js';

export type { TodoRow } from '../db/models/index.js';
export type { ExpectedVersions } from './conditional-write.js';

export const PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SORTS = ['created_at', '-created_at', 'due_at', '-due_at', 'priority', '-priority', 'updated_at', '-updated_at'] as const;
export type Sort = (typeof SORTS)[number];

export interface TodoInput {
  title: string;
  description?: string | null | undefined;
  completed?: boolean | undefined;
  due_at?: Date | null | undefined;
  priority?: Priority | undefined;
}

export type TodoPatch = Partial<TodoInput>;

export interface ListFilters {
  completed?: boolean | undefined;
  q?: string | undefined;
  due_before?: Date | undefined;
  due_after?: Date | undefined;
  updated_since?: Date | undefined;
  priority?: Priority[] | undefined;
}

export interface ListOptions extends ListFilters {
  limit?: number | undefined;
  cursor?: string | undefined;
  sort?: Sort | undefined;
}

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);
export const priorityName = (rank: number): Priority => PRIORITIES[rank] ?? 'none';

const RESOURCE = 'todo';

/** The caller's todos: every query below goes through this, so it is always scoped to the caller. */
const todosOf = (userId: string) => ownedBy(Todo, userId);

const COLUMNS = TODO_COLUMNS.join(', ');

// The four statements of the request hot paths (get, list, create, update) are written out and
// sent with `sequelize.query` + bind (through ownedBy().rows): building them with Model.findOne
// and Model.create cost more CPU than the statements themselves (in-process, per call: findOne
// 344 µs against 150 µs for the written SELECT; create 721 µs against 376 µs), which the bench's
// targets cannot afford. Rarer statements (delete, the re-read that tells 404 from 412) use the
// model API through the same accessor.

// The quota check is part of the INSERT: it inserts only while the caller's todo count (kept in
// their user row by triggers, migration 2026.12.01T13.10.00) is under the limit, so it reads one
// row instead of counting. FOR UPDATE makes concurrent creates of one user wait for each other and
// read the count the previous one left, so two creates at limit - 1 cannot both succeed.
const INSERT = `INSERT INTO todos (user_id, id, title, description, completed, completed_at, due_at, priority, version, created_at, updated_at)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9
  WHERE coalesce((SELECT todo_count FROM users WHERE id = $1 FOR UPDATE), 0) < $10
  RETURNING ${COLUMNS}`;
const SELECT_ONE = `SELECT ${COLUMNS} FROM todos WHERE user_id = $1 AND id = $2`;

/** Creates a todo, unless the caller already has `maxTodos` (LIMIT_TODOS_PER_USER): then a 409 `limit_reached`. */
export async function createTodo(userId: string, input: TodoInput, maxTodos: number): Promise<TodoRow> {
  const now = new Date();
  const completed = input.completed ?? false;
  const [row] = await todosOf(userId).rows<TodoRow>(INSERT, [
    uuidv7(),
    input.title,
    input.description ?? null,
    completed,
    completed ? now : null,
    input.due_at ?? null,
    priorityRank(input.priority ?? 'none'),
    now,
    maxTodos,
  ]);
  if (!row) {
    throw new ApiError('limit_reached', {
      detail: `You have ${maxTodos} todos, the most one user may have (limits.todos in GET /v1/me). Delete some to create more. Nothing was changed.`,
    });
  }
  return row;
}

/** The todo, or null when the caller has none with this id (the re-read after a conditional write). */
async function findTodo(userId: string, id: string): Promise<TodoRow | null> {
  return todosOf(userId).findOne({ where: { id }, attributes: [...TODO_COLUMNS] });
}

export async function getTodo(userId: string, id: string): Promise<TodoRow> {
  const [todo] = await todosOf(userId).rows<TodoRow>(SELECT_ONE, [id]);
  if (!todo) throw notFound(RESOURCE);
  return todo;
}

/** The patchable columns, with the SQL type their bind parameter is compared as. */
const PATCH_COLUMNS = { title: 'text', description: 'text', due_at: 'timestamptz', priority: 'smallint', completed: 'boolean' } as const;

/**
 * Applies a merge patch in one UPDATE … RETURNING that also bumps `version` and keeps
 * `completed_at`, only where the todo is at an expected version and the patch changes
 * something. When it matches nothing, the todo is read to tell "unchanged" from 404 and 412.
 * Written out: Sequelize has no IS DISTINCT FROM, and must not inline a caller's text (user-scope.ts).
 */
export async function updateTodo(userId: string, id: string, patch: TodoPatch, expected?: ExpectedVersions): Promise<TodoRow> {
  const values: Partial<Record<keyof typeof PATCH_COLUMNS, unknown>> = {
    title: patch.title,
    description: patch.description,
    due_at: patch.due_at,
    priority: patch.priority === undefined ? undefined : priorityRank(patch.priority),
    completed: patch.completed,
  };
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  const now = binds.add(new Date());
  const sets: string[] = [];
  const changes: string[] = [];
  for (const [column, type] of Object.entries(PATCH_COLUMNS) as Array<[keyof typeof PATCH_COLUMNS, string]>) {
    if (values[column] === undefined) continue;
    const p = binds.add(values[column]);
    sets.push(`${column} = ${p}::${type}`);
    changes.push(`${column} IS DISTINCT FROM ${p}::${type}`);
  }
  if (changes.length === 0) return explainNoMatch(RESOURCE, await findTodo(userId, id), expected);
  if (patch.completed !== undefined) sets.push(patch.completed ? `completed_at = COALESCE(completed_at, ${now})` : 'completed_at = NULL');
  const versions = versionSql(expected, binds);
  const [updated] = await todosOf(userId).rows<TodoRow>(
    `UPDATE todos SET ${sets.join(', ')}, version = version + 1, updated_at = ${now}
     WHERE user_id = $1 AND id = ${idParam}${versions} AND (${changes.join(' OR ')})
     RETURNING ${COLUMNS}`,
    binds.values,
  );
  return updated ?? explainNoMatch(RESOURCE, await findTodo(userId, id), expected);
}

export async function deleteTodo(userId: string, id: string, expected?: ExpectedVersions): Promise<void> {
  const deleted = await todosOf(userId).destroy({ id, ...versionCondition(expected) });
  if (deleted === 0) explainNotDeleted(RESOURCE, await findTodo(userId, id), expected);
}

const SORT_SPECS: Record<Sort, SortSpec> = Object.fromEntries(
  SORTS.map((sort) => {
    const field = sort.replace(/^-/, '');
    const expression = field === 'due_at' ? "COALESCE(due_at, 'infinity'::timestamptz)" : field;
    return [sort, { expression, cast: field === 'priority' ? 'smallint' : 'timestamptz', descending: sort.startsWith('-') }];
  }),
) as Record<Sort, SortSpec>;

/** The expression todos_user_search_idx indexes (migration 2026.12.01T13.00.00): repeated exactly, or the index is not used. */
const SEARCH_TEXT = "lower(title || ' ' || coalesce(description, ''))";

/** The longest part of `q` that the index condition matches with LIKE (see searchConditions). */
const SEARCH_PART = 16;

/** A LIKE pattern, in SQL, that finds the text of `part` (an SQL expression) anywhere: `\`, `%` and `_` match themselves. */
const containing = (part: string) => `'%' || replace(replace(replace(${part}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;

/**
 * `q`: a case-insensitive substring of the title or the description, as `strpos` on lower()
 * (what ILIKE means in a UTF-8 database, at a cost linear in the text, where ILIKE's backtracking
 * cost 3 ms on a crafted 9 KB row). The trigram index narrows the rows first: it is used through
 * `SEARCH_TEXT LIKE`, which the index cannot answer exactly, so PostgreSQL re-checks it on each
 * row the index returns. That re-check is given at most the first and the last 16 characters of
 * `q`, so its cost per row stays linear in the text however long `q` is; the strpos conditions
 * then decide. lower() of the whole `q` is cut in SQL, so each part is a substring of it.
 * Under 3 characters there is no trigram to look up: the caller's own rows are filtered, which
 * the search statement timeout bounds.
 */
function searchConditions(q: string, binds: BindParameters): string[] {
  const lowered = `lower(${binds.add(q)}::text)`;
  const parts = [...q].length <= SEARCH_PART ? [lowered] : [`left(${lowered}, ${SEARCH_PART})`, `right(${lowered}, ${SEARCH_PART})`];
  return [
    ...parts.map((part) => `${SEARCH_TEXT} LIKE ${containing(part)}`),
    `(strpos(lower(title), ${lowered}) > 0 OR strpos(lower(description), ${lowered}) > 0)`,
  ];
}

function filterConditions(filters: ListFilters, binds: BindParameters): string[] {
  const where: string[] = [];
  if (filters.completed !== undefined) where.push(`completed = ${binds.add(filters.completed)}`);
  if (filters.q !== undefined) where.push(...searchConditions(filters.q, binds));
  if (filters.due_before) where.push(`due_at < ${binds.add(filters.due_before)}`);
  if (filters.due_after) where.push(`due_at > ${binds.add(filters.due_after)}`);
  if (filters.updated_since) where.push(`updated_at >= ${binds.add(filters.updated_since)}`);
  if (filters.priority) where.push(`priority = ANY (${binds.add(filters.priority.map(priorityRank))}::smallint[])`);
  return where;
}

export interface ListSettings {
  /** DB_SEARCH_STATEMENT_TIMEOUT_MS: the statement timeout of a page that searches (`q`). */
  searchTimeoutMs?: number | undefined;
}

/**
 * One page in keyset order: `(sort key, id)` strictly after the cursor's, so pages stay
 * stable while rows are inserted and deleted. The cursor is bound to the user, filters and sort.
 * Written out (a row comparison Sequelize cannot generate), with every value bound.
 */
export async function listTodos(userId: string, options: ListOptions, settings: ListSettings = {}): Promise<{ todos: TodoRow[]; nextCursor: string | null }> {
  const sort = options.sort ?? '-created_at';
  const limit = options.limit ?? 20;
  const spec = SORT_SPECS[sort];
  const filters: ListFilters = {
    completed: options.completed,
    q: options.q,
    due_before: options.due_before,
    due_after: options.due_after,
    updated_since: options.updated_since,
    priority: options.priority,
  };
  const binding = { userId, sort, filters: { ...filters } };
  const binds = new BindParameters(1);
  const where = ['user_id = $1', ...filterConditions(filters, binds)];
  if (options.cursor !== undefined) where.push(keysetCondition(spec, decodeCursor(options.cursor, binding), binds));
  const sql = `SELECT ${COLUMNS}, (${spec.expression})::text AS sort_key FROM todos
     WHERE ${where.join(' AND ')}
     ORDER BY ${keysetOrder(spec)}
     LIMIT ${binds.add(limit + 1)}`;
  const select = () => todosOf(userId).rows<TodoRow & { sort_key: string }>(sql, binds.values);
  // Every other page is an index range scan of the caller's rows; a search's cost depends on its
  // text and on what the rows hold, so it gets the tighter timeout, at the price of a transaction.
  const rows = filters.q !== undefined && settings.searchTimeoutMs !== undefined ? await withStatementTimeout(settings.searchTimeoutMs, select) : await select();
  const { page, nextCursor } = keysetPage(rows, limit, binding);
  return { todos: page, nextCursor };
}
