import { v7 as uuidv7 } from 'uuid';
import { keysetCondition, keysetOrder, type SortSpec } from '../db/keyset.js';
import { LIST_COLUMNS, List, type ListRow } from '../db/models/index.js';
import { BindParameters, OWNER_LOCKED, ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';
import { explainNoMatch, notFound, versionSql, type ExpectedVersions } from './conditional-write.js';
import { decodeCursor, keysetPage } from './cursor.js';
import { positionIn, rebalanceNeeded, reserveEndPosition, type Gap } from './position.js';

export type { ListRow } from '../db/models/index.js';

export interface ListInput {
  name: string;
  color?: string | null | undefined;
}

export interface ListPatch {
  name?: string | undefined;
  color?: string | null | undefined;
  archived?: boolean | undefined;
}

/** Where a move puts the list: just before one list, just after one, or (neither) at the end. */
export interface MoveTarget {
  before_id?: string | undefined;
  after_id?: string | undefined;
}

export interface ListOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
  archived?: boolean | undefined;
}

const RESOURCE = 'list';

/** The caller's lists: every query below goes through this, so it is always scoped to the caller. */
const listsOf = (userId: string) => ownedBy(List, userId);

const COLUMNS = LIST_COLUMNS.join(', ');

/** The one list order: by position (bytewise, COLLATE "C"), ties by id; index lists_user_position_idx serves it. */
const SORT: SortSpec = { expression: 'position', cast: 'text', descending: false };
const SORT_NAME = 'position';

// The user row is already locked by reserveEndPosition (the lock order's first lock, user-scope.ts),
// so two creates at limit - 1 cannot both pass the check on the count the triggers keep there
// (migration 2026.12.01T15.00.00).
const INSERT = `INSERT INTO lists (user_id, id, name, color, position, is_default, archived, version, created_at, updated_at)
  SELECT $1, $2, $3, $4, $5, false, false, 1, $6, $6
  WHERE (SELECT list_count FROM users WHERE id = $1) < $7
  RETURNING ${COLUMNS}`;
const SELECT_ONE = `SELECT ${COLUMNS} FROM lists WHERE user_id = $1 AND id = $2`;

// What a move reads after taking the lock: the list ($2), the neighbour ($3, another of the
// caller's lists) and the gap beside it, among every list but the moved one (archived ones too,
// so the new key never equals an archived list's).
const MOVED = LIST_COLUMNS.map((c) => `m.${c}`).join(', ');
const SIBLINGS = 'FROM lists s WHERE s.user_id = $1 AND s.id <> $2';
const READ_FOR_MOVE = {
  after: `SELECT ${MOVED}, n.id AS neighbour_id, n.position AS gap_before,
      (SELECT s.position ${SIBLINGS} AND s.position > n.position ORDER BY s.position LIMIT 1) AS gap_after
    FROM lists m LEFT JOIN lists n ON n.user_id = $1 AND n.id = $3 AND n.id <> $2
    WHERE m.user_id = $1 AND m.id = $2`,
  before: `SELECT ${MOVED}, n.id AS neighbour_id, n.position AS gap_after,
      (SELECT s.position ${SIBLINGS} AND s.position < n.position ORDER BY s.position DESC LIMIT 1) AS gap_before
    FROM lists m LEFT JOIN lists n ON n.user_id = $1 AND n.id = $3 AND n.id <> $2
    WHERE m.user_id = $1 AND m.id = $2`,
  end: `SELECT ${MOVED}, NULL AS neighbour_id, NULL AS gap_after,
      (SELECT s.position ${SIBLINGS} ORDER BY s.position DESC LIMIT 1) AS gap_before
    FROM lists m WHERE m.user_id = $1 AND m.id = $2`,
} as const;

interface MoveRead extends ListRow {
  neighbour_id: string | null;
  gap_before: string | null;
  gap_after: string | null;
}

