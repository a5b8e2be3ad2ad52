import { QueryTypes, type Transaction } from 'sequelize';
import { clsNamespace } from '../db/cls.js';
import { v7 as uuidv7 } from 'uuid';
import { database } from '../db/database.js';
import { sqlState } from '../db/db-errors.js';
import { withStatementTimeout } from '../db/statement-timeout.js';
import { User } from '../db/models/index.js';
import type { Env } from '../env.js';
import { ApiError } from '../lib/errors.js';
import type { AuthUser } from '../lib/types.js';
import { isStorableText, MAX_EMAIL_LENGTH, MAX_SUBJECT_LENGTH, type TokenIdentity } from './auth-service.js';

interface UserRef {
  id: string;
  email: string | null;
}

interface CachedUser extends UserRef {
  /** performance.now() past which the entry is checked against the database again. */
  until: number;
}

const CACHE_SIZE = 10_000;

// subject -> { id, email }, least recently used first. Safe to lose: users live in PostgreSQL.
// It only ever holds committed rows, because the upsert below runs before the request's transaction.
// An entry is trusted for USER_CACHE_TTL_MS: an erasure on another instance leaves a stale id here
// at most that long, and a stale id is harmless meanwhile (see UserGoneError).
const cache = new Map<string, CachedUser>();

/**
 * The user behind a verified token: created on its first request, its email kept in step with
 * the token's. A cached user whose token repeats the cached email (or carries none) costs no query.
 */
export async function resolveUser({ sub, email }: TokenIdentity, ttlMs = 60_000): Promise<AuthUser> {
  const cached = cache.get(sub);
  const sameEmail = cached !== undefined && (email === null || email === cached.email);
  if (sameEmail && cached.until > performance.now()) return { id: cached.id, subject: sub, email: cached.email };
  // Past its TTL a cached user only needs confirming: one read by subject (the row, or the fresh
  // account of an erased one). The upsert, two statements when nothing changes, is for a new
  // subject, a changed email, or a row that is gone.
  const confirmed = sameEmail ? await userBySubject(sub) : undefined;
  const known = confirmed !== undefined && (email === null || confirmed.email === email) ? confirmed : await upsertUser(sub, email);
  remember(sub, known, performance.now() + ttlMs);
  return { id: known.id, subject: sub, email: known.email };
}

/** The user row of a subject, read outside any request transaction; undefined when there is none. */
async function userBySubject(subject: string): Promise<UserRef | undefined> {
  const [row] = await database().query<UserRef>('SELECT id, email FROM users WHERE subject = $1', { bind: [subject], type: QueryTypes.SELECT, transaction: null });
  return row;
}

