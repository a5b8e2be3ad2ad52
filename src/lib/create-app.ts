import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Env } from '../env.js';
import { privateNoStore } from '../middleware/private-no-store.js';
import { requestLogger } from '../middleware/request-logger.js';
import { ApiError } from './errors.js';
import { registerSecuritySchemes } from './openapi.js';
import { payloadTooLargeDetail } from './problems.js';
import { notFound, onError, problemResponse, validationHook } from './problem-response.js';
import type { AppBindings, AppOpenAPI } from './types.js';

/** The security headers of every response (also of those written below the router, lib/http-server.ts). */
export const SECURE_HEADERS = {
  // JSON needs no sources at all; the docs page narrows this to its own files (routes/meta).
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  crossOriginResourcePolicy: 'same-origin',
  strictTransportSecurity: 'max-age=31536000; includeSubDomains',
  xFrameOptions: 'DENY',
  // A route may set its own policy (the docs page does).
  overwrite: false,
} satisfies Parameters<typeof secureHeaders>[0];

/** A router whose validation failures render as 422 problem details. */
export function createRouter(): AppOpenAPI {
  return new OpenAPIHono<AppBindings>({ strict: true, defaultHook: validationHook });
}

/** The app with the cross-cutting middleware every route gets; routes are mounted by src/app.ts. */
export function createApp(config: Env): AppOpenAPI {
  const app = createRouter();
  registerSecuritySchemes(app);

  app.use(requestId({ limitLength: 128 }));
  app.use(requestLogger);
  app.use(secureHeaders(SECURE_HEADERS));
  if (config.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
        allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id'],
        exposeHeaders: ['ETag', 'Location', 'Link', 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy'],
        maxAge: 600,
      }),
    );
  }
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(
          c,
          new ApiError('method_not_allowed', {
            detail: `This path does not accept ${c.req.method}; it accepts ${methods.join(', ')}.`,
            headers: { Allow: methods.join(', ') },
          }),
        ),
    }),
  );
  // Before the size check, so that a 413 of /v1 is marked private too.
  app.use('/v1/*', privateNoStore);
  const tooLarge = () => {
    throw new ApiError('payload_too_large', { detail: payloadTooLargeDetail(config.bodyLimitBytes) });
  };
  const limitStreamedBody = bodyLimit({ maxSize: config.bodyLimitBytes, onError: tooLarge });
  app.use((c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // With a Content-Length the header says it all. Touching the body stream (as hono's
    // bodyLimit does) would make @hono/node-server build a web-stream Request and lose its
    // fast path for reading the body; only a chunked body is counted as it streams.
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(length) > config.bodyLimitBytes) tooLarge();
      return next();
    }
    return limitStreamedBody(c, next);
  });
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
