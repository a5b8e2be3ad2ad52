import { Op, literal, type WhereOptions } from 'sequelize';
import { v7 as uuidv7 } from 'uuid';
import { Todo } from '../db/models/index.js';
import { runStatement } from '../db/statement.js';
import { ApiError } from '../lib/errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';

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

/** A todo's columns, as plain data: what every function here returns. */
export type TodoRow = Pick<
  Todo,
  'id' | 'user_id' | 'title' | 'description' | 'completed' | 'completed_at' | 'due_at' | 'priority' | 'version' | 'created_at' | 'updated_at'
>;

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);
export const priorityName = (rank: number): Priority => PRIORITIES[rank] ?? 'none';

/**
 * Per-user scoping of the model queries here (list, delete): a todo is only ever seen by its
 * owner. The three statements written out for speed (create, get, update) bind the user id
 * themselves; test/routes/todos-isolation.test.ts holds every operation to it.
 */
function owned(userId: string, where: WhereOptions<Todo> = {}): WhereOptions<Todo> {
  return { ...where, user_id: userId } as WhereOptions<Todo>;
}

const notFound = () => new ApiError('not_found', { detail: 'No todo with this id.' });

/** The versions a conditional write may apply to: undefined when unconditional, 'any' for `If-Match: *`. */
export type ExpectedVersions = 'any' | number[] | undefined;

function versionCondition(expected: ExpectedVersions): WhereOptions {
  return Array.isArray(expected) ? { version: { [Op.in]: expected.length > 0 ? expected : [0] } } : {};
}

/** After a conditional write matched nothing: 404 if the todo is not the caller's, else 412 or unchanged. */
async function explainNoMatch(userId: string, id: string, expected: ExpectedVersions): Promise<TodoRow> {
  const todo = await getTodo(userId, id);
  if (Array.isArray(expected) && !expected.includes(todo.version)) {
    throw new ApiError('precondition_failed', { detail: `The todo is at version ${todo.version}: If-Match does not match its ETag. Nothing was changed.` });
  }
  return todo;
}

/** One INSERT … RETURNING with bind parameters: no model instance to build and validate on a hot path. */
export async function createTodo(userId: string, input: TodoInput): Promise<TodoRow> {
  const now = new Date();
  const completed = input.completed ?? false;
  const [row] = await runStatement<TodoRow>(
    `INSERT INTO todos (id, user_id, title, description, completed, completed_at, due_at, priority, version, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)
     RETURNING *`,
    [uuidv7(), userId, input.title, input.description ?? null, completed, completed ? now : null, input.due_at ?? null, priorityRank(input.priority ?? 'none'), now],
  );
  return row!;
}

/** The hottest query of all: written out, with bind parameters, so nothing is generated per call. */
export async function getTodo(userId: string, id: string): Promise<TodoRow> {
  const [todo] = await runStatement<TodoRow>('SELECT * FROM todos WHERE id = $1 AND user_id = $2', [id, userId]);
  if (!todo) throw notFound();
  return todo;
}

/** The patchable columns, with the SQL type their bind parameter is compared as. */
const PATCH_COLUMNS = { title: 'text', description: 'text', due_at: 'timestamptz', priority: 'smallint', completed: 'boolean' } as const;

/**
 * Applies a merge patch in one UPDATE that also bumps `version` and keeps `completed_at`.
 * Every value is a bind parameter, never inlined into the SQL. A patch that changes nothing matches no row; then the todo is read to tell
 * "unchanged" from 404 and 412.
 */
