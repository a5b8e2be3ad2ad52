import type { Env } from './env.js';
import { createApp } from './lib/create-app.js';
import { logger } from './lib/logger.js';
import type { AppDependencies, AppOpenAPI } from './lib/types.js';
import { requireAuth } from './middleware/auth.js';
import { rateLimit } from './middleware/rate-limit.js';
import { readBody } from './middleware/read-body.js';
import { batchRouter } from './routes/batch/batch.index.js';
import { changesRouter } from './routes/changes/changes.index.js';
import { healthRouter } from './routes/health/health.index.js';
import { labelsRouter } from './routes/labels/labels.index.js';
import { listsRouter } from './routes/lists/lists.index.js';
import { meRouter } from './routes/me/me.index.js';
import { metaRouter } from './routes/meta/meta.index.js';
import { todosRouter } from './routes/todos/todos.index.js';
import { registerWebhookEvents } from './routes/webhooks/webhooks.events.js';
import { webhooksRouter } from './routes/webhooks/webhooks.index.js';
import { createAuthenticator } from './services/auth-service.js';
import { documentRenderer } from './services/document-service.js';

export interface BuildAppOptions {
  /** The configuration, as `parseEnv` returns it: nothing in the app reads the environment itself. */
  config: Env;
  /** Extra routes that only a test mounts. */
  mount?: (app: AppOpenAPI) => void;
}

/**
 * The product: every route group mounted on the base app. A `/v1` request is authenticated, rate
 * limited and its body read (all before any connection is taken); each /v1 handler then runs as
 * one unit of work (src/middleware/unit-of-work.ts), with Idempotency-Key handled inside it.
 */
export function buildApp({ config, mount }: BuildAppOptions): AppOpenAPI {
  logger.level = config.logLevel;
  const app = createApp(config);
  const deps: AppDependencies = { config, openapi: documentRenderer(app) };
  app.use((c, next) => {
    c.set('deps', deps);
    return next();
  });
  // Before any transaction: the user row commits on its own, and no transaction waits on a JWKS fetch.
  app.use('/v1/*', requireAuth(createAuthenticator(config), config.userCacheTtlMs));
  // A refused request takes no database connection.
  app.use('/v1/*', rateLimit(config));
  app.use('/v1/*', readBody(config.bodyTimeoutMs));
  app.route('/', healthRouter);
  app.route('/', metaRouter);
  app.route('/', meRouter);
  app.route('/', todosRouter);
  app.route('/', labelsRouter);
  app.route('/', listsRouter);
  app.route('/', changesRouter);
  app.route('/', batchRouter);
  app.route('/', webhooksRouter);
  registerWebhookEvents(app);
  mount?.(app);
  return app;
}
