import { Op, QueryTypes, type Attributes, type FindOptions, type Model, type ModelStatic, type WhereOptions } from 'sequelize';
import { database } from './database.js';

type Owned = Model & { user_id: string };

/** `where`, and the row belongs to the user. */
function scoped<M extends Owned>(userId: string, where: WhereOptions<Attributes<M>> | undefined): WhereOptions<Attributes<M>> {
  const owner = { user_id: userId } as unknown as WhereOptions<Attributes<M>>;
  return where === undefined ? owner : { [Op.and]: [where, owner] };
}

// In written-out SQL the user's id is always the first bind parameter: a statement filters on
// `user_id = $1`, or inserts `$1` as its first column, `user_id`.
const OWNER_CONDITION = /\buser_id = \$1\b|^\s*INSERT INTO \w+ \(user_id\b[^)]*\)\s+(?:VALUES \(|SELECT )\$1\b/;

/**
 * No `update` here on purpose: Sequelize 6's Model.update binds the SET values but inlines the
 * WHERE values, then rewrites every `$n` in the whole text, so a caller's `$1` in a WHERE value
 * is read as a bind parameter (a 500, or a silently different condition). Conditional updates
 * are written out with `rows`, every value bound. No `destroy` either: a delete must lock the
 * user row first (LOCK ORDER below), which Model.destroy cannot say; deletes use `rows` too.
 *
 * A model's rows as one user may reach them: every query made through it carries the user's
 * id, so a row of another user is never read, changed, counted or deleted. Services reach
 * per-user tables only through this, which is where a new query gets its scoping.
 * Results are plain data (`raw`, RETURNING), never model instances.
 */
export function ownedBy<M extends Owned>(model: ModelStatic<M>, userId: string) {
  return {
    async findOne(options: Omit<FindOptions<Attributes<M>>, 'raw'>): Promise<Attributes<M> | null> {
      // With `raw`, Sequelize returns the row's plain attributes, not an instance.
      const row: unknown = await model.findOne({ ...options, where: scoped<M>(userId, options.where), raw: true });
      return row as Attributes<M> | null; // eslint-disable-line @typescript-eslint/no-unnecessary-type-assertion -- states what `raw` returns
    },

    /**
     * Written-out SQL that returns rows (a SELECT, an INSERT/UPDATE/DELETE … RETURNING), where
     * Sequelize cannot generate the statement (keyset row comparisons, IS DISTINCT FROM, CTEs)
     * or where generating it costs more than running it (the statements of a resource's hot
     * paths, measured in the service that writes them out): every value a bind parameter, `$1`
     * the user's id, which the statement must use as `user_id = $1` (an INSERT: as the value of
     * its first column, `user_id`). Columns are listed, never `*`.
     */
    async rows<T extends object>(sql: string, bind: unknown[] = []): Promise<T[]> {
      if (!OWNER_CONDITION.test(sql)) throw new Error('A per-user statement must filter on user_id = $1 (or insert it as its first column)');
      return database().query<T>(sql, { bind: [userId, ...bind], type: QueryTypes.SELECT });
    },
  };
}

/**
 * LOCK ORDER, for every write of a user's rows: the user's row in `users` first, then the rows
 * the write names (todos, lists, labels, and what their triggers and cascades touch).
 *
 * The triggers of todos, lists and labels lock the user row at the end of each statement (the
 * counts of migrations 2026.12.01T13.10.00, 14.00.00 and 15.00.00; the change feed's counter,
 * 16.00.00). A write that locked its target row first would then wait for the user row while
 * holding a row that the user row's holder may need next (a create in list L holds the user row
 * and needs L's row; a completion in L holds the todo, then L's row, then needs the user row):
 * a deadlock, found after deadlock_timeout (1 s) and retried. With the user row first, one user's
 * writes queue on it and take every other row only while holding it, in the same statement (no
 * extra round trip):
 * - creates: the quota's `SELECT … FOR UPDATE` inside the INSERT (todos, labels), or
 *   reserveEndPosition (services/position.ts) before the statement (lists);
 * - moves and PATCHes that change a todo's list or parent: reserveEndPosition, first;
 * - every other UPDATE and DELETE: OWNER_LOCKED in its WHERE. An uncorrelated EXISTS is an
 *   InitPlan, run once before the scan that locks the target row (checked with EXPLAIN).
 * - the erasure (DELETE /v1/me, eraseUser in user-service.ts): the user row's DELETE is its first
 *   lock, and the foreign keys' cascades take every other row after it, in the same statement.
 * The export (account-service.ts) takes no row lock: it reads one snapshot, read only.
 * The retention sweeps (change-service.ts, idempotency-service.ts) take no user row first: they
 * lock only rows that no user's write locks again (old deletions in the feed, expired keys).
 */
export const OWNER_LOCKED = 'EXISTS (SELECT 1 FROM users WHERE id = $1 FOR UPDATE)';

/** The bind parameters of a written-out statement, and the `$n` placeholder of each value added. */
export class BindParameters {
  readonly values: unknown[] = [];

  /** `offset`: how many parameters come before these (1 for `ownedBy().rows`, whose `$1` is the user's id). */
  constructor(private readonly offset = 0) {}

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.offset + this.values.length}`;
  }
}