export async function updateTodo(userId: string, id: string, patch: TodoPatch, expected?: ExpectedVersions): Promise<TodoRow> {
  const values: Partial<Record<keyof typeof PATCH_COLUMNS, unknown>> = {
    title: patch.title,
    description: patch.description,
    due_at: patch.due_at,
    priority: patch.priority === undefined ? undefined : priorityRank(patch.priority),
    completed: patch.completed,
  };
  const bind: unknown[] = [id, userId, new Date()];
  const param = (value: unknown) => `$${bind.push(value)}`;
  const sets: string[] = [];
  const changes: string[] = [];
  for (const [column, type] of Object.entries(PATCH_COLUMNS) as Array<[keyof typeof PATCH_COLUMNS, string]>) {
    if (values[column] === undefined) continue;
    const p = param(values[column]);
    sets.push(`${column} = ${p}::${type}`);
    changes.push(`${column} IS DISTINCT FROM ${p}::${type}`);
  }
  if (changes.length === 0) return explainNoMatch(userId, id, expected);
  if (patch.completed !== undefined) {
    sets.push(patch.completed ? 'completed_at = CASE WHEN completed THEN completed_at ELSE $3 END' : 'completed_at = NULL');
  }
  const versionCheck = Array.isArray(expected) ? ` AND version = ANY (${param(expected)}::int[])` : '';
  const rows = await runStatement<TodoRow>(
    `UPDATE todos SET ${sets.join(', ')}, version = version + 1, updated_at = $3
     WHERE id = $1 AND user_id = $2${versionCheck} AND (${changes.join(' OR ')})
     RETURNING *`,
    bind,
  );
  return rows[0] ?? explainNoMatch(userId, id, expected);
}

export async function deleteTodo(userId: string, id: string, expected?: ExpectedVersions): Promise<void> {
  const count = await Todo.destroy({ where: owned(userId, { id, ...versionCondition(expected) }) });
  if (count === 0) {
    await explainNoMatch(userId, id, expected);
    // Matched the version but deleted nothing: only a concurrent delete does that.
    throw notFound();
  }
}

interface SortSpec {
  /** The SQL expression rows are ordered by (an index exists for each, per user). */
  expression: string;
  /** How a cursor's key is turned back into that type. */
  cast: string;
  descending: boolean;
}

const SORT_SPECS: Record<Sort, SortSpec> = Object.fromEntries(
  SORTS.map((sort) => {
    const field = sort.replace(/^-/, '');
    const expression = field === 'due_at' ? "COALESCE(due_at, 'infinity'::timestamptz)" : field;
    return [sort, { expression, cast: field === 'priority' ? 'smallint' : 'timestamptz', descending: sort.startsWith('-') }];
  }),
) as Record<Sort, SortSpec>;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function filterConditions(filters: ListFilters): WhereOptions[] {
  const where: WhereOptions[] = [];
  if (filters.completed !== undefined) where.push({ completed: filters.completed });
  if (filters.q !== undefined) {
    const pattern = `%${escapeLike(filters.q)}%`;
    where.push({ [Op.or]: [{ title: { [Op.iLike]: pattern } }, { description: { [Op.iLike]: pattern } }] });
  }
  if (filters.due_before) where.push({ due_at: { [Op.lt]: filters.due_before } });
  if (filters.due_after) where.push({ due_at: { [Op.gt]: filters.due_after } });
  if (filters.updated_since) where.push({ updated_at: { [Op.gte]: filters.updated_since } });
  if (filters.priority) where.push({ priority: { [Op.in]: filters.priority.map(priorityRank) } });
  return where;
}

/**
 * One page in keyset order: `(sort key, id)` strictly after the cursor's, so pages stay
 * stable while rows are inserted and deleted. The cursor is bound to the user, filters and sort.
 */
export async function listTodos(userId: string, options: ListOptions): Promise<{ todos: TodoRow[]; nextCursor: string | null }> {
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
  const where = filterConditions(filters);
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor, binding);
    const sequelize = Todo.sequelize!;
    where.push(
      literal(
        `(${spec.expression}, id) ${spec.descending ? '<' : '>'} (${sequelize.escape(after.key)}::${spec.cast}, ${sequelize.escape(after.id)}::uuid)`,
      ),
    );
  }
  const direction = spec.descending ? 'DESC' : 'ASC';
  const rows = (await Todo.findAll({
    attributes: { include: [[literal(`(${spec.expression})::text`), 'sort_key']] },
    where: owned(userId, { [Op.and]: where }),
    order: [
      [literal(spec.expression), direction],
      ['id', direction],
    ],
    limit: limit + 1,
    raw: true,
  })) as unknown as Array<TodoRow & { sort_key: string }>;
  const todos = rows.slice(0, limit);
  const last = todos.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ key: last.sort_key, id: last.id }, binding) : null;
  return { todos, nextCursor };
}
