import { createRoute } from '@hono/zod-openapi';
import { problemResponses } from '../../lib/openapi.js';
import { REQUEST_ID_HEADER } from '../../lib/openapi-headers.js';
import { LivenessSchema, ReadinessSchema } from './health.schemas.js';

const tags = ['Operations'];
const headers = { 'X-Request-Id': REQUEST_ID_HEADER };

export const live = createRoute({
  method: 'get',
  path: '/health/live',
  operationId: 'getLiveness',
  tags,
  summary: 'Liveness probe',
  description: 'Answers 200 while the process runs; it does not touch the database. Use it to restart a hung process, not for routing traffic.',
  responses: {
    200: { description: 'The process is running.', headers, content: { 'application/json': { schema: LivenessSchema } } },
    ...problemResponses(['internal_error'], { path: '/health/live' }),
  },
});

export const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  operationId: 'getReadiness',
  tags,
  summary: 'Readiness probe',
  description:
    'Answers 200 when the database answers and every migration has run; otherwise 503 problem details that say which check failed. It also turns 503 as soon as a graceful shutdown starts, so a load balancer stops sending traffic. The database is asked at most once a second, however many probes arrive: concurrent probes share one check, and a result is served again until it is about a second old.',
  responses: {
    200: { description: 'Ready to serve traffic.', headers, content: { 'application/json': { schema: ReadinessSchema } } },
    ...problemResponses(['internal_error', 'service_unavailable'], { path: '/health/ready' }),
  },
});

export type LiveRoute = typeof live;
export type ReadyRoute = typeof ready;
