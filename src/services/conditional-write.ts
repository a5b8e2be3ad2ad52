import type { BindParameters } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';

// Shared by every versioned resource: If-Match versions, "not found", and telling 404 from 412
// after a conditional write that matched nothing.

/** The versions a conditional write may apply to: undefined when unconditional, 'any' for `If-Match: *`. */
export type ExpectedVersions = 'any' | number[] | undefined;

/** The condition of a conditional write, in written-out SQL: ` AND version = ANY ($n::int[])`, or nothing. */
export function versionSql(expected: ExpectedVersions, binds: BindParameters): string {
  return Array.isArray(expected) ? ` AND version = ANY (${binds.add(expected)}::int[])` : '';
}

export function notFound(resource: string): ApiError {
  return new ApiError('not_found', { detail: `No ${resource} with this id.` });
}

/**
 * After a conditional write matched nothing, read the row again (scoped to the caller): 404 if
 * it is not the caller's, 412 if its version is not one If-Match named, else the row unchanged.
 */
export function explainNoMatch<R extends { version: number }>(resource: string, row: R | null, expected: ExpectedVersions): R {
  if (!row) throw notFound(resource);
  if (Array.isArray(expected) && !expected.includes(row.version)) {
    throw new ApiError('precondition_failed', {
      detail: `The ${resource} is at version ${row.version}: If-Match does not match its ETag. Nothing was changed.`,
    });
  }
  return row;
}

/** After a conditional delete removed nothing: 404 or 412 as above, else a 404 (only a concurrent delete matches the version and deletes nothing). */
export function explainNotDeleted(resource: string, row: { version: number } | null, expected: ExpectedVersions): never {
  explainNoMatch(resource, row, expected);
  throw notFound(resource);
}
