import { Op, literal, type WhereOptions } from 'sequelize';
import { v7 as uuidv7 } from 'uuid';
import { Todo } from '../db/models/index.js';
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

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);
export const priorityName = (rank: number): Priority => PRIORITIES[rank] ?? 'none';

/** Every query of this service goes through here: a todo is only ever seen by its owner. */
function owned(userId: string, where: WhereOptions<Todo> = {}): WhereOptions<Todo> {
  return { ...where, user_id: userId } as WhereOptions<Todo>;
}

/** `column IS DISTINCT FROM value`, for nullable and non-null columns alike. */
function distinctFrom(column: string, value: unknown): WhereOptions {
  if (value === null) return { [column]: { [Op.not]: null } };
  return { [Op.or]: [{ [column]: { [Op.is]: null } }, { [column]: { [Op.ne]: value } }] };
}

const notFound = () => new ApiError('not_found', { detail: 'No todo with this id.' });

export async function createTodo(userId: string, input: TodoInput): Promise<Todo> {
  const now = new Date();
  const completed = input.completed ?? false;
  return Todo.create({
    id: uuidv7(),
    user_id: userId,
    title: input.title,
    description: input.description ?? null,
    completed,
    completed_at: completed ? now : null,
    due_at: input.due_at ?? null,
    priority: priorityRank(input.priority ?? 'none'),
    version: 1,
    created_at: now,
    updated_at: now,
  }, { silent: true });
}

export async function getTodo(userId: string, id: string): Promise<Todo> {
  const todo = await Todo.findOne({ where: owned(userId, { id }) });
  if (!todo) throw notFound();
  return todo;
}

/**
 * Applies a merge patch in one UPDATE that also bumps `version` and keeps `completed_at`.
 * A patch that changes nothing matches no row; then the todo is read to tell "unchanged" from 404.
 */
export async function updateTodo(userId: string, id: string, patch: TodoPatch): Promise<Todo> {
  const values: Record<string, unknown> = {};
  const changed: WhereOptions[] = [];
  const set = (column: string, value: unknown) => {
    values[column] = value;
    changed.push(distinctFrom(column, value));
  };
  if (patch.title !== undefined) set('title', patch.title);
  if (patch.description !== undefined) set('description', patch.description);
  if (patch.due_at !== undefined) set('due_at', patch.due_at);
  if (patch.priority !== undefined) set('priority', priorityRank(patch.priority));
  if (patch.completed !== undefined) {
    set('completed', patch.completed);
    const now = Todo.sequelize!.escape(new Date().toISOString());
    values.completed_at = literal(patch.completed ? `CASE WHEN completed THEN completed_at ELSE ${now}::timestamptz END` : 'NULL');
  }
  if (changed.length === 0) return getTodo(userId, id);
  values.version = literal('version + 1');
  const [count, rows] = await Todo.update(values, {
    where: owned(userId, { id, [Op.or]: changed }),
    returning: true,
  });
  if (count === 0) return getTodo(userId, id);
  return rows[0]!;
}

export async function deleteTodo(userId: string, id: string): Promise<void> {
  const count = await Todo.destroy({ where: owned(userId, { id }) });
  if (count === 0) throw notFound();
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
export async function listTodos(userId: string, options: ListOptions): Promise<{ todos: Todo[]; nextCursor: string | null }> {
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
  const rows = await Todo.findAll({
    attributes: { include: [[literal(`(${spec.expression})::text`), 'sort_key']] },
    where: owned(userId, { [Op.and]: where }),
    order: [
      [literal(spec.expression), direction],
      ['id', direction],
    ],
    limit: limit + 1,
  });
  const todos = rows.slice(0, limit);
  const last = todos.at(-1);
  const nextCursor =
    rows.length > limit && last ? encodeCursor({ key: String(last.get('sort_key')), id: last.id }, binding) : null;
  return { todos, nextCursor };
}