// Fresh end keys for the caller's other lists ($3 is the one being moved), in their order, past
// every key they have (the counter moves on by as many): what a move does when bisecting its gap
// would outgrow the CHECK. Each of them changed position, so each gets a new version.
const RESPACE = `WITH ordered AS (
    SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM lists WHERE user_id = $1 AND id <> $3
  ), counter AS (
    UPDATE users SET position_seq = position_seq + (SELECT count(*) FROM ordered) WHERE id = $1
    RETURNING position_seq - (SELECT count(*) FROM ordered) AS base
  )
  UPDATE lists l SET position = fractional_key(counter.base + ordered.n), version = l.version + 1, updated_at = $2
  FROM ordered, counter WHERE l.user_id = $1 AND l.id = ordered.id
  RETURNING l.id`;

/** Creates a list at the end of the caller's lists, unless they already have `maxLists` (LIMIT_LISTS_PER_USER, 409 `limit_reached`). `id` is given by a batch that refers to the list before it exists. */
export async function createList(userId: string, input: ListInput, maxLists: number, id: string = uuidv7()): Promise<ListRow> {
  const position = await reserveEndPosition(userId);
  const [row] = await listsOf(userId).rows<ListRow>(INSERT, [id, input.name, input.color ?? null, position, new Date(), maxLists]);
  if (!row) {
    throw new ApiError('limit_reached', {
      detail: `You have ${maxLists} lists, the most one user may have (limits.lists in GET /v1/me; the default list counts). Delete some to create more. Nothing was changed.`,
    });
  }
  return row;
}

/** The list, or null when the caller has none with this id (the re-read after a conditional write). */
async function findList(userId: string, id: string): Promise<ListRow | null> {
  return listsOf(userId).findOne({ where: { id }, attributes: [...LIST_COLUMNS] });
}

export async function getList(userId: string, id: string): Promise<ListRow> {
  const [list] = await listsOf(userId).rows<ListRow>(SELECT_ONE, [id]);
  if (!list) throw notFound(RESOURCE);
  return list;
}

const defaultList = (what: 'deleted' | 'archived') =>
  new ApiError('default_list', { detail: `This is your default list: it cannot be ${what}. Nothing was changed.` });

/**
 * Applies a merge patch in one UPDATE … RETURNING that bumps `version`, only where the list is at
 * an expected version, the patch changes something, and it does not archive the default list.
 * When it matches nothing, the list is read to tell "unchanged" from 404, 412 and 409 `default_list`.
 */
export async function updateList(userId: string, id: string, patch: ListPatch, expected?: ExpectedVersions): Promise<ListRow> {
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  const now = binds.add(new Date());
  const sets: string[] = [];
  const changes: string[] = [];
  for (const [column, type] of [['name', 'text'], ['color', 'text'], ['archived', 'boolean']] as const) {
    if (patch[column] === undefined) continue;
    const p = binds.add(patch[column]);
    sets.push(`${column} = ${p}::${type}`);
    changes.push(`${column} IS DISTINCT FROM ${p}::${type}`);
  }
  const archiving = patch.archived === true;
  const explain = async () => {
    const row = explainNoMatch(RESOURCE, await findList(userId, id), expected);
    if (archiving && row.is_default) throw defaultList('archived');
    return row;
  };
  if (changes.length === 0) return explain();
  const versions = versionSql(expected, binds);
  // The user row first (lock order, user-scope.ts): the feed trigger locks it after the list's row.
  const [updated] = await listsOf(userId).rows<ListRow>(
    `UPDATE lists SET ${sets.join(', ')}, version = version + 1, updated_at = ${now}
     WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versions} AND (${changes.join(' OR ')})${archiving ? ' AND NOT is_default' : ''}
     RETURNING ${COLUMNS}`,
    binds.values,
  );
  return updated ?? explain();
}

