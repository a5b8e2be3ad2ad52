import { v7 as uuidv7 } from 'uuid';
import { sqlState } from '../db/db-errors.js';
import { keysetCondition, keysetOrder, type SortSpec } from '../db/keyset.js';
import { LABEL_COLUMNS, Label, type LabelRow } from '../db/models/index.js';
import { BindParameters, OWNER_LOCKED, ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';
import { explainNoMatch, explainNotDeleted, notFound, versionSql, type ExpectedVersions } from './conditional-write.js';
import { decodeCursor, keysetPage } from './cursor.js';

export type { LabelRow } from '../db/models/index.js';

export interface LabelInput {
  name: string;
  color?: string | null | undefined;
}

export type LabelPatch = Partial<LabelInput>;

export interface ListOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
}

const RESOURCE = 'label';

/** The caller's labels: every query below goes through this, so it is always scoped to the caller. */
const labelsOf = (userId: string) => ownedBy(Label, userId);

const COLUMNS = LABEL_COLUMNS.join(', ');

/** The one list order: by name ignoring case, ties by id; index labels_user_name_id_idx serves it. */
const SORT: SortSpec = { expression: 'lower(name)', cast: 'text', descending: false };
const SORT_NAME = 'name';

// As todos do (todo-service.ts): the quota check is part of the INSERT, reading the count the
// triggers keep in the user's row (migration 2026.12.01T14.00.00) FOR UPDATE, so two creates at
// limit - 1 cannot both succeed; it is also the lock order's first lock (user-scope.ts).
const INSERT = `INSERT INTO labels (user_id, id, name, color, version, created_at, updated_at)
  SELECT $1, $2, $3, $4, 1, $5, $5
  WHERE coalesce((SELECT label_count FROM users WHERE id = $1 FOR UPDATE), 0) < $6
  RETURNING ${COLUMNS}`;
const SELECT_ONE = `SELECT ${COLUMNS} FROM labels WHERE user_id = $1 AND id = $2`;

/** A unique violation of "one name per user, ignoring case" becomes a 409 `label_exists`; anything else is rethrown. */
async function uniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const constraint = (error as { parent?: { constraint?: string } }).parent?.constraint;
    if (sqlState(error) === '23505' && constraint === 'labels_user_name_key') {
      throw new ApiError('label_exists', {
        detail: `You already have a label named ${JSON.stringify(name)} (label names are unique ignoring case). Nothing was changed.`,
        cause: error,
      });
    }
    throw error;
  }
}

/** Creates a label, unless the caller already has `maxLabels` (LIMIT_LABELS_PER_USER, 409 `limit_reached`) or one with this name (409 `label_exists`). `id` is given by a batch that refers to the label before it exists. */
export async function createLabel(userId: string, input: LabelInput, maxLabels: number, id: string = uuidv7()): Promise<LabelRow> {
  const [row] = await uniqueName(input.name, () =>
    labelsOf(userId).rows<LabelRow>(INSERT, [id, input.name, input.color ?? null, new Date(), maxLabels]),
  );
  if (!row) {
    throw new ApiError('limit_reached', {
      detail: `You have ${maxLabels} labels, the most one user may have (limits.labels in GET /v1/me). Delete some to create more. Nothing was changed.`,
    });
  }
  return row;
}

/** The label, or null when the caller has none with this id (the re-read after a conditional write). */
async function findLabel(userId: string, id: string): Promise<LabelRow | null> {
  return labelsOf(userId).findOne({ where: { id }, attributes: [...LABEL_COLUMNS] });
}

export async function getLabel(userId: string, id: string): Promise<LabelRow> {
  const [label] = await labelsOf(userId).rows<LabelRow>(SELECT_ONE, [id]);
  if (!label) throw notFound(RESOURCE);
  return label;
}

/**
 * Applies a merge patch in one UPDATE … RETURNING that bumps `version`, only where the label is
 * at an expected version and the patch changes something (a rename is this one row: todos refer
 * to labels by id). When it matches nothing, the label is read to tell "unchanged" from 404 and 412.
 * A change of case alone (`work` to `Work`) is a change, and not a conflict with itself.
 */
export async function updateLabel(userId: string, id: string, patch: LabelPatch, expected?: ExpectedVersions): Promise<LabelRow> {
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  const now = binds.add(new Date());
  const sets: string[] = [];
  const changes: string[] = [];
  for (const column of ['name', 'color'] as const) {
    if (patch[column] === undefined) continue;
    const p = binds.add(patch[column]);
    sets.push(`${column} = ${p}::text`);
    changes.push(`${column} IS DISTINCT FROM ${p}::text`);
  }
  if (changes.length === 0) return explainNoMatch(RESOURCE, await findLabel(userId, id), expected);
  const versions = versionSql(expected, binds);
  // The user row first (lock order, user-scope.ts): the feed trigger locks it after the label's row.
  const [updated] = await uniqueName(patch.name, () =>
    labelsOf(userId).rows<LabelRow>(
      `UPDATE labels SET ${sets.join(', ')}, version = version + 1, updated_at = ${now}
       WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versions} AND (${changes.join(' OR ')})
       RETURNING ${COLUMNS}`,
      binds.values,
    ),
  );
  return updated ?? explainNoMatch(RESOURCE, await findLabel(userId, id), expected);
}

/** Deletes the label and, by the foreign key's cascade, its place on todos (their label_ids lose it). */
export async function deleteLabel(userId: string, id: string, expected?: ExpectedVersions): Promise<void> {
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  // Written out to lock the user row first (lock order, user-scope.ts): the cascade locks the labelled todos, the triggers then the user row.
  const deleted = await labelsOf(userId).rows(
    `DELETE FROM labels WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versionSql(expected, binds)} RETURNING id`,
    binds.values,
  );
  if (deleted.length === 0) explainNotDeleted(RESOURCE, await findLabel(userId, id), expected);
}

/** One page of the caller's labels by name (ignoring case, ties by id), keyset-paginated with an HMAC cursor. */
export async function listLabels(userId: string, options: ListOptions): Promise<{ labels: LabelRow[]; nextCursor: string | null }> {
  const limit = options.limit ?? 20;
  const binding = { userId, sort: SORT_NAME, filters: {} };
  const binds = new BindParameters(1);
  const where = ['user_id = $1'];
  if (options.cursor !== undefined) where.push(keysetCondition(SORT, decodeCursor(options.cursor, binding), binds));
  const rows = await labelsOf(userId).rows<LabelRow & { sort_key: string }>(
    `SELECT ${COLUMNS}, (${SORT.expression})::text AS sort_key FROM labels
     WHERE ${where.join(' AND ')}
     ORDER BY ${keysetOrder(SORT)}
     LIMIT ${binds.add(limit + 1)}`,
    binds.values,
  );
  const { page, nextCursor } = keysetPage(rows, limit, binding);
  return { labels: page, nextCursor };
}
