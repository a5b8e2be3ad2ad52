import type { MiddlewareHandler } from 'hono';

/** Per-user data must never be stored by a shared cache, nor by the browser. */
// Set before `next`: a header set once the response exists makes Hono copy it into a
// web-stream Response, which costs more than the rest of a small request.
export const privateNoStore: MiddlewareHandler = (c, next) => {
  c.header('Cache-Control', 'private, no-store');
  return next();
};
