import { createApp } from './lib/create-app.js';
import type { AppOpenAPI } from './lib/types.js';
import { requireAuth } from './middleware/auth.js';
import { privateNoStore } from './middleware/private-no-store.js';
import { requestTransaction } from './middleware/transaction.js';
import { healthRouter } from './routes/health/health.index.js';
import { meRouter } from './routes/me/me.index.js';
import { metaRouter } from './routes/meta/meta.index.js';
import { todosRouter } from './routes/todos/todos.index.js';

/**
 * The product: every route group mounted on the base app. `/v1/*` runs in one managed
 * transaction per request. Tests mount extra routes with `mount`.
 */
export function buildApp(mount?: (app: AppOpenAPI) => void): AppOpenAPI {
  const app = createApp();
  app.use('/v1/*', privateNoStore);
  // Before the transaction: the user row commits on its own, and no transaction waits on a JWKS fetch.
  app.use('/v1/*', requireAuth);
  app.use('/v1/*', requestTransaction);
  app.route('/', healthRouter);
  app.route('/', metaRouter);
  app.route('/', meRouter);
  app.route('/', todosRouter);
  mount?.(app);
  return app;
}
