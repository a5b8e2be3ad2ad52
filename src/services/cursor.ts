import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../lib/errors.js';

/** Where a page ended: the last row's sort key (as PostgreSQL prints it) and id. */
export interface CursorPosition {
  key: string;
  id: string;
}

/** What a cursor is valid for: the user, the sort and the filters it was issued with. */
export interface CursorBinding {
  userId: string;
  sort: string;
  filters: Record<string, unknown>;
}

const KEY_FORMAT = /^(-?\d{1,5}|infinity|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2})$/;
const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function canonical(binding: CursorBinding): string {
  const filters = Object.entries(binding.filters)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]);
  return JSON.stringify([binding.userId, binding.sort, filters]);
}

// A digest over the position and its binding: a changed character, or a cursor used with other
// filters, sort or user, no longer matches. Forging one gains nothing: every query is per user.
function digest(payload: string, binding: CursorBinding): Buffer {
  return createHash('sha256').update(payload).update('\n').update(canonical(binding)).digest().subarray(0, 16);
}

export function encodeCursor(position: CursorPosition, binding: CursorBinding): string {
  const payload = Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
  return `${payload}.${digest(payload, binding).toString('base64url')}`;
}

const invalid = () =>
  new ApiError('validation_failed', {
    detail: 'The cursor is not valid for this request.',
    errors: [{ path: 'query.cursor', message: 'Not a cursor this service issued for these filters and sort; start again without a cursor.' }],
  });

export function decodeCursor(cursor: string, binding: CursorBinding): CursorPosition {
  const [payload, mac, extra] = cursor.split('.');
  if (!payload || !mac || extra !== undefined) throw invalid();
  const expected = digest(payload, binding);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid();
  const [key, id] = decoded as unknown[];
  if (typeof key !== 'string' || typeof id !== 'string' || !KEY_FORMAT.test(key) || !UUID_FORMAT.test(id)) throw invalid();
  return { key, id };
}
