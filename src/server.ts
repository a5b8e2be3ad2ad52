import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { closeDatabase, openDatabase } from './db/database.js';
import { describeDatabaseError, sqlState } from './db/db-errors.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import type { Env } from './env.js';
import { createApiServer } from './lib/http-server.js';
import { markConnectionsCut, markShuttingDown } from './lib/lifecycle.js';
import { logger } from './lib/logger.js';
import { sweepExpiredChanges } from './services/change-service.js';
import { sweepExpiredIdempotencyKeys } from './services/idempotency-service.js';
import { closeDeliveryConnections } from './services/webhook-delivery.js';
import { sweepWebhookHistory } from './services/webhook-worker.js';
import { buildWebhookWorker } from './worker.js';

const SWEEP_INTERVAL_MS = 60_000;

export interface RunningServer {
  url: string;
  embedded: EmbeddedDatabase | undefined;
  /** Graceful stop: no new connections, in-flight requests finish (bounded), pool closed, embedded database stopped. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Aborted (by SIGTERM) while starting: what has started is stopped, and startServer rejects with
   * the signal's reason. The embedded database is stopped once the step under way ends; waiting for
   * an external one is abandoned at once.
   */
  signal?: AbortSignal;
}

/** Opens the database (embedded when DATABASE_URL is unset), migrates, and serves the app. */
export async function startServer(config: Env, { signal }: StartOptions = {}): Promise<RunningServer> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const dataDir = config.dataDir;
    logger.info({ data_dir: dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
    embedded = await startEmbeddedDatabase({
      dataDir,
      onLog: (message) => logger.debug({ postgres: message.trim() }, 'embedded postgres'),
    });
    if (embedded.stoppedOrphan !== undefined) {
      logger.warn({ data_dir: dataDir, pid: embedded.stoppedOrphan }, 'stopped the embedded PostgreSQL that a server no longer running had left behind');
    }
    url = embedded.url;
  }
  try {
    signal?.throwIfAborted();
    const opening = openDatabase({
      url,
      directUrl: config.databaseUrlDirect,
      ssl: config.databaseSsl,
      sslCa: config.databaseSslCa,
      poolMax: config.dbPoolMax,
      acquireTimeoutMs: config.dbPoolAcquireTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      roleTimeouts: config.dbRoleTimeouts,
      migrate: config.migrateOnStart,
      onRetry: (error, attempt) => logger.warn({ attempt, error: describeDatabaseError(error) }, 'database not reachable yet; retrying'),
      onMigrated: (names) => {
        for (const name of names) logger.info({ migration: name }, 'migration applied');
        logger.info({ applied: names.length }, 'migrations up to date');
      },
    });
    await (embedded ? opening : untilAborted(opening, signal));
    signal?.throwIfAborted();
  } catch (error) {
    await closeDatabase();
    await embedded?.stop();
    throw error;
  }

  // Expired idempotency keys, and deletions past CHANGES_RETENTION_DAYS in the change feed, are
  // deleted here, each by its own index, never on a request's path.
  const sweeper = setInterval(() => {
    sweepExpiredIdempotencyKeys().catch((error: unknown) => logger.warn({ error: describeDatabaseError(error) }, 'idempotency key sweep failed'));
    sweepExpiredChanges(config.changesRetentionDays).catch((error: unknown) => logger.warn({ error: describeDatabaseError(error) }, 'change feed sweep failed'));
    sweepWebhookHistory().catch((error: unknown) => logger.warn({ error: describeDatabaseError(error) }, 'webhook history sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  // Deliveries run beside the API unless WEBHOOK_WORKER=false (then `npm run worker` does them).
  const worker = config.webhookWorker ? buildWebhookWorker(config) : undefined;
  worker?.start();

  const app = buildApp({ config });
  const { server, startDraining } = await createApiServer((request, bindings) => app.fetch(request, bindings), { hostname: config.host });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(sweeper);
    await worker?.stop();
    await closeDatabase();
    await embedded?.stop();
    throw error;
  }
  // Keep-alive sockets must not outlive a load balancer's idle timeout, nor hold shutdown open.
  server.keepAliveTimeout = 65_000;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const serverUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      markShuttingDown();
      clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          markConnectionsCut();
          server.closeAllConnections();
          resolve();
        }, config.shutdownTimeoutMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        startDraining();
      });
      // Attempts in flight end within WEBHOOK_TIMEOUT_MS; one cut short is sent again after its lease.
      await worker?.stop();
      closeDeliveryConnections();
      await closeDatabase();
      await embedded?.stop();
    })();
    return stopping;
  };
  if (signal?.aborted) {
    await stop();
    signal.throwIfAborted();
  }
  return { url: serverUrl, embedded, stop };
}

/** The work's result, or the signal's reason as soon as it is aborted (the work itself goes on). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const TLS_VERIFY_ERRORS = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

export function describeStartupError(error: unknown): string {
  const code = sqlState(error);
  if (code && TLS_VERIFY_ERRORS.test(code)) {
    return (
      `Cannot start: TLS verification of the database server failed (${describeDatabaseError(error)}). ` +
      'Set DATABASE_SSL_CA to the CA that signed its certificate, make DATABASE_URL name the host the certificate was issued for, ' +
      'or, knowing that it drops verification, set DATABASE_SSL=require.'
    );
  }
  if (error instanceof Error && ['EnvError', 'DatabaseConfigError'].includes(error.name)) return error.message;
  if (error instanceof Error && /embedded PostgreSQL/.test(error.message)) return error.message;
  return `Cannot start: the database is not usable: ${describeDatabaseError(error)}`;
}
