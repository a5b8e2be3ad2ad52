import { createHmac, timingSafeEqual } from 'node:crypto';
import { cursorSecret } from '../db/service-secret.js';
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

const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAC_BYTES = 16;

function canonical(binding: CursorBinding): string {
  const filters = Object.entries(binding.filters)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]);
  return JSON.stringify([binding.userId, binding.sort, filters]);
}

// An HMAC under the database's shared secret over the position and its binding: only this
// service can issue one, and a changed character, or other filters, sort or user, no longer match.
function mac(payload: string, binding: CursorBinding): Buffer {
  return createHmac('sha256', cursorSecret()).update(payload).update('\n').update(canonical(binding)).digest().subarray(0, MAC_BYTES);
}

export function encodeCursor(position: CursorPosition, binding: CursorBinding): string {
  const payload = Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
  return `${payload}.${mac(payload, binding).toString('base64url')}`;
}

const invalid = () =>
  new ApiError('validation_failed', {
    detail: 'The cursor is not valid for this request.',
    errors: [{ path: 'query.cursor', message: 'Not a cursor this service issued for these filters and sort; start again without a cursor.' }],
  });

export function decodeCursor(cursor: string, binding: CursorBinding): CursorPosition {
  const [payload, tag, extra] = cursor.split('.');
  if (!payload || !tag || extra !== undefined) throw invalid();
  const expected = mac(payload, binding);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || given.toString('base64url') !== tag) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid();
  const [key, id] = decoded as unknown[];
  // Checked even though signed: the key goes to SQL cast to the sort's type, and must never fail there.
  if (typeof key !== 'string' || typeof id !== 'string' || !UUID_FORMAT.test(id) || !keyKindOf(binding.sort)?.(key)) throw invalid();
  return { key, id };
}

/** Whether a sort key, as PostgreSQL's `::text` printed it, is one the sort's column type accepts back. */
type KeyKind = (key: string) => boolean;

const integerBetween =
  (min: number, max: number): KeyKind =>
  (key) =>
    /^-?(0|[1-9]\d{0,5})$/.test(key) && Number(key) >= min && Number(key) <= max;

// timestamptz text output (DateStyle ISO): `2026-11-22 09:30:00.123+00`, the offset as long as the zone needs.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysIn = (year: number, month: number): number => (month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

/** A real date and time of the years 1 to 9999 (the API's range); `infinity` too where the sort stands in for null with it. */
const timestamp =
  ({ infinity = false } = {}): KeyKind =>
  (key) => {
    if (key === 'infinity') return infinity;
    const m = TIMESTAMP.exec(key);
    if (!m) return false;
    const [year, month, day, hour, minute, second, offsetHour, offsetMinute, offsetSecond] = m.slice(1).map((part) => Number(part ?? 0));
    return (
      year! >= 1 &&
      month! >= 1 &&
      month! <= 12 &&
      day! >= 1 &&
      day! <= daysIn(year!, month!) &&
      hour! <= 23 &&
      minute! <= 59 &&
      second! <= 59 &&
      offsetHour! <= 15 &&
      offsetMinute! <= 59 &&
      offsetSecond! <= 59
    );
  };

// One kind per sort field; a new sort adds its own entry, and a sort without one accepts no cursor at all.
const KEY_KINDS: Record<string, KeyKind> = {
  priority: integerBetween(0, 4),
  created_at: timestamp(),
  updated_at: timestamp(),
  due_at: timestamp({ infinity: true }),
  // Labels by `lower(name)`: text of a stored name (at most 64 code points), compared as text.
  name: (key) => [...key].length <= 64 && !key.includes('\u0000') && key.isWellFormed(),
  // Todos and lists by `position`: a fractional-indexing key as the CHECK constraints accept it.
  position: (key) => /^[0-9A-Za-z]{2,256}$/.test(key),
  // The change feed by `seq`: a bigint of 0 or more, as PostgreSQL prints it.
  seq: (key) => /^(0|[1-9]\d{0,18})$/.test(key) && BigInt(key) <= 9_223_372_036_854_775_807n,
};

function keyKindOf(sort: string): KeyKind | undefined {
  const field = sort.replace(/^-/, '');
  return Object.hasOwn(KEY_KINDS, field) ? KEY_KINDS[field] : undefined;
}

/**
 * A keyset page from the `limit + 1` rows a list statement fetched (each with its `sort_key`):
 * the first `limit` rows without their key, and the cursor after the last one when there is more.
 */
export function keysetPage<R extends { id: string; sort_key: string }>(
  rows: R[],
  limit: number,
  binding: CursorBinding,
): { page: Array<Omit<R, 'sort_key'>>; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ key: last.sort_key, id: last.id }, binding) : null;
  return { page: page.map(({ sort_key: _, ...row }) => row), nextCursor };
}

/** The change feed's cursors: a seq of the user's feed, bound to the user (another user's cursor is a 422). */
const feedBinding = (userId: string): CursorBinding => ({ userId, sort: 'seq', filters: {} });
// A feed position has no row id: the user's own id fills the slot, so the format stays one.
export const encodeFeedCursor = (userId: string, seq: string): string => encodeCursor({ key: seq, id: userId }, feedBinding(userId));

/** The seq a feed cursor stands for; a forged, changed or foreign one (or a list page's) is a 422. */
export const decodeFeedCursor = (userId: string, cursor: string): string => decodeCursor(cursor, feedBinding(userId)).key;
