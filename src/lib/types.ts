import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';

/** The caller, as the auth middleware resolved it from the bearer token. */
export interface AuthUser {
  id: string;
  subject: string;
  email: string | null;
}

export interface AppBindings {
  Variables: {
    requestId: string;
    /** Set by the auth middleware on every /v1 route. */
    user: AuthUser;
  };
}

export type AppOpenAPI = OpenAPIHono<AppBindings>;

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppBindings>;
