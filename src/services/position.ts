import { generateKeyBetween } from 'fractional-indexing';
import { QueryTypes } from 'sequelize';
import { database } from '../db/database.js';
import { UserGoneError } from './user-service.js';

// Manual order (API.md, Manual order): positions are fractional-indexing keys, compared bytewise
// (COLLATE "C" in PostgreSQL; never localeCompare here). Why the end of a list is a counter's key
// and a place between neighbours is computed here: migration 2026.12.01T15.00.00.

/**
 * Locks the caller's user row (the lock order's first lock: src/db/user-scope.ts), which
 * serialises their structural writes (creates, moves, changes of list or parent), and reserves the next end key: one past every position the caller has.
 * Reads made after it, in later statements of the same transaction, see every such write that
 * committed before it.
 */
export async function reserveEndPosition(userId: string): Promise<string> {
  const [row] = await database().query<{ position: string }>(
    'UPDATE users SET position_seq = position_seq + 1 WHERE id = $1 RETURNING fractional_key(position_seq) AS position',
    { bind: [userId], type: QueryTypes.SELECT },
  );
  if (!row) throw new UserGoneError();
  return row.position;
}

/** The neighbours a move found: the sibling just before the new place and the one just after (null: none). */
export interface Gap {
  before: string | null;
  after: string | null;
}

/** The key of a place: between the neighbours, or the reserved end key when nothing comes after. */
export function positionIn(gap: Gap, end: string): string {
  return gap.after === null ? end : generateKeyBetween(gap.before, gap.after);
}

/** Past this length a key is not written: the place is renumbered first (keys grow by about a character every few moves into one gap). */
const LONGEST_KEY = 64;

export const rebalanceNeeded = (key: string): boolean => key.length > LONGEST_KEY;
