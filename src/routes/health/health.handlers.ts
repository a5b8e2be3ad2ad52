import type { AppRouteHandler } from '../../lib/types.js';
import { checkReadiness } from '../../services/health-service.js';
import type { LiveRoute, ReadyRoute } from './health.routes.js';

export const live: AppRouteHandler<LiveRoute> = (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ status: 'ok' as const }, 200);
};

export const ready: AppRouteHandler<ReadyRoute> = async (c) => {
  const checks = await checkReadiness();
  c.header('Cache-Control', 'no-store');
  return c.json({ status: 'ready' as const, checks }, 200);
};
