import { QueryTypes } from 'sequelize';
import { database } from '../db/database.js';
import { Change, LABEL_COLUMNS, LIST_COLUMNS, TODO_COLUMNS, User, type LabelRow, type ListRow, type TodoRow } from '../db/models/index.js';
import { ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';
import { decodeFeedCursor, encodeFeedCursor } from './cursor.js';
import { UserGoneError } from './user-service.js';

// The change feed (API.md, The change feed): the rows the triggers of migration
// 2026.12.01T16.00.00 keep, one per object, read in seq order with the object as it is now.
// Why a reader never skips a commit: the comment at the top of that migration.

interface ChangeBase {
  seq: string;
  id: string;
  version: number;
  changedAt: Date;
}

/** One change: the object now (null when deleted), typed by the kind of object. */
export type FeedChange = ChangeBase &
  (
    | { type: 'todo'; op: 'upsert'; object: TodoRow }
    | { type: 'list'; op: 'upsert'; object: ListRow }
    | { type: 'label'; op: 'upsert'; object: LabelRow }
    | { type: 'todo' | 'list' | 'label'; op: 'delete'; object: null }
  );

export interface FeedPage {
  changes: FeedChange[];
  nextCursor: string;
  hasMore: boolean;
}

export interface FeedOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
}

const changesOf = (userId: string) => ownedBy(Change, userId);

const TABLES = [
  { type: 'todo', table: 'todos', alias: 't', columns: TODO_COLUMNS },
  { type: 'list', table: 'lists', alias: 'l', columns: LIST_COLUMNS },
  { type: 'label', table: 'labels', alias: 'b', columns: LABEL_COLUMNS },
] as const;

// Each object's columns under its alias's prefix (t_title, l_name…), so that one row carries
// whichever of the three the change is about.
const OBJECT_COLUMNS = TABLES.flatMap(({ alias, columns }) => columns.map((column) => `${alias}.${column} AS ${alias}_${column}`)).join(', ');
const OBJECT_JOINS = TABLES.map(
  ({ type, table, alias }) => `LEFT JOIN ${table} ${alias} ON c.type = '${type}' AND ${alias}.user_id = $1 AND ${alias}.id = c.id`,
).join('\n  ');

// One statement, so one snapshot: the horizon of the sweep, the user's latest seq and the page
// are consistent with each other. $2 is the cursor's seq, $3 limit + 1, $4 whether a cursor was
// given (no cursor: from the start, which no sweep can expire).
const PAGE = `SELECT u.change_seq::text AS latest_seq, ($4::boolean AND $2::bigint < u.changes_purged_through) AS expired,
    c.seq::text AS seq, c.type, c.op, c.id, c.version, c.changed_at, ${OBJECT_COLUMNS}
  FROM users u
  LEFT JOIN LATERAL (
    SELECT ch.seq, ch.type, ch.op, ch.id, ch.version, ch.changed_at FROM changes ch
    WHERE ch.user_id = $1 AND ch.seq > $2::bigint AND NOT ($4::boolean AND $2::bigint < u.changes_purged_through)
    ORDER BY ch.seq LIMIT $3
  ) c ON true
  ${OBJECT_JOINS}
  WHERE u.id = $1
  ORDER BY c.seq`;

type PageRow = { latest_seq: string; expired: boolean; seq: string | null; type: FeedChange['type'] | null; op: FeedChange['op'] | null; id: string | null; version: number | null; changed_at: Date | null } & Record<string, unknown>;

function objectOf(row: PageRow, alias: string, columns: readonly string[]): Record<string, unknown> | null {
  if (row[`${alias}_id`] === null || row[`${alias}_id`] === undefined) return null;
  return Object.fromEntries(columns.map((column) => [column, row[`${alias}_${column}`]]));
}

function toChange(row: PageRow): FeedChange {
  const base = { seq: row.seq!, id: row.id!, version: row.version!, changedAt: row.changed_at! };
  const table = TABLES.find(({ type }) => type === row.type)!;
  const object = row.op === 'upsert' ? objectOf(row, table.alias, table.columns) : null;
  // An upsert's object is in the same snapshot as its change row (one transaction wrote both).
  if (object === null) return { ...base, type: row.type!, op: 'delete', object: null };
  return { ...base, type: row.type, op: 'upsert', object } as FeedChange;
}

/** The caller's changes after the cursor (from the start without one), in seq order: `limit` of them and where to resume. */
export async function listChanges(userId: string, options: FeedOptions): Promise<FeedPage> {
  const limit = options.limit ?? 100;
  const after = options.cursor === undefined ? '0' : decodeFeedCursor(userId, options.cursor);
  const rows = await changesOf(userId).rows<PageRow>(PAGE, [after, limit + 1, options.cursor !== undefined]);
  const [first] = rows;
  if (!first) throw new UserGoneError();
  if (first.expired) {
    throw new ApiError('cursor_expired', {
      detail:
        'This cursor is older than the deletions the service still keeps (CHANGES_RETENTION_DAYS): following it could miss one. Start over: take GET /v1/changes/latest, list everything, then follow the feed from that cursor.',
    });
  }
  const found = rows.filter((row) => row.seq !== null).map(toChange);
  const page = found.slice(0, limit);
  const hasMore = found.length > limit;
  // The last page resumes from the user's latest seq: every smaller one is in this snapshot.
  const resume = hasMore ? page.at(-1)!.seq : BigInt(first.latest_seq) > BigInt(after) ? first.latest_seq : after;
  return { changes: page, nextCursor: encodeFeedCursor(userId, resume), hasMore };
}

/** "Now": a cursor after every change the caller has so far. */
export async function latestCursor(userId: string): Promise<string> {
  const user = await User.findByPk(userId, { attributes: ['change_seq'], raw: true });
  if (!user) throw new UserGoneError();
  return encodeFeedCursor(userId, String(user.change_seq));
}

/**
 * Deletes the deletions older than the retention, oldest first, `batchSize` at a time through
 * changes_deleted_at_idx, and raises each user's changes_purged_through to the greatest seq
 * removed, in the same statement: a cursor before it is then a 410. Returns how many were removed.
 */
export async function sweepExpiredChanges(retentionDays: number, batchSize = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    // Written out: Sequelize cannot bound a DELETE by a LIMIT, nor raise the horizon in the same statement.
    const [result] = await database().query<{ removed: number }>(
      `WITH doomed AS (
         SELECT ctid FROM changes WHERE op = 'delete' AND changed_at < now() - make_interval(days => $1::int) ORDER BY changed_at LIMIT $2
       ), gone AS (
         DELETE FROM changes WHERE ctid = ANY (ARRAY (SELECT ctid FROM doomed)) AND op = 'delete' RETURNING user_id, seq
       ), raised AS (
         UPDATE users u SET changes_purged_through = greatest(u.changes_purged_through, g.seq)
         FROM (SELECT user_id, max(seq) AS seq FROM gone GROUP BY user_id) g WHERE u.id = g.user_id
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM gone)::int AS removed, (SELECT count(*) FROM raised)::int AS users`,
      { bind: [retentionDays, batchSize], type: QueryTypes.SELECT },
    );
    const removed = result?.removed ?? 0;
    total += removed;
    if (removed < batchSize) return total;
  }
}
