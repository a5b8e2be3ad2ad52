import { QueryTypes } from 'sequelize';
import { v7 as uuidv7 } from 'uuid';
import { database } from '../db/database.js';
import { sqlState } from '../db/db-errors.js';
import { User } from '../db/models/index.js';
import type { Env } from '../env.js';
import { ApiError } from '../lib/errors.js';
import type { AuthUser } from '../lib/types.js';
import { isStorableText, MAX_EMAIL_LENGTH, MAX_SUBJECT_LENGTH, type TokenIdentity } from './auth-service.js';

interface UserRef {
  id: string;
  email: string | null;
}

const CACHE_SIZE = 10_000;

// subject -> { id, email }, least recently used first. Safe to lose: users live in PostgreSQL.
// It only ever holds committed rows, because the upsert below runs before the request's transaction.
const cache = new Map<string, UserRef>();

/**
 * The user behind a verified token: created on its first request, its email kept in step with
 * the token's. A cached user whose token repeats the cached email (or carries none) costs no query.
 */
export async function resolveUser({ sub, email }: TokenIdentity): Promise<AuthUser> {
  const cached = cache.get(sub);
  const known = cached && (email === null || email === cached.email) ? cached : await upsertUser(sub, email);
  remember(sub, known);
  return { id: known.id, subject: sub, email: known.email };
}

function remember(subject: string, user: UserRef): void {
  cache.delete(subject);
  cache.set(subject, user);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
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
    const [existing] = await sequelize.query<UserRef>('SELECT id, email FROM users WHERE subject = $1', {
      bind: [subject],
      type: QueryTypes.SELECT,
      transaction: null,
    });
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
  if (!row) {
    // Only if the row was deleted behind the service's back: forget it, and the next request recreates it.
    cache.delete(user.subject);
    throw new ApiError('unauthorized', {
      detail: 'The user of this token no longer exists; retry to register it again.',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  return { id: row.id, email: row.email, createdAt: row.created_at, usage: { todos: row.todo_count, lists: row.list_count, labels: row.label_count, webhooks: row.webhook_count } };
}