function remember(subject: string, user: UserRef, until: number): void {
  cache.delete(subject);
  cache.set(subject, { id: user.id, email: user.email, until });
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

/** Drops what this instance knows of a subject: its next request reads (or creates) its user row. */
export function forgetUser(subject: string): void {
  cache.delete(subject);
}

/**
 * The caller's user row is gone (erased, on this instance or another one, while a cached id still
 * pointed at it). The unit of work that meets it forgets the cached id, registers the token again
 * (a fresh account) and runs the request once more (src/middleware/unit-of-work.ts).
 */
export class UserGoneError extends Error {
  override name = 'UserGoneError';
  constructor() {
    super('The user row of an authenticated caller is gone');
  }
}

/** Whether the user row still exists: asked only after a unit of work failed, never on the way in. */
export async function userExists(userId: string): Promise<boolean> {
  const rows = await database().query('SELECT 1 FROM users WHERE id = $1', { bind: [userId], type: QueryTypes.SELECT, transaction: null });
  return rows.length > 0;
}

/** The caller again, from the database: for a cached id whose row is gone, the fresh account of the same subject. */
export async function registerAgain(user: AuthUser, ttlMs?: number): Promise<AuthUser> {
  forgetUser(user.subject);
  return resolveUser({ sub: user.subject, email: user.email }, ttlMs);
}

// A token without an email leaves the stored one alone; the WHERE skips the write when nothing changes.
// Values are bound ($1…), never inlined: the subject is stored exactly as the token carries it.
const UPSERT = `
  INSERT INTO users (id, subject, email, created_at, updated_at) VALUES ($1, $2, $3, now(), now())
  ON CONFLICT (subject) DO UPDATE SET email = EXCLUDED.email, updated_at = now()
    WHERE EXCLUDED.email IS NOT NULL AND users.email IS DISTINCT FROM EXCLUDED.email
  RETURNING id, email`;

/**
 * One autocommit statement on its own pooled connection (`transaction: null` keeps it out of any
 * request transaction), so concurrent first requests create one row and the row outlives a failed request.
 */
async function upsertUser(subject: string, email: string | null): Promise<UserRef> {
  // authenticate() refuses these with a 401; checked again here because a NUL would be stored as `\0` (see isStorableText).
  if (!isStorableText(subject, MAX_SUBJECT_LENGTH) || (email !== null && !isStorableText(email, MAX_EMAIL_LENGTH))) {
    throw new Error('An identity value that cannot be stored exactly as sent reached the user upsert');
  }
  const sequelize = database();
  try {
    const [written] = await sequelize.query<UserRef>(UPSERT, {
      bind: [uuidv7(), subject, email],
      type: QueryTypes.SELECT,
      transaction: null,
    });
    if (written) return written;
    // Unchanged row: RETURNING gave nothing. A new statement sees it (a CTE's snapshot might not, under concurrency).
    const existing = await userBySubject(subject);
    if (!existing) throw new Error('The user row disappeared between its upsert and its read');
    return existing;
  } catch (error) {
    if (isEmailTaken(error)) throw new ApiError('conflict', { detail: 'This email address belongs to another user.', cause: error });
    throw error;
  }
}

function isEmailTaken(error: unknown): boolean {
  const constraint = (error as { parent?: { constraint?: string } }).parent?.constraint;
  return sqlState(error) === '23505' && constraint === 'users_email_key';
}

/** The per-user quotas (LIMIT_*_PER_USER), and the fixed limits of the API. */
export interface Limits {
  todos: number;
  lists: number;
  labels: number;
  webhooks: number;
  labelsPerTodo: number;
  subtaskDepth: number;
}

/** Fixed by the API, not configurable: labels on one todo, levels of subtasks. */
export const LABELS_PER_TODO = 20;
export const SUBTASK_DEPTH = 4;

/** The limits this service was configured with. */
export function limitsOf(config: Env): Limits {
  return {
    todos: config.limitTodosPerUser,
    lists: config.limitListsPerUser,
    labels: config.limitLabelsPerUser,
    webhooks: config.limitWebhooksPerUser,
    labelsPerTodo: LABELS_PER_TODO,
    subtaskDepth: SUBTASK_DEPTH,
  };
}

export interface Me {
  id: string;
  email: string | null;
  createdAt: Date;
  /** What the caller has of each quota'd resource, read from counters in the user's row (no rows counted). */
  usage: { todos: number; lists: number; labels: number; webhooks: number };
}

/** The caller's own record and usage, one row read in the request's transaction. */
export async function getMe(user: AuthUser): Promise<Me> {
  const row = await User.findByPk(user.id, { attributes: ['id', 'email', 'created_at', 'todo_count', 'list_count', 'label_count', 'webhook_count'] });
  if (!row) throw new UserGoneError();
  return { id: row.id, email: row.email, createdAt: row.created_at, usage: { todos: row.todo_count, lists: row.list_count, labels: row.label_count, webhooks: row.webhook_count } };
}

/** An account at the quotas (100 000 todos, their feed and labels) takes seconds to erase: more than a request's statement timeout. */
export const ERASE_STATEMENT_TIMEOUT_MS = 120_000;

/**
 * Erases the caller and everything they own, in the request's transaction, with one statement: the
 * user row (the lock order's first lock, user-scope.ts) and, by the foreign keys' ON DELETE
 * CASCADE, every row keyed by them. The change feed's triggers run for the cascaded rows but
 * record nothing: they number changes by updating the user row, which is gone. After commit, this
 * instance forgets the subject; other instances within USER_CACHE_TTL_MS (UserGoneError).
 * Returns false when the row was already gone.
 */
export async function eraseUser(user: AuthUser): Promise<boolean> {
  const sequelize = database();
  const transaction = clsNamespace.get('transaction') as Transaction | undefined;
  if (!transaction) throw new Error('eraseUser runs in the request\'s transaction');
  transaction.afterCommit(() => forgetUser(user.subject));
  const deleted = await withStatementTimeout(ERASE_STATEMENT_TIMEOUT_MS, () =>
    sequelize.query('DELETE FROM users WHERE id = $1 RETURNING id', { bind: [user.id], type: QueryTypes.SELECT }),
  );
  return deleted.length > 0;
}
