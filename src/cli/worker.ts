import { closeDatabase, openDatabase } from '../db/database.js';
import { describeDatabaseError } from '../db/db-errors.js';
import { env } from '../env.js';
import { logger } from '../lib/logger.js';
import { closeDeliveryConnections } from '../services/webhook-delivery.js';
import { buildWebhookWorker } from '../worker.js';

// `npm run worker`: the webhook worker on its own, beside API instances run with
// WEBHOOK_WORKER=false (or more workers beside those that have one). Any number may run: each
// delivery is claimed by one at a time. It needs DATABASE_URL: the embedded database belongs to
// `npm start`, whose own worker delivers.
let config;
try {
  config = env();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
logger.level = config.logLevel;
if (!config.databaseUrl) {
  process.stderr.write('npm run worker needs DATABASE_URL (the database the API instances use). With the embedded database, `npm start` delivers webhooks itself (WEBHOOK_WORKER=true).\n');
  process.exit(1);
}
try {
  await openDatabase({
    url: config.databaseUrl,
    directUrl: config.databaseUrlDirect,
    ssl: config.databaseSsl,
    sslCa: config.databaseSslCa,
    poolMax: Math.min(config.dbPoolMax, config.webhookConcurrency + 2),
    acquireTimeoutMs: config.dbPoolAcquireTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    roleTimeouts: config.dbRoleTimeouts,
    migrate: config.migrateOnStart,
    applicationName: 'todo-api-worker',
  });
} catch (error) {
  process.stderr.write(`Cannot start the worker: ${describeDatabaseError(error)}\n`);
  process.exit(1);
}
const worker = buildWebhookWorker(config);
worker.start();
logger.info({ concurrency: config.webhookConcurrency, poll_interval_ms: config.webhookPollIntervalMs }, 'webhook worker started');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'webhook worker stopping');
  setTimeout(() => process.exit(1), config.webhookTimeoutMs + 5000).unref();
  void (async () => {
    await worker.stop();
    closeDeliveryConnections();
    await closeDatabase();
    process.exit(0);
  })();
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