/** Deletes a list and, by the foreign keys' cascade in the same transaction, its todos and their subtasks. */
export async function deleteList(userId: string, id: string, expected?: ExpectedVersions): Promise<void> {
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  // Written out to lock the user row first (lock order, user-scope.ts): the cascade locks the list's todos, the triggers then the user row.
  const deleted = await listsOf(userId).rows(
    `DELETE FROM lists WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam} AND NOT is_default${versionSql(expected, binds)} RETURNING id`,
    binds.values,
  );
  if (deleted.length > 0) return;
  const row = explainNoMatch(RESOURCE, await findList(userId, id), expected);
  // Only a concurrent delete leaves a list that is not the default one here.
  throw row.is_default ? defaultList('deleted') : notFound(RESOURCE);
}

/** Whether `position` already lies in the gap: then the list is where the move would put it. */
const inGap = (position: string, gap: Gap) => (gap.before === null || gap.before < position) && (gap.after === null || position < gap.after);

/**
 * Moves a list before or after another of the caller's lists, or to the end. The user row's lock
 * (reserveEndPosition, first) serialises the caller's moves and creates, so the gap read next is
 * still the gap when the list is written into it and two moves never get the same key.
 */
export async function moveList(userId: string, id: string, target: MoveTarget, expected?: ExpectedVersions): Promise<ListRow> {
  const end = await reserveEndPosition(userId);
  const side = target.after_id !== undefined ? 'after' : target.before_id !== undefined ? 'before' : 'end';
  const neighbourId = target.after_id ?? target.before_id;
  const read = () => listsOf(userId).rows<MoveRead>(READ_FOR_MOVE[side], side === 'end' ? [id] : [id, neighbourId]);
  let [found] = await read();
  const { neighbour_id, gap_before, gap_after, ...list } = explainNoMatch(RESOURCE, found ?? null, expected);
  if (side !== 'end' && neighbour_id === null) {
    throw new ApiError('validation_failed', {
      detail: 'The neighbour is not another of your lists. Nothing was changed.',
      errors: [{ path: `body.${side}_id`, message: 'Must be the id of another of your lists.' }],
    });
  }
  let gap: Gap = { before: gap_before, after: gap_after };
  if (inGap(list.position, gap)) return list;
  let position = positionIn(gap, end);
  if (rebalanceNeeded(position)) {
    await listsOf(userId).rows(RESPACE, [new Date(), id]);
    [found] = await read();
    if (!found) throw notFound(RESOURCE);
    gap = { before: found.gap_before, after: found.gap_after };
    position = positionIn(gap, await reserveEndPosition(userId));
  }
  const binds = new BindParameters(1);
  // The user row is already locked (reserveEndPosition above, the lock order's first lock: user-scope.ts).
  const [moved] = await listsOf(userId).rows<ListRow>(
    `UPDATE lists SET position = ${binds.add(position)}, version = version + 1, updated_at = ${binds.add(new Date())}
     WHERE user_id = $1 AND id = ${binds.add(id)}${versionSql(expected, binds)}
     RETURNING ${COLUMNS}`,
    binds.values,
  );
  return moved ?? explainNoMatch(RESOURCE, await findList(userId, id), expected);
}

/** One page of the caller's lists, archived or not, by position (ties by id), keyset-paginated with an HMAC cursor. */
export async function listLists(userId: string, options: ListOptions): Promise<{ lists: ListRow[]; nextCursor: string | null }> {
  const limit = options.limit ?? 20;
  const archived = options.archived ?? false;
  const binding = { userId, sort: SORT_NAME, filters: { archived } };
  const binds = new BindParameters(1);
  const where = ['user_id = $1', `archived = ${binds.add(archived)}`];
  if (options.cursor !== undefined) where.push(keysetCondition(SORT, decodeCursor(options.cursor, binding), binds));
  const rows = await listsOf(userId).rows<ListRow & { sort_key: string }>(
    `SELECT ${COLUMNS}, (${SORT.expression})::text AS sort_key FROM lists
     WHERE ${where.join(' AND ')}
     ORDER BY ${keysetOrder(SORT)}
     LIMIT ${binds.add(limit + 1)}`,
    binds.values,
  );
  const { page, nextCursor } = keysetPage(rows, limit, binding);
  return { lists: page, nextCursor };
}
