import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../lib/errors.js';

const WITHOUT_BODY: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads the whole request body, within `timeoutMs`, before anything takes a database
 * connection: a client that sends headers and half a body holds no connection and cannot starve
 * other users. Past the limit: 408, and the connection is closed. Hono keeps the body, so the
 * validators and the idempotency fingerprint read it from memory.
 */
export function readBody(timeoutMs: number): MiddlewareHandler {
  return async (c, next) => {
    if (WITHOUT_BODY.has(c.req.method)) return next();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ApiError('request_timeout', {
              detail: `The request body did not arrive within ${timeoutMs} ms. Send the whole body promptly, then retry.`,
              headers: { Connection: 'close' },
            }),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([c.req.text(), timedOut]);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      // The client broke off the body: nobody is left to read the answer, but it is not our failure.
      throw new ApiError('bad_request', { detail: 'The request body could not be read to its end.', cause: error });
    } finally {
      clearTimeout(timer);
    }
    return next();
  };
}
