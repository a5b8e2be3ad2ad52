import { createApp } from './lib/create-app.js';
import type { AppOpenAPI } from './lib/types.js';
import { requestTransaction } from './middleware/transaction.js';
import { healthRouter } from './routes/health/health.index.js';
import { metaRouter } from './routes/meta/meta.index.js';

/**
 * The product: every route group mounted on the base app. `/v1/*` runs in one managed
 * transaction per request. Tests mount extra routes with `mount`.
 */
export function buildApp(mount?: (app: AppOpenAPI) => void): AppOpenAPI {
  const app = createApp();
  app.use('/v1/*', requestTransaction);
  app.route('/', healthRouter);
  app.route('/', metaRouter);
  mount?.(app);
  return app;
}
