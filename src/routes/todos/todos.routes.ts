import { createRoute } from '@hono/zod-openapi';
import { IDEMPOTENT_REPLAYED_HEADER, PRIVATE_NO_STORE_HEADER, problemResponses, REQUEST_ID_HEADER, stringHeader, withRateLimitHeaders } from '../../lib/openapi.js';
import {
  ConditionalWriteHeadersSchema,
  CreateHeadersSchema,
  IfNoneMatchHeaderSchema,
  ListTodosQuerySchema,
  TodoCreateSchema,
  TodoIdParamsSchema,
  TodoListSchema,
  TodoPatchSchema,
  TodoSchema,
} from './todos.schemas.js';

const tags = ['Todos'];
const security = [{ bearerAuth: [] }];
const CACHE_CONTROL = PRIVATE_NO_STORE_HEADER;
const ETAG = stringHeader("The todo's strong entity tag (`\"<version>\"`); send it back in `If-None-Match` (or `If-Match`).", { maxLength: 16 });
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const list = createRoute({
  method: 'get',
  path: '/v1/todos',
  operationId: 'listTodos',
  tags,
  security,
  summary: 'List todos',
  description:
    "The caller's todos, a page at a time, filtered and sorted. Pagination is by keyset: `next_cursor` (and the `Link: <…>; rel=\"next\"` header) continue exactly after the last row, so walking the pages while todos are added or deleted returns every surviving todo once. Another user's todos never appear.",
  request: { query: ListTodosQuerySchema },
  responses: withRateLimitHeaders({
    200: {
      description: 'A page of todos.',
      headers: {
        'X-Request-Id': REQUEST_ID_HEADER,
        'Cache-Control': CACHE_CONTROL,
        Link: stringHeader('RFC 8288 link to the next page (`rel="next"`), when there is one.', { required: false, maxLength: 4096 }),
      },
      content: json(TodoListSchema),
    },
    ...problemResponses(400, 401, 422, 429, 500, 503),
  }),
});

export const create = createRoute({
  method: 'post',
  path: '/v1/todos',
  operationId: 'createTodo',
  tags,
  security,
  summary: 'Create a todo',
  description:
    'Creates a todo owned by the caller. Answers 201 with the todo, its `Location` and `ETag`. With an `Idempotency-Key`, a retry of the same request returns the same 201 (and todo) instead of creating another.',
  request: { headers: CreateHeadersSchema, body: { required: true, description: 'The new todo.', content: json(TodoCreateSchema) } },
  responses: withRateLimitHeaders({
    201: {
      description: 'Created.',
      headers: {
        'X-Request-Id': REQUEST_ID_HEADER,
        'Cache-Control': CACHE_CONTROL,
        Location: stringHeader('The path of the new todo: `/v1/todos/{id}`.', { maxLength: 64 }),
        ETag: ETAG,
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER,
      },
      content: json(TodoSchema),
    },
    ...problemResponses(400, 401, 409, 413, 415, 422, 429, 500, 503),
  }),
});

export const get = createRoute({
  method: 'get',
  path: '/v1/todos/{id}',
  operationId: 'getTodo',
  tags,
  security,
  summary: 'Get a todo',
  description: 'One todo of the caller. With `If-None-Match` holding its current `ETag`, the answer is 304 with no body.',
  request: { params: TodoIdParamsSchema, headers: IfNoneMatchHeaderSchema },
  responses: withRateLimitHeaders({
    200: {
      description: 'The todo.',
      headers: { 'X-Request-Id': REQUEST_ID_HEADER, 'Cache-Control': CACHE_CONTROL, ETag: ETAG },
      content: json(TodoSchema),
    },
    304: {
      description: 'Not modified: `If-None-Match` matched the current `ETag`.',
      headers: { 'X-Request-Id': REQUEST_ID_HEADER, 'Cache-Control': CACHE_CONTROL, ETag: ETAG },
    },
    ...problemResponses(401, 404, 422, 429, 500, 503),
  }),
});

export const patch = createRoute({
  method: 'patch',
  path: '/v1/todos/{id}',
  operationId: 'updateTodo',
  tags,
  security,
  summary: 'Update a todo',
  description:
    'Changes a todo with a JSON Merge Patch (RFC 7396), sent as `application/merge-patch+json` or `application/json`. Every change increments `version` once and gives a new `ETag`. Send `If-Match` with the `ETag` you read to avoid overwriting someone else\'s change (412 if it changed), and `Idempotency-Key` to make a retry safe.',
  request: {
    params: TodoIdParamsSchema,
    headers: ConditionalWriteHeadersSchema,
    body: {
      required: true,
      description: 'The fields to change.',
      content: { 'application/merge-patch+json': { schema: TodoPatchSchema }, 'application/json': { schema: TodoPatchSchema } },
    },
  },
  responses: withRateLimitHeaders({
    200: {
      description: 'The updated todo.',
      headers: { 'X-Request-Id': REQUEST_ID_HEADER, 'Cache-Control': CACHE_CONTROL, ETag: ETAG, 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(TodoSchema),
    },
    ...problemResponses(400, 401, 404, 409, 412, 413, 415, 422, 429, 500, 503),
  }),
});

export const remove = createRoute({
  method: 'delete',
  path: '/v1/todos/{id}',
  operationId: 'deleteTodo',
  tags,
  security,
  summary: 'Delete a todo',
  description:
    'Deletes a todo for good. A second delete of the same id is a 404 (with the same `Idempotency-Key`, the stored 204 is replayed instead). `If-Match` makes the delete conditional on the version you read.',
  request: { params: TodoIdParamsSchema, headers: ConditionalWriteHeadersSchema },
  responses: withRateLimitHeaders({
    204: {
      description: 'Deleted.',
      headers: { 'X-Request-Id': REQUEST_ID_HEADER, 'Cache-Control': CACHE_CONTROL, 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
    },
    ...problemResponses(401, 404, 409, 412, 422, 429, 500, 503),
  }),
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
