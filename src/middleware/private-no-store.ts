import type { MiddlewareHandler } from 'hono';

/** Per-user data must never be stored by a shared cache, nor by the browser. */
export const privateNoStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Cache-Control', 'private, no-store');
};
