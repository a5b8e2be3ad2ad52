import { IDEMPOTENT_REPLAYED_HEADER, stringHeader } from '../../lib/openapi-headers.js';
import { createV1Route } from '../../lib/v1-route.js';
import {
  ConditionalWriteHeadersSchema,
  CreateHeadersSchema,
  IfNoneMatchHeaderSchema,
  ListTodosQuerySchema,
  TodoCreateSchema,
  TodoIdParamsSchema,
  TodoListSchema,
  TodoMoveSchema,
  TodoPatchSchema,
  TodoSchema,
} from './todos.schemas.js';

const tags = ['Todos'];
// Each says only what the operation it is on can do with the tag.
const etag = (description: string) => stringHeader(`The todo's strong entity tag (\`"<version>"\`)${description}`, { maxLength: 16, example: '"1"' });
const READ_ETAG = etag(': send it in `If-None-Match` to read the todo again only if it changed.');
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const list = createV1Route({
  method: 'get',
  path: '/v1/todos',
  operationId: 'listTodos',
  tags,
  summary: 'List todos',
  description:
    "The caller's todos, a page at a time, filtered and sorted. Pagination is by keyset: `next_cursor` (and the `Link: <…>; rel=\"next\"` header) continue exactly after the last row, so walking the pages while todos are added or deleted returns every surviving todo once. Another user's todos never appear.",
  request: { query: ListTodosQuerySchema },
  responses: {
    200: {
      description: 'A page of todos.',
      headers: {
        Link: stringHeader('RFC 8288 link to the next page (`rel="next"`), when there is one.', { required: false, maxLength: 4096, example: '</v1/todos?limit=20&cursor=eyJrIjoiMjAyNi0xMS0yMiAwOTozMDowMCswMCIsImkiOiIwMTlhOGYyZSJ9.c2ln>; rel="next"' }),
      },
      content: json(TodoListSchema),
    },
  },
});

export const create = createV1Route({
  method: 'post',
  path: '/v1/todos',
  operationId: 'createTodo',
  tags,
  summary: 'Create a todo',
  description:
    'Creates a todo owned by the caller. Answers 201 with the todo, its `Location` and `ETag`. With an `Idempotency-Key`, a retry of the same request returns the same 201 (and todo) instead of creating another. A caller who already has as many todos as one user may have (`limits.todos` in `GET /v1/me`) gets a 409 `limit_reached`.',
  request: { headers: CreateHeadersSchema, body: { required: true, description: 'The new todo.', content: json(TodoCreateSchema) } },
  errors: ['limit_reached'],
  responses: {
    201: {
      description: 'Created.',
      headers: {
        Location: stringHeader('The path of the new todo: `/v1/todos/{id}`.', { maxLength: 64, example: '/v1/todos/019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f' }),
        ETag: etag(': the precondition for conditional reads and writes of the new todo at its `Location`.'),
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER,
      },
      content: json(TodoSchema),
    },
  },
});

export const get = createV1Route({
  method: 'get',
  path: '/v1/todos/{id}',
  operationId: 'getTodo',
  tags,
  summary: 'Get a todo',
  description: 'One todo of the caller. With `If-None-Match` holding its current `ETag`, the answer is 304 with no body.',
  request: { params: TodoIdParamsSchema, headers: IfNoneMatchHeaderSchema },
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The todo.',
      headers: { ETag: READ_ETAG },
      content: json(TodoSchema),
    },
    304: {
      description: 'Not modified: `If-None-Match` matched the current `ETag`.',
      headers: { ETag: READ_ETAG },
    },
  },
});

export const patch = createV1Route({
  method: 'patch',
  path: '/v1/todos/{id}',
  operationId: 'updateTodo',
  tags,
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
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The updated todo.',
      headers: { ETag: etag(' after the change: send it in `If-Match` with the next one.'), 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(TodoSchema),
    },
  },
});

export const remove = createV1Route({
  method: 'delete',
  path: '/v1/todos/{id}',
  operationId: 'deleteTodo',
  tags,
  summary: 'Delete a todo',
  description:
    'Deletes a todo for good. A second delete of the same id is a 404 (with the same `Idempotency-Key`, the stored 204 is replayed instead). `If-Match` makes the delete conditional on the version you read.',
  request: { params: TodoIdParamsSchema, headers: ConditionalWriteHeadersSchema },
  errors: ['not_found'],
  responses: {
    204: {
      description: 'Deleted.',
      headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
    },
  },
});

export const move = createV1Route({
  method: 'post',
  path: '/v1/todos/{id}/move',
  operationId: 'moveTodo',
  tags,
  summary: 'Move a todo',
  description:
    "Puts a todo in a new place in one call: another list (its subtasks follow; its `id` stays), another parent (or top-level), and between two todos there (`before_id` or `after_id`; neither: the end). Only this todo gets a new `position`; no other todo is renumbered, and concurrent moves never lose a todo or give two the same position. Every move increments `version` and gives a new `ETag`. A list, parent or neighbour that is not the caller's is a 422, exactly like one that does not exist. Send `If-Match` to move only the version you read, and `Idempotency-Key` to make a retry safe.",
  request: {
    params: TodoIdParamsSchema,
    headers: ConditionalWriteHeadersSchema,
    body: { required: true, description: 'Where to put it.', content: json(TodoMoveSchema) },
  },
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The moved todo.',
      headers: { ETag: etag(' after the move: send it in `If-Match` with the next change.'), 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(TodoSchema),
    },
  },
});

export type ListRoute = typeof list;
export type MoveRoute = typeof move;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
