import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Env } from '../env.js';
import type { RenderedDocument } from '../services/document-service.js';

/** The caller, as the auth middleware resolved it from the bearer token. */
export interface AuthUser {
  id: string;
  subject: string;
  email: string | null;
}

/** What the app was built with (`buildApp`), on every request's context: nothing reads it at import. */
export interface AppDependencies {
  config: Env;
  /** The app's own OpenAPI document, rendered once on first use. */
  openapi: () => RenderedDocument;
}

export interface AppBindings {
  Variables: {
    requestId: string;
    deps: AppDependencies;
    /** Set by the auth middleware on every /v1 route. */
    user: AuthUser;
    /** Set by the rate limiter when it is on: takes more tokens for a request that costs more than one (src/middleware/rate-limit.ts). */
    chargeRequests?: (extra: number) => void;
  };
}

export type AppOpenAPI = OpenAPIHono<AppBindings>;

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppBindings>;
