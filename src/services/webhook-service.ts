import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { keysetCondition, keysetOrder, type SortSpec } from '../db/keyset.js';
import {
  WEBHOOK_ATTEMPT_COLUMNS,
  WEBHOOK_COLUMNS,
  Webhook,
  WebhookAttempt,
  type WebhookAttemptRow,
  type WebhookPublicRow,
} from '../db/models/index.js';
import { BindParameters, OWNER_LOCKED, ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';
import { explainNoMatch, explainNotDeleted, notFound, versionSql, type ExpectedVersions } from './conditional-write.js';
import { decodeCursor, keysetPage } from './cursor.js';
import { TargetRefused, checkTargetUrl, type TargetPolicy } from './webhook-target.js';

export type { WebhookAttemptRow, WebhookPublicRow } from '../db/models/index.js';

// Webhook endpoints (API.md, Webhooks): a copy of the labels' service, plus the secret, its
// rotation, a test event, and the attempts log the worker (webhook-worker.ts) writes.

export interface WebhookInput {
  url: string;
  events: string[];
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

export type WebhookPatch = Partial<WebhookInput>;

export interface PageOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** A webhook with its signing secret: only the create's and rotate-secret's answers carry it. */
export type WebhookWithSecret = WebhookPublicRow & { secret: string };

const RESOURCE = 'webhook';
/** After a rotation, the old secret keeps signing alongside the new one this long. */
export const PREVIOUS_SECRET_HOURS = 24;

const webhooksOf = (userId: string) => ownedBy(Webhook, userId);
const attemptsOf = (userId: string) => ownedBy(WebhookAttempt, userId);

const COLUMNS = WEBHOOK_COLUMNS.join(', ');

/** `whsec_` + base64 of 24 random bytes: the Standard Webhooks secret format. */
export const newSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** A URL the target policy refuses is a 422 on `url` that says what to send instead. */
async function checkedUrl(url: string | undefined, policy: TargetPolicy): Promise<void> {
  if (url === undefined) return;
  try {
    await checkTargetUrl(url, policy);
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    const rule = policy.httpsOnly
      ? 'an https:// URL whose host resolves to public addresses only'
      : policy.allowPrivate
        ? 'an http:// or https:// URL'
        : 'an http:// or https:// URL whose host resolves to public addresses only';
    throw new ApiError('validation_failed', {
      detail: `This URL cannot receive webhooks: send ${rule}. Nothing was changed.`,
      errors: [{ path: 'body.url', message: `The URL ${error.message}.` }],
    });
  }
}

// The quota check is part of the INSERT, reading the count the triggers keep, with the user row
// locked (the lock order's first lock, user-scope.ts), as labels do.
const INSERT = `INSERT INTO webhooks (user_id, id, url, events, description, enabled, secret, version, created_at, updated_at)
  SELECT $1, $2, $3, $4::text[], $5, $6, $7, 1, $8, $8
  WHERE coalesce((SELECT webhook_count FROM users WHERE id = $1 FOR UPDATE), 0) < $9
  RETURNING ${COLUMNS}, secret`;

/** Registers an endpoint, unless the caller has `maxWebhooks` (LIMIT_WEBHOOKS_PER_USER, 409 `limit_reached`). */
export async function createWebhook(userId: string, input: WebhookInput, maxWebhooks: number, policy: TargetPolicy): Promise<WebhookWithSecret> {
  await checkedUrl(input.url, policy);
  const [row] = await webhooksOf(userId).rows<WebhookWithSecret>(INSERT, [
    uuidv7(),
    input.url,
    input.events,
    input.description ?? null,
    input.enabled ?? true,
    newSecret(),
    new Date(),
    maxWebhooks,
  ]);
  if (!row) {
    throw new ApiError('limit_reached', {
      detail: `You have ${maxWebhooks} webhooks, the most one user may have (limits.webhooks in GET /v1/me). Delete one to register another. Nothing was changed.`,
    });
  }
  return row;
}

async function findWebhook(userId: string, id: string): Promise<WebhookPublicRow | null> {
  return webhooksOf(userId).findOne({ where: { id }, attributes: [...WEBHOOK_COLUMNS] });
}

export async function getWebhook(userId: string, id: string): Promise<WebhookPublicRow> {
  const webhook = await findWebhook(userId, id);
  if (!webhook) throw notFound(RESOURCE);
  return webhook;
}

/**
 * A merge patch in one UPDATE … RETURNING, only where the webhook is at an expected version and
 * the patch changes something. Enabling clears `disabled_reason` and the failure clock; disabling
 * by hand says so in `disabled_reason`, and ends the endpoint's pending deliveries.
 */
export async function updateWebhook(userId: string, id: string, patch: WebhookPatch, policy: TargetPolicy, expected?: ExpectedVersions): Promise<WebhookPublicRow> {
  await checkedUrl(patch.url, policy);
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  const now = binds.add(new Date());
  const sets: string[] = [];
  const changes: string[] = [];
  const field = (column: string, value: unknown, type: string) => {
    const p = binds.add(value);
    sets.push(`${column} = ${p}::${type}`);
    changes.push(`${column} IS DISTINCT FROM ${p}::${type}`);
  };
  if (patch.url !== undefined) field('url', patch.url, 'text');
  if (patch.events !== undefined) field('events', patch.events, 'text[]');
  if (patch.description !== undefined) field('description', patch.description, 'text');
  if (patch.enabled !== undefined) {
    const p = binds.add(patch.enabled);
    sets.push(
      `enabled = ${p}::boolean`,
      `disabled_reason = CASE WHEN ${p}::boolean THEN NULL ELSE 'Disabled by you (PATCH enabled: false).' END`,
      `failing_since = NULL`,
    );
    changes.push(`enabled IS DISTINCT FROM ${p}::boolean`);
  }
  if (changes.length === 0) return explainNoMatch(RESOURCE, await findWebhook(userId, id), expected);
  const versions = versionSql(expected, binds);
  // The user row first (lock order); a disable ends the pending deliveries in the same statement.
  const [updated] = await webhooksOf(userId).rows<WebhookPublicRow>(
    `WITH changed AS (
       UPDATE webhooks SET ${sets.join(', ')}, version = version + 1, updated_at = ${now}
       WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versions} AND (${changes.join(' OR ')})
       RETURNING ${COLUMNS}
     ), ended AS (
       UPDATE webhook_deliveries d SET status = 'failed', finished_at = ${now}, lease = NULL
       FROM changed c WHERE NOT c.enabled AND d.webhook_id = c.id AND d.status = 'pending'
       RETURNING 1
     )
     SELECT ${COLUMNS} FROM changed`,
    binds.values,
  );
  return updated ?? explainNoMatch(RESOURCE, await findWebhook(userId, id), expected);
}

/** Deletes the endpoint with its deliveries and attempts (cascades); events go to no one else. */
export async function deleteWebhook(userId: string, id: string, expected?: ExpectedVersions): Promise<void> {
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  const deleted = await webhooksOf(userId).rows(
    `DELETE FROM webhooks WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versionSql(expected, binds)} RETURNING id`,
    binds.values,
  );
  if (deleted.length === 0) explainNotDeleted(RESOURCE, await findWebhook(userId, id), expected);
}

/** A new secret; the old one keeps signing alongside it for PREVIOUS_SECRET_HOURS. */
export async function rotateSecret(userId: string, id: string, expected?: ExpectedVersions): Promise<WebhookWithSecret> {
  const binds = new BindParameters(1);
  const idParam = binds.add(id);
  const now = binds.add(new Date());
  const secret = binds.add(newSecret());
  const [row] = await webhooksOf(userId).rows<WebhookWithSecret>(
    `UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = ${now}::timestamptz + interval '${PREVIOUS_SECRET_HOURS} hours',
       secret = ${secret}, version = version + 1, updated_at = ${now}
     WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = ${idParam}${versionSql(expected, binds)}
     RETURNING ${COLUMNS}, secret`,
    binds.values,
  );
  if (!row) {
    // Not found, or (with If-Match) changed since: explained as for any conditional write.
    explainNoMatch(RESOURCE, await findWebhook(userId, id), expected);
    throw notFound(RESOURCE);
  }
  return row;
}

/** Queues a `webhook.test` event for this endpoint alone (whatever its `events`); 409 when it is disabled. The user row first (lock order): the inserts' foreign keys share-lock the user and webhook rows. */
export async function sendTestEvent(userId: string, id: string): Promise<{ eventId: string; createdAt: Date }> {
  const eventId = uuidv7();
  const [row] = await webhooksOf(userId).rows<{ enabled: boolean; queued: boolean }>(
    `WITH target AS (
       SELECT id, enabled, to_jsonb(w) - 'secret' - 'previous_secret' - 'previous_secret_expires_at' - 'failing_since' AS object
       FROM webhooks w WHERE ${OWNER_LOCKED} AND user_id = $1 AND id = $2
     ), event AS (
       INSERT INTO webhook_events (id, user_id, type, object_type, object_id, change_seq, old_row, new_row, created_at)
       SELECT $3, $1, 'webhook.test', 'webhook', t.id, NULL, NULL, t.object, $4 FROM target t WHERE t.enabled
       RETURNING id
     ), delivery AS (
       INSERT INTO webhook_deliveries (id, event_id, webhook_id, user_id, next_attempt_at, created_at)
       SELECT $5, e.id, $2, $1, $4, $4 FROM event e
       RETURNING 1
     )
     SELECT t.enabled, EXISTS (SELECT 1 FROM delivery) AS queued FROM target t`,
    [id, eventId, new Date(), uuidv7()],
  );
  if (!row) throw notFound(RESOURCE);
  if (!row.enabled) {
    const webhook = await getWebhook(userId, id);
    throw new ApiError('webhook_disabled', {
      detail: `This endpoint is disabled (${webhook.disabled_reason ?? 'no reason recorded'}). Enable it with PATCH {"enabled": true}, then send the test again. Nothing was changed.`,
    });
  }
  return { eventId, createdAt: new Date() };
}

/** Webhooks in creation order (ids are UUIDv7). */
const SORT: SortSpec = { expression: 'created_at', cast: 'timestamptz', descending: false };

export async function listWebhooks(userId: string, options: PageOptions): Promise<{ webhooks: WebhookPublicRow[]; nextCursor: string | null }> {
  const limit = options.limit ?? 20;
  const binding = { userId, sort: 'created_at', filters: {} };
  const binds = new BindParameters(1);
  const where = ['user_id = $1'];
  if (options.cursor !== undefined) where.push(keysetCondition(SORT, decodeCursor(options.cursor, binding), binds));
  const rows = await webhooksOf(userId).rows<WebhookPublicRow & { sort_key: string }>(
    `SELECT ${COLUMNS}, created_at::text AS sort_key FROM webhooks WHERE ${where.join(' AND ')} ORDER BY ${keysetOrder(SORT)} LIMIT ${binds.add(limit + 1)}`,
    binds.values,
  );
  const { page, nextCursor } = keysetPage(rows, limit, binding);
  return { webhooks: page, nextCursor };
}

/** The attempts log, newest first. */
const ATTEMPT_SORT: SortSpec = { expression: 'created_at', cast: 'timestamptz', descending: true };

export async function listAttempts(
  userId: string,
  webhookId: string,
  options: PageOptions,
): Promise<{ attempts: WebhookAttemptRow[]; nextCursor: string | null }> {
  // A webhook of another user, or none, is a 404 rather than an empty page.
  await getWebhook(userId, webhookId);
  const limit = options.limit ?? 20;
  const binding = { userId, sort: '-created_at', filters: { webhook_id: webhookId } };
  const binds = new BindParameters(1);
  const where = ['user_id = $1', `webhook_id = ${binds.add(webhookId)}`];
  if (options.cursor !== undefined) where.push(keysetCondition(ATTEMPT_SORT, decodeCursor(options.cursor, binding), binds));
  const rows = await attemptsOf(userId).rows<WebhookAttemptRow & { sort_key: string }>(
    `SELECT ${WEBHOOK_ATTEMPT_COLUMNS.join(', ')}, created_at::text AS sort_key FROM webhook_attempts
     WHERE ${where.join(' AND ')} ORDER BY ${keysetOrder(ATTEMPT_SORT)} LIMIT ${binds.add(limit + 1)}`,
    binds.values,
  );
  const { page, nextCursor } = keysetPage(rows, limit, binding);
  return { attempts: page, nextCursor };
}
