import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { v7 as uuidv7 } from 'uuid';
import { database } from '../db/database.js';
import { describeDatabaseError } from '../db/db-errors.js';
import { logger } from '../lib/logger.js';
import { sendMessage, type Outcome } from './webhook-delivery.js';
import type { TargetPolicy } from './webhook-target.js';

// The webhook worker: delivers the outbox (migration 2026.12.01T17.00.00) outside any transaction.
//
// Why a FOR UPDATE SKIP LOCKED loop and not pg-boss: the outbox rows are written by the triggers
// in the write's own transaction, so the queue must be a table those triggers can insert into;
// pg-boss owns its schema and expects its API to enqueue. The loop is one claim statement and
// one completion statement per attempt, works through a transaction-mode pooler (no LISTEN, no
// session state), and runs in any number of instances.
//
// - Claim: due deliveries, oldest first, SKIP LOCKED (instances never wait on each other), each
//   given a lease: next_attempt_at moves to the lease's end and a fresh lease token is set. The
//   claim commits at once; the HTTP request runs with no transaction and no connection held.
// - Complete: only the holder of the lease (its token) may settle the delivery. A worker that
//   dies (SIGKILL) settles nothing: when the lease ends the delivery is due again and another
//   worker sends it (at least once; the same webhook-id, so receivers can tell).
// - A failure is retried after RETRY_DELAYS_MS[attempt - 1] ± 20 % (jitter spreads the retries of
//   many failing endpoints); after the last, the delivery has failed. A 410 disables the endpoint;
//   so does failing for FAILURE_WINDOW_MS without one success.

/** Waits after each failed attempt (Standard Webhooks' advice, about 23 hours in all, 9 attempts). */
export const RETRY_DELAYS_MS = [5e3, 60e3, 10 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3];
/** An endpoint failing this long (no success in between) is disabled. */
export const FAILURE_WINDOW_MS = 3 * 24 * 3600e3;

/** The outbox's event as the triggers stored it; the worker's caller renders its body. */
export interface OutboxEvent {
  id: string;
  type: string;
  object_type: 'todo' | 'list' | 'label' | 'webhook';
  change_seq: string | null;
  old_row: Record<string, unknown> | null;
  new_row: Record<string, unknown> | null;
  created_at: Date;
}

export interface WorkerOptions {
  policy: TargetPolicy;
  /** The body of an event (the contract's mapping lives with the routes). */
  render: (event: OutboxEvent) => string;
  timeoutMs: number;
  pollIntervalMs: number;
  /** Deliveries in flight at once in this instance. */
  concurrency: number;
  /** How long a claim holds a delivery; longer than an attempt can take. Default: 2 × timeout + 5 s. */
  leaseMs?: number;
  retryDelaysMs?: readonly number[];
  failureWindowMs?: number;
}

interface Claimed extends OutboxEvent {
  delivery_id: string;
  attempts: number;
  lease: string;
  webhook_id: string;
  url: string;
  enabled: boolean;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
}

const CLAIM = `WITH due AS (
    SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000), lease = $3
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.event_id, d.webhook_id, d.attempts
  )
  SELECT c.id AS delivery_id, c.attempts, $3::uuid AS lease, c.webhook_id, w.url, w.enabled, w.secret, w.previous_secret, w.previous_secret_expires_at, w.failing_since,
    e.id, e.type, e.object_type, e.change_seq::text AS change_seq, e.old_row, e.new_row, e.created_at
  FROM claimed c JOIN webhook_events e ON e.id = c.event_id JOIN webhooks w ON w.id = c.webhook_id`;

// Settles the delivery (only under its lease) and logs the attempt, in one statement.
const SETTLE = `WITH settled AS (
    UPDATE webhook_deliveries SET status = $3, next_attempt_at = coalesce($4::timestamptz, next_attempt_at),
      finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END, lease = NULL
    WHERE id = $1 AND lease = $2
    RETURNING id
  )
  INSERT INTO webhook_attempts (id, delivery_id, webhook_id, user_id, event_id, event_type, attempt, status, response_status, error, duration_ms, next_attempt_at, created_at)
  SELECT $5, d.id, d.webhook_id, d.user_id, d.event_id, $6, $7, $8, $9, $10, $11, $4::timestamptz, now()
  FROM webhook_deliveries d WHERE d.id = $1`;

// The endpoint after an attempt: a success restarts the failure clock; a 410, or failing since
// before the window, disables it (a new version, with the reason). Its other pending deliveries
// end unsent when they come due (attempt(), below): this statement locks the webhook row only, so
// it cannot deadlock with a deletion that locks the webhook, then its deliveries.
const ENDPOINT_AFTER_FAILURE = `UPDATE webhooks SET failing_since = coalesce(failing_since, now()),
    enabled = NOT ($2 OR coalesce(failing_since, now()) <= now() - make_interval(secs => $3::float8 / 1000)),
    disabled_reason = CASE
      WHEN $2 THEN 'The endpoint answered 410 Gone.'
      WHEN coalesce(failing_since, now()) <= now() - make_interval(secs => $3::float8 / 1000) THEN $4
    END,
    version = version + CASE WHEN $2 OR coalesce(failing_since, now()) <= now() - make_interval(secs => $3::float8 / 1000) THEN 1 ELSE 0 END,
    updated_at = CASE WHEN $2 OR coalesce(failing_since, now()) <= now() - make_interval(secs => $3::float8 / 1000) THEN now() ELSE updated_at END
  WHERE id = $1 AND enabled`;

