import type { MiddlewareHandler } from 'hono';
import { logger } from '../lib/logger.js';
import type { AppBindings } from '../lib/types.js';

/** One JSON log line per request, with its id, route, status and duration. */
export const requestLogger: MiddlewareHandler<AppBindings> = async (c, next) => {
  const started = performance.now();
  const requestId = c.get('requestId');
  await next();
  logger.info(
    {
      request_id: requestId,
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    },
    'request',
  );
};
