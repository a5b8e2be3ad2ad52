import { createApp } from './lib/create-app.js';
import type { AppOpenAPI } from './lib/types.js';
import { env } from './env.js';
import { requireAuth } from './middleware/auth.js';
import { idempotency } from './middleware/idempotency.js';
import { privateNoStore } from './middleware/private-no-store.js';
import { rateLimit } from './middleware/rate-limit.js';
import { retryTransactionConflicts } from './middleware/transaction-retry.js';
import { requestTransaction } from './middleware/transaction.js';
import { healthRouter } from './routes/health/health.index.js';
import { meRouter } from './routes/me/me.index.js';
import { metaRouter } from './routes/meta/meta.index.js';
import { todosRouter } from './routes/todos/todos.index.js';

/**
 * The product: every route group mounted on the base app. A `/v1` request is authenticated,
 * rate limited, then run in one managed transaction (re-run whole on a serialization failure or
 * deadlock), with Idempotency-Key handled inside it. Tests mount extra routes with `mount`.
 */
export function buildApp(mount?: (app: AppOpenAPI) => void): AppOpenAPI {
  const app = createApp();
  app.use('/v1/*', privateNoStore);
  app.use('/v1/*', retryTransactionConflicts(() => app, env().dbTransactionRetries));
  // Before the transaction: the user row commits on its own, and no transaction waits on a JWKS fetch.
  app.use('/v1/*', requireAuth);
  // Before the transaction too: a refused request takes no database connection.
  app.use('/v1/*', rateLimit());
  app.use('/v1/*', requestTransaction);
  app.use('/v1/*', idempotency);
  app.route('/', healthRouter);
  app.route('/', metaRouter);
  app.route('/', meRouter);
  app.route('/', todosRouter);
  mount?.(app);
  return app;
}
