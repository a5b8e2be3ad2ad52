import { createV1Route } from '../../lib/v1-route.js';
import { MeSchema } from './me.schemas.js';

export const me = createV1Route({
  method: 'get',
  path: '/v1/me',
  operationId: 'getMe',
  tags: ['Users'],
  summary: 'The caller',
  description: [
    'The user the bearer token belongs to. There is no sign-up: the first request with a new token subject (`sub`) creates the user, and a token with a different `email` claim updates it.',
    '',
    'An `email` claim that is not a plausible address is ignored. An email address that already belongs to another subject is a 409 and changes nothing.',
    '',
    '`limits` are the per-user quotas (past one, a create is a 409 `limit_reached`) and `usage` what the caller has now; both are read from the caller\'s own record, never by counting rows.',
  ].join('\n'),
  responses: {
    200: { description: 'The caller.', content: { 'application/json': { schema: MeSchema } } },
  },
});

export type MeRoute = typeof me;
