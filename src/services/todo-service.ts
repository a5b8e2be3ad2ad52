import { v7 as uuidv7 } from 'uuid';
import { sqlState } from '../db/db-errors.js';
import { keysetCondition, keysetOrder, type SortSpec } from '../db/keyset.js';
import { withStatementTimeout } from '../db/statement-timeout.js';
import { TODO_COLUMNS, Todo, type TodoRow } from '../db/models/index.js';
import { BindParameters, OWNER_LOCKED, ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';
import { explainNoMatch, explainNotDeleted, notFound, versionSql, type ExpectedVersions } from './conditional-write.js';
import { decodeCursor, keysetPage } from './cursor.js';
import { positionIn, rebalanceNeeded, reserveEndPosition } from './position.js';

export type { TodoRow } from '../db/models/index.js';
export type { ExpectedVersions } from './conditional-write.js';

export const PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SORTS = [
  'created_at',
  '-created_at',
  'due_at',
  '-due_at',
  'priority',
  '-priority',
  'updated_at',
  '-updated_at',
  'position',
  '-position',
] as const;
export type Sort = (typeof SORTS)[number];

export interface TodoInput {
  title: string;
  description?: string | null | undefined;
  completed?: boolean | undefined;
  due_at?: Date | null | undefined;
  priority?: Priority | undefined;
  /** Default: the parent's list, else the caller's default list. */
  list_id?: string | undefined;
  /** null or left out: a top-level todo. */
  parent_id?: string | null | undefined;
  label_ids?: string[] | undefined;
}

/** A merge patch; a changed `list_id` or `parent_id` puts the todo (and its subtasks) at the end of its new place. */
export type TodoPatch = Partial<TodoInput>;

/** Where a move puts a todo: a list and parent (default: where it is), next to a neighbour (default: the end). */
export interface TodoMove {
  list_id?: string | undefined;
  parent_id?: string | null | undefined;
  before_id?: string | undefined;
  after_id?: string | undefined;
}

export interface ListFilters {
  completed?: boolean | undefined;
  q?: string | undefined;
  due_before?: Date | undefined;
  due_after?: Date | undefined;
  updated_since?: Date | undefined;
  priority?: Priority[] | undefined;
  list_id?: string | undefined;
  /** A parent's id, or 'none' for top-level todos. */
  parent_id?: string | undefined;
  /** Todos with any of these labels. */
  label_id?: string[] | undefined;
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
// targets cannot afford. The re-read that tells 404 from 412 uses the model API through the same
// accessor; every write is written out, as each takes the user row's lock first (user-scope.ts, lock order).

// The quota check is part of the INSERT: it inserts only while the caller's todo count (kept in
// their user row by triggers, migration 2026.12.01T13.10.00) is under the limit, so it reads one
// row instead of counting. FOR UPDATE makes concurrent creates of one user wait for each other and
// read the count the previous one left, so two creates at limit - 1 cannot both succeed; it is
// also the lock order's first lock (user-scope.ts), taken before any todo or list row.
// The list (default: the parent's, else the default list) and the position (the end) are filled
// in by the todos_defaults trigger under that same lock; the list, the parent and the labels are
// checked by foreign keys and the tree trigger (migration 2026.12.01T15.00.00): one statement.
const INSERT = `INSERT INTO todos (user_id, id, list_id, parent_id, label_ids, title, description, completed, completed_at, due_at, priority, version, created_at, updated_at)
  SELECT $1, $2, $3::uuid, $4::uuid, $5::uuid[], $6, $7, $8, $9, $10, $11, 1, $12, $12
  WHERE coalesce((SELECT todo_count FROM users WHERE id = $1 FOR UPDATE), 0) < $13
  RETURNING ${COLUMNS}`;
const SELECT_ONE = `SELECT ${COLUMNS} FROM todos WHERE user_id = $1 AND id = $2`;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** What the database refused, as the 422 of the field that named it: another user's id is refused exactly like one that does not exist. */
const REFERENCE_ERRORS: Record<string, { path: string; message: string }> = {
  todos_list_fkey: {
    path: 'body.list_id',
    message: 'No list of yours has this id: send the id of one of your lists (GET /v1/lists), or leave list_id out for your default list.',
  },
  todos_parent_fkey: {
    path: 'body.parent_id',
    message: "No todo of yours in this list has this id: a parent must be one of your todos in the same list (a subtask is always in its parent's list), or null for a top-level todo.",
  },
  todos_no_cycle: { path: 'body.parent_id', message: 'A todo cannot be a subtask of itself or of one of its own subtasks: choose another parent, or null.' },
  todos_not_own_parent: { path: 'body.parent_id', message: 'A todo cannot be a subtask of itself or of one of its own subtasks: choose another parent, or null.' },
  todos_subtask_depth: {
    path: 'body.parent_id',
    message: 'Subtasks go at most 4 levels deep, counting the todo and its own subtasks (limits.subtask_depth in GET /v1/me): choose a parent higher up.',
  },
  todo_labels_label_fkey: { path: 'body.label_ids', message: 'No label of yours has this id: send ids of your labels (GET /v1/labels).' },
};

/** Runs a write that names other rows; a foreign key or tree rule it broke becomes a 422 on the field, anything else is rethrown. */
async function referencesChecked<T>(input: { label_ids?: string[] | undefined }, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const parent = (error as { parent?: { constraint?: string; detail?: string } }).parent;
    const state = sqlState(error);
    const known = parent?.constraint !== undefined && (state === '23503' || state === '23514') ? REFERENCE_ERRORS[parent.constraint] : undefined;
    if (!known) throw error;
    let path = known.path;
    if (parent?.constraint === 'todo_labels_label_fkey') {
      // The detail names the refused key: point at its place in the request.
      const refused = UUID.exec(parent.detail ?? '')?.[0]?.toLowerCase();
      const index = refused === undefined ? -1 : (input.label_ids ?? []).findIndex((id) => id.toLowerCase() === refused);
      if (index >= 0) path = `${path}.${index}`;
    }
    throw new ApiError('validation_failed', { detail: 'One or more fields are invalid; see errors. Nothing was changed.', errors: [{ path, message: known.message }], cause: error });
  }
}

/** Creates a todo, unless the caller already has `maxTodos` (LIMIT_TODOS_PER_USER): then a 409 `limit_reached`. `id` is given by a batch that refers to the todo before it exists. */
export async function createTodo(userId: string, input: TodoInput, maxTodos: number, id: string = uuidv7()): Promise<TodoRow> {
  const now = new Date();
  const completed = input.completed ?? false;
  const [row] = await referencesChecked(input, () => todosOf(userId).rows<TodoRow>(INSERT, [
    id,
    input.list_id ?? null,
    input.parent_id ?? null,
    input.label_ids ?? [],
    input.title,
    input.description ?? null,
    completed,
    completed ? now : null,
    input.due_at ?? null,
    priorityRank(input.priority ?? 'none'),
    now,
    maxTodos,
  ]));
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
const PATCH_COLUMNS = {
  title: 'text',
  description: 'text',
  due_at: 'timestamptz',
  priority: 'smallint',
  completed: 'boolean',
  label_ids: 'uuid[]',
} as const;

/**
 * Applies a merge patch in one UPDATE … RETURNING that also bumps `version` and keeps
 * `completed_at`, only where the todo is at an expected version and the patch changes
 * something. When it matches nothing, the todo is read to tell "unchanged" from 404 and 412.
 * A new `list_id` or `parent_id` is a move to the end of the new place: the end key is reserved
 * first (reserveEndPosition, which also serialises the caller's moves), a statement of its own.
 * Written out: Sequelize has no IS DISTINCT FROM, and must not inline a caller's text (user-scope.ts).
 */
export async function updateTodo(userId: string, id: string, patch: TodoPatch, expected?: ExpectedVersions): Promise<TodoRow> {
  const values: Partial<Record<keyof typeof PATCH_COLUMNS, unknown>> = {
    title: patch.title,
    description: patch.description,
    due_at: patch.due_at,
    priority: patch.priority === undefined ? undefined : priorityRank(patch.priority),
    completed: patch.completed,
    label_ids: patch.label_ids,
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
  if (patch.list_id !== undefined || patch.parent_id !== undefined) {
    const place = placeSql(patch, binds);
    const end = binds.add(await reserveEndPosition(userId));
    // list_id and parent_id are set from the old values: every SET expression reads the row as it was.
    sets.push(`list_id = ${place.list}`, `parent_id = ${place.parent}`, `position = CASE WHEN ${place.moved} THEN ${end} ELSE position END`);
    changes.push(place.moved);
  }
  if (changes.length === 0) return explainNoMatch(RESOURCE, await findTodo(userId, id), expected);
  if (patch.completed !== undefined) sets.push(patch.completed ? `completed_at = COALESCE(completed_at, ${now})` : 'completed_at = NULL');
  const versions = versionSql(expected, binds);
  // The user row first (lock order, user-scope.ts): the count and feed triggers lock it after the todo and its list.
  const [updated] = await referencesChecked(patch, () =>
    todosOf(userId).rows<TodoRow>(
      `UPDATE todos SET ${sets.join(', ')}, version = version + 1, updated_at = ${now}
       WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versions} AND (${changes.join(' OR ')})
       RETURNING ${COLUMNS}`,
      binds.values,
    ),
  );
  return updated ?? explainNoMatch(RESOURCE, await findTodo(userId, id), expected);
}

/**
 * The new list and parent of a patch, as SQL on the row being updated: a new list without a
 * parent makes a top-level todo there; a parent without a list means the parent's list (one of
 * another user's todos, or none, leaves the list as it is, and the foreign key on (parent_id,
 * list_id) then refuses the parent).
 */
function placeSql(patch: { list_id?: string | undefined; parent_id?: string | null | undefined }, binds: BindParameters) {
  const listGiven = patch.list_id === undefined ? undefined : `${binds.add(patch.list_id)}::uuid`;
  const parentGiven = patch.parent_id === undefined ? undefined : `${binds.add(patch.parent_id)}::uuid`;
  const parentsList = parentGiven === undefined ? undefined : `(SELECT p.list_id FROM todos p WHERE p.user_id = $1 AND p.id = ${parentGiven})`;
  const list = listGiven ?? (parentsList === undefined ? 'list_id' : `coalesce(${parentsList}, list_id)`);
  const parent = parentGiven ?? `CASE WHEN ${list} = list_id THEN parent_id END`;
  return { list, parent, moved: `(list_id, parent_id) IS DISTINCT FROM (${list}, ${parent})` };
}

/** Deletes the todo and, by the foreign key's cascade, its subtasks. */
export async function deleteTodo(userId: string, id: string, expected?: ExpectedVersions): Promise<void> {
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  // Written out to lock the user row first (lock order, user-scope.ts): the cascade and the triggers lock subtasks, the list and then the user row.
  const deleted = await todosOf(userId).rows(
    `DELETE FROM todos WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versionSql(expected, binds)} RETURNING id`,
    binds.values,
  );
  if (deleted.length === 0) explainNotDeleted(RESOURCE, await findTodo(userId, id), expected);
}

interface PlaceRow {
  id: string;
  list_id: string;
  parent_id: string | null;
  position: string;
  version: number;
}

/** What a move needs to know, read in one statement once the caller's moves are serialised: the todo, the parent and the neighbour, with the neighbour's adjacent sibling. */
interface MoveContext {
  todo: PlaceRow | null;
  parent: PlaceRow | null;
  neighbour: (PlaceRow & { adjacent: string | null }) | null;
}

async function readMoveContext(userId: string, id: string, move: TodoMove): Promise<MoveContext> {
  const binds = new BindParameters(1);
  const row = (idParam: string) =>
    `(SELECT json_build_object('id', id, 'list_id', list_id, 'parent_id', parent_id, 'position', position, 'version', version) FROM todos WHERE user_id = $1 AND id = ${idParam}::uuid)`;
  const self = binds.add(id);
  const parent = move.parent_id ? binds.add(move.parent_id) : 'NULL';
  const neighbourId = move.after_id ?? move.before_id;
  const neighbour = neighbourId === undefined ? 'NULL' : binds.add(neighbourId);
  // The sibling on the other side of the neighbour, in the neighbour's own list and parent, leaving out the todo that moves.
  const [after, pick] = move.after_id !== undefined ? ['>', 'min'] : ['<', 'max'];
  const adjacent =
    neighbourId === undefined
      ? 'NULL'
      : `(SELECT ${pick}(s.position) FROM todos s, todos n
           WHERE n.user_id = $1 AND n.id = ${neighbour}::uuid AND s.user_id = $1 AND s.list_id = n.list_id
             AND s.parent_id IS NOT DISTINCT FROM n.parent_id AND s.position ${after} n.position AND s.id <> ${self}::uuid)`;
  const [context] = await todosOf(userId).rows<{ todo: PlaceRow | null; parent: PlaceRow | null; neighbour: PlaceRow | null; adjacent: string | null }>(
    `SELECT ${row(self)} AS todo, ${parent === 'NULL' ? 'NULL' : row(parent)} AS parent, ${neighbour === 'NULL' ? 'NULL' : row(neighbour)} AS neighbour,
       ${adjacent} AS adjacent`,
    binds.values,
  );
  return {
    todo: context?.todo ?? null,
    parent: context?.parent ?? null,
    neighbour: context?.neighbour ? { ...context.neighbour, adjacent: context.adjacent } : null,
  };
}

const invalidMove = (path: string, message: string) =>
  new ApiError('validation_failed', { detail: 'One or more fields are invalid; see errors. Nothing was changed.', errors: [{ path, message }] });

/**
 * Moves a todo (and with it its subtasks) to a list and parent, next to a neighbour, or to the
 * end: one row written, however many siblings it has. The caller's moves are serialised first
 * (reserveEndPosition), so the neighbours read next are the committed ones, and 20 moves into one
 * gap get 20 distinct keys. A neighbour must be in the place the todo moves to.
 */
export async function moveTodo(userId: string, id: string, move: TodoMove, expected?: ExpectedVersions): Promise<TodoRow> {
  const end = await reserveEndPosition(userId);
  let context = await readMoveContext(userId, id, move);
  const todo = explainNoMatch(RESOURCE, context.todo, expected);
  if (move.parent_id && !context.parent) throw invalidMove('body.parent_id', REFERENCE_ERRORS.todos_parent_fkey!.message);
  const list = move.list_id ?? context.parent?.list_id ?? todo.list_id;
  const parent = move.parent_id !== undefined ? move.parent_id : list === todo.list_id ? todo.parent_id : null;
  const neighbourField = move.after_id !== undefined ? 'body.after_id' : 'body.before_id';
  const checkNeighbour = (n: MoveContext['neighbour']) => {
    if ((move.after_id ?? move.before_id) === undefined) return;
    if (!n || n.id === todo.id || n.list_id !== list || n.parent_id !== parent) {
      throw invalidMove(
        neighbourField,
        'No todo of yours in the place the todo moves to has this id: a neighbour must be another of your todos with the same list and parent the todo will have.',
      );
    }
  };
  checkNeighbour(context.neighbour);
  let position = placeBetween(move, context.neighbour, end);
  if (rebalanceNeeded(position) && context.neighbour) {
    // Keys grow with every move into the same gap: renumber this place's todos, then find the gap again.
    await renumberPlace(userId, context.neighbour.list_id, context.neighbour.parent_id, id);
    context = await readMoveContext(userId, id, move);
    checkNeighbour(context.neighbour);
    position = placeBetween(move, context.neighbour, await reserveEndPosition(userId));
  }
  const binds = new BindParameters(1);
  // The user row is already locked (reserveEndPosition above, the lock order's first lock: user-scope.ts).
  const sql = `UPDATE todos SET list_id = ${binds.add(list)}::uuid, parent_id = ${binds.add(parent)}::uuid, position = ${binds.add(position)},
       version = version + 1, updated_at = ${binds.add(new Date())}
     WHERE user_id = $1 AND id = ${binds.add(id)}${versionSql(expected, binds)}
     RETURNING ${COLUMNS}`;
  const [moved] = await referencesChecked({}, () => todosOf(userId).rows<TodoRow>(sql, binds.values));
  return moved ?? explainNoMatch(RESOURCE, await findTodo(userId, id), expected);
}

function placeBetween(move: TodoMove, neighbour: MoveContext['neighbour'], end: string): string {
  if (!neighbour) return end;
  return move.after_id !== undefined
    ? positionIn({ before: neighbour.position, after: neighbour.adjacent }, end)
    : positionIn({ before: neighbour.adjacent, after: neighbour.position }, end);
}

/**
 * New keys for every todo of one place but the one moving, in their order, from the caller's
 * counter (so each is short and past every other key); each gets a new version, as its position changed.
 */
async function renumberPlace(userId: string, listId: string, parentId: string | null, moving: string): Promise<void> {
  // Only called by a move, which holds the user row's lock already (lock order, user-scope.ts).
  await todosOf(userId).rows(
    `WITH place AS (
       SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM todos
       WHERE user_id = $1 AND list_id = $2::uuid AND parent_id IS NOT DISTINCT FROM $3::uuid AND id <> $4::uuid
     ), counter AS (
       UPDATE users SET position_seq = position_seq + (SELECT count(*) FROM place) WHERE id = $1
       RETURNING position_seq - (SELECT count(*) FROM place) AS base
     )
     UPDATE todos t SET position = fractional_key(counter.base + place.n), version = t.version + 1, updated_at = now()
     FROM place, counter WHERE t.user_id = $1 AND t.id = place.id
     RETURNING t.id`,
    [listId, parentId, moving],
  );
}

const SORT_SPECS: Record<Sort, SortSpec> = Object.fromEntries(
  SORTS.map((sort) => {
    const field = sort.replace(/^-/, '');
    const expression = field === 'due_at' ? "COALESCE(due_at, 'infinity'::timestamptz)" : field;
    const cast = field === 'priority' ? 'smallint' : field === 'position' ? 'text' : 'timestamptz';
    return [sort, { expression, cast, descending: sort.startsWith('-') }];
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
  if (filters.list_id) where.push(`list_id = ${binds.add(filters.list_id)}::uuid`);
  if (filters.parent_id === 'none') where.push('parent_id IS NULL');
  else if (filters.parent_id) where.push(`parent_id = ${binds.add(filters.parent_id)}::uuid`);
  if (filters.label_id) where.push(`id IN (SELECT todo_id FROM todo_labels WHERE user_id = $1 AND label_id = ANY (${binds.add(filters.label_id)}::uuid[]))`);
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
    list_id: options.list_id,
    parent_id: options.parent_id,
    label_id: options.label_id,
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
