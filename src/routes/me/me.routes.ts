import { createRoute } from '@hono/zod-openapi';
import { PRIVATE_NO_STORE_HEADER, REQUEST_ID_HEADER, problemResponses, withRateLimitHeaders } from '../../lib/openapi.js';
import { MeSchema } from './me.schemas.js';

export const me = createRoute({
  method: 'get',
  path: '/v1/me',
  operationId: 'getMe',
  tags: ['Users'],
  summary: 'The caller',
  description: [
    'The user the bearer token belongs to. There is no sign-up: the first request with a new token subject (`sub`) creates the user, and a token with a different `email` claim updates it.',
    '',
    'An `email` claim that is not a plausible address is ignored. An email address that already belongs to another subject is a 409 and changes nothing.',
  ].join('\n'),
  security: [{ bearerAuth: [] }],
  responses: withRateLimitHeaders({
    200: {
      description: 'The caller.',
      headers: {
        'X-Request-Id': REQUEST_ID_HEADER,
        'Cache-Control': PRIVATE_NO_STORE_HEADER,
      },
      content: { 'application/json': { schema: MeSchema } },
    },
    ...problemResponses(401, 409, 429, 500, 503),
  }),
});

export type MeRoute = typeof me;