const ENDPOINT_AFTER_SUCCESS = `UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`;

const jitter = (ms: number) => Math.round(ms * (0.8 + 0.4 * Math.random()));

export class WebhookWorker {
  private running = false;
  private readonly inflight = new Set<Promise<void>>();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly leaseMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly failureWindowMs: number;

  constructor(private readonly options: WorkerOptions) {
    this.leaseMs = options.leaseMs ?? options.timeoutMs * 2 + 5000;
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.failureWindowMs = options.failureWindowMs ?? FAILURE_WINDOW_MS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Claims no more; waits for the attempts in flight (each ends within the timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.inflight]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      const room = this.options.concurrency - this.inflight.size;
      let claimed: Claimed[] = [];
      if (room > 0) {
        try {
          claimed = await this.claim(room);
        } catch (error) {
          logger.warn({ error: describeDatabaseError(error) }, 'webhook claim failed; retrying');
        }
      }
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.attempt(delivery)
          .catch((error: unknown) => logger.warn({ error: describeDatabaseError(error), delivery_id: delivery.delivery_id }, 'webhook attempt could not be recorded'))
          .finally(() => {
            this.inflight.delete(attempt);
            this.wake?.();
          });
        this.inflight.add(attempt);
      }
      // A full claim may mean more is due: go again at once; otherwise poll.
      if (!this.running) break;
      if (claimed.length < room || room === 0) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private claim(limit: number): Promise<Claimed[]> {
    return database().query<Claimed>(CLAIM, { bind: [limit, this.leaseMs, randomUUID()], type: QueryTypes.SELECT });
  }

  private async attempt(delivery: Claimed): Promise<void> {
    if (!delivery.enabled) {
      // Disabled since it was queued: it ends here, unsent.
      await this.settle(delivery, { ok: false, status: null, error: 'not sent: the endpoint is disabled', durationMs: 0, gone: false }, null, true);
      return;
    }
    const secrets = [delivery.secret];
    if (delivery.previous_secret && delivery.previous_secret_expires_at && delivery.previous_secret_expires_at.getTime() > Date.now()) {
      secrets.push(delivery.previous_secret);
    }
    let body: string | undefined;
    try {
      body = this.options.render(delivery);
    } catch (error) {
      logger.error({ err: error, event_id: delivery.id }, 'webhook event could not be rendered');
    }
    const outcome: Outcome =
      body === undefined
        ? { ok: false, status: null, error: 'not sent: the service could not render this event', durationMs: 0, gone: false }
        : await sendMessage(delivery.url, { id: delivery.id, timestamp: new Date(), body, secrets }, { timeoutMs: this.options.timeoutMs, policy: this.options.policy });
    const delay = this.retryDelaysMs[delivery.attempts - 1];
    const retryAt = !outcome.ok && !outcome.gone && delay !== undefined ? new Date(Date.now() + jitter(delay)) : null;
    await this.settle(delivery, outcome, retryAt, false);
    const sequelize = database();
    // A success restarts the failure clock, when it was running (as of the claim): no statement otherwise.
    if (outcome.ok) {
      if (delivery.failing_since !== null) await sequelize.query(ENDPOINT_AFTER_SUCCESS, { bind: [delivery.webhook_id] });
    }
    else {
      const reason = `Every delivery failed for ${Math.round(this.failureWindowMs / 3600e3)} hours (last: ${outcome.error}).`;
      await sequelize.query(ENDPOINT_AFTER_FAILURE, { bind: [delivery.webhook_id, outcome.gone, this.failureWindowMs, reason] });
    }
  }

  private async settle(delivery: Claimed, outcome: Outcome, retryAt: Date | null, unsent: boolean): Promise<void> {
    const status = outcome.ok ? 'succeeded' : retryAt ? 'pending' : 'failed';
    if (unsent) {
      await database().query(`UPDATE webhook_deliveries SET status = 'failed', finished_at = now(), lease = NULL WHERE id = $1 AND lease = $2`, {
        bind: [delivery.delivery_id, delivery.lease],
      });
      return;
    }
    await database().query(SETTLE, {
      bind: [
        delivery.delivery_id,
        delivery.lease,
        status,
        retryAt,
        uuidv7(),
        delivery.type,
        delivery.attempts,
        outcome.ok ? 'succeeded' : 'failed',
        outcome.status,
        outcome.ok ? null : outcome.error,
        outcome.durationMs,
      ],
    });
  }
}

/** How long events, their deliveries and attempts are kept (GET /v1/webhooks/{id}/deliveries shows 30 days). */
export const WEBHOOK_HISTORY_DAYS = 30;

/** Deletes events older than WEBHOOK_HISTORY_DAYS with nothing pending, oldest first, `batchSize` at a time; their deliveries and attempts go with them. */
export async function sweepWebhookHistory(batchSize = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const [result] = await database().query<{ removed: number }>(
      `WITH gone AS (
         DELETE FROM webhook_events WHERE id IN (
           SELECT e.id FROM webhook_events e
           WHERE e.created_at < now() - make_interval(days => $1::int)
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
           ORDER BY e.created_at LIMIT $2
         ) RETURNING 1
       )
       SELECT count(*)::int AS removed FROM gone`,
      { bind: [WEBHOOK_HISTORY_DAYS, batchSize], type: QueryTypes.SELECT },
    );
    const removed = result?.removed ?? 0;
    total += removed;
    if (removed < batchSize) return total;
  }
}
