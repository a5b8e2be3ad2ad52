import { createHash } from 'node:crypto';
import { Op, QueryTypes } from 'sequelize';
import { database } from '../db/database.js';
import { IdempotencyKey } from '../db/models/index.js';
import { ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';

/** How long a stored response is replayed, per API.md. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** 1 to 255 visible ASCII characters (spaces allowed inside): what Stripe-style clients send. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e][\x20-\x7e]{0,253}[\x21-\x7e]$|^[\x21-\x7e]$/;

/** The response headers a replay repeats. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

export function checkIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ApiError('validation_failed', {
      detail: 'The Idempotency-Key header is not valid.',
      errors: [{ path: 'header.idempotency-key', message: 'Must be 1 to 255 visible ASCII characters, with no leading or trailing space.' }],
    });
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two requests "the same": method, path and body (as JSON, so key order and spacing do not matter). */
export function requestFingerprint(method: string, path: string, body: string): string {
  let canonical = body;
  try {
    canonical = canonicalJson(JSON.parse(body));
  } catch {
    // Not JSON: validation will refuse it, and a refused request stores nothing.
  }
  return createHash('sha256').update(`${method} ${path}\n${canonical}`).digest('hex');
}

/**
 * Claims a key for this transaction and returns its stored response, if any. The advisory lock
 * is held until the transaction ends, so a concurrent request with the same key gets a 409
 * instead of running the write twice; the lookup runs after the lock, in a fresh snapshot.
 */
export async function claimIdempotencyKey(userId: string, key: string, fingerprint: string): Promise<StoredResponse | undefined> {
  const sequelize = database();
  const [lock] = await sequelize.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', {
    bind: [`idempotency:${userId}:${key}`],
    type: QueryTypes.SELECT,
  });
  if (!lock?.locked) {
    throw new ApiError('idempotency_key_in_use', {
      detail: 'A request with this Idempotency-Key is still in progress; retry shortly to get its response.',
      headers: { 'Retry-After': '1' },
    });
  }
  const stored = await ownedBy(IdempotencyKey, userId).findOne({
    where: { key, expires_at: { [Op.gt]: new Date() } },
    attributes: ['fingerprint', 'status', 'headers', 'body'],
  });
  if (!stored) return undefined;
  if (stored.fingerprint !== fingerprint) {
    throw new ApiError('idempotency_key_reused', {
      detail: 'This Idempotency-Key was used for a different request (method, path or body). Use a new key for a new request.',
    });
  }
  return { status: stored.status, headers: stored.headers, body: stored.body };
}

/** Stores the first response in the request's transaction: it commits with the write, or not at all. */
export async function storeIdempotentResponse(userId: string, key: string, fingerprint: string, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const body = response.status === 204 ? null : await response.clone().text();
  const now = new Date();
  // An expired row for the same key may still be there: the new response replaces it.
  await IdempotencyKey.upsert({
    user_id: userId,
    key,
    fingerprint,
    status: response.status,
    headers,
    body,
    created_at: now,
    expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
  });
}

/** Deletes expired keys in small batches, by the expires_at index; run off the request path. */
export async function sweepExpiredIdempotencyKeys(batchSize = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    // Written out: Sequelize cannot bound a DELETE by a LIMIT. It returns one row per deleted key.
    const deleted = (
      await database().query(
        'DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY (SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)) RETURNING 1',
        { bind: [batchSize], type: QueryTypes.SELECT },
      )
    ).length;
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
