import type { BindParameters } from './user-scope.js';

/** One sort order of a list: the SQL expression rows are ordered by (an index serves it), its type, its direction. */
export interface SortSpec {
  expression: string;
  /** The SQL type a cursor's key is turned back into. */
  cast: string;
  descending: boolean;
}

/** Where a page ended: the last row's sort key (as PostgreSQL prints it with `::text`) and id. */
export interface KeysetPosition {
  key: string;
  id: string;
}

/** Rows strictly after `after` in `(sort key, id)` order: pages stay stable while rows come and go. */
export function keysetCondition(spec: SortSpec, after: KeysetPosition, binds: BindParameters): string {
  return `(${spec.expression}, id) ${spec.descending ? '<' : '>'} (${binds.add(after.key)}::${spec.cast}, ${binds.add(after.id)}::uuid)`;
}

/** `ORDER BY` for a sort, ties broken by id in the same direction. */
export function keysetOrder(spec: SortSpec): string {
  const direction = spec.descending ? 'DESC' : 'ASC';
  return `${spec.expression} ${direction}, id ${direction}`;
}
