import { IDEMPOTENT_REPLAYED_HEADER, stringHeader } from '../../lib/openapi-headers.js';
import { createV1Route } from '../../lib/v1-route.js';
import {
  ConditionalWriteHeadersSchema,
  CreateHeadersSchema,
  IfNoneMatchHeaderSchema,
  ListCreateSchema,
  ListIdParamsSchema,
  ListListsQuerySchema,
  ListMoveSchema,
  ListPageSchema,
  ListPatchSchema,
  ListSchema,
} from './lists.schemas.js';

const tags = ['Lists'];
// Each says only what the operation it is on can do with the tag.
const etag = (description: string) => stringHeader(`The list's strong entity tag (\`"<version>"\`)${description}`, { maxLength: 16, example: '"1"' });
const READ_ETAG = etag(
  ': send it in `If-None-Match` to read the list again only if it changed. It follows `version`, so it stays the same while only `todo_count` and `open_todo_count` move.',
);
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const list = createV1Route({
  method: 'get',
  path: '/v1/lists',
  operationId: 'listLists',
  tags,
  summary: 'List lists',
  description:
    "The caller's lists, a page at a time, in `position` order (ties by id), each with its `todo_count` and `open_todo_count`. By default only lists that are not archived; `archived=true` gives only the archived ones. Pagination is by keyset: `next_cursor` (and the `Link: <…>; rel=\"next\"` header) continue exactly after the last row, so walking the pages while lists are added or deleted returns every list that was there throughout once (a list moved while you walk may be seen twice or not at all). A cursor is valid only with the `archived` it was issued for. Another user's lists never appear.",
  request: { query: ListListsQuerySchema },
  responses: {
    200: {
      description: 'A page of lists.',
      headers: {
        Link: stringHeader('RFC 8288 link to the next page (`rel="next"`), when there is one.', { required: false, maxLength: 4096, example: '</v1/lists?limit=20&cursor=eyJrIjoiMjAyNi0xMS0yMiAwOTozMDowMCswMCIsImkiOiIwMTlhOGYyZSJ9.c2ln>; rel="next"' }),
      },
      content: json(ListPageSchema),
    },
  },
});

export const create = createV1Route({
  method: 'post',
  path: '/v1/lists',
  operationId: 'createList',
  tags,
  summary: 'Create a list',
  description:
    "Creates a list owned by the caller, at the end of their lists (after every list they have, archived ones included), not archived. Answers 201 with the list, its `Location` and `ETag`. With an `Idempotency-Key`, a retry of the same request returns the same 201 (and list) instead of a second list. A caller who already has as many lists as one user may have (`limits.lists` in `GET /v1/me`, the default list and archived lists included) gets a 409 `limit_reached`.",
  request: { headers: CreateHeadersSchema, body: { required: true, description: 'The new list.', content: json(ListCreateSchema) } },
  errors: ['limit_reached'],
  responses: {
    201: {
      description: 'Created.',
      headers: {
        Location: stringHeader('The path of the new list: `/v1/lists/{id}`.', { maxLength: 64, example: '/v1/lists/019a8f31-4c5d-7e6f-8a9b-0c1d2e3f4a5b' }),
        ETag: etag(': the precondition for conditional reads and writes of the new list at its `Location`.'),
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER,
      },
      content: json(ListSchema),
    },
  },
});

export const get = createV1Route({
  method: 'get',
  path: '/v1/lists/{id}',
  operationId: 'getList',
  tags,
  summary: 'Get a list',
  description:
    'One list of the caller, archived or not, with its counts. With `If-None-Match` holding its current `ETag`, the answer is 304 with no body: the `ETag` follows `version`, so a 304 says the list\'s own fields are unchanged while its `todo_count` and `open_todo_count` may have moved (read without `If-None-Match` for fresh counts).',
  request: { params: ListIdParamsSchema, headers: IfNoneMatchHeaderSchema },
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The list.',
      headers: { ETag: READ_ETAG },
      content: json(ListSchema),
    },
    304: {
      description: 'Not modified: `If-None-Match` matched the current `ETag` (the counts may still have changed).',
      headers: { ETag: READ_ETAG },
    },
  },
});

export const patch = createV1Route({
  method: 'patch',
  path: '/v1/lists/{id}',
  operationId: 'updateList',
  tags,
  summary: 'Update a list',
  description:
    "Renames, recolours, archives or unarchives a list with a JSON Merge Patch (RFC 7396), sent as `application/merge-patch+json` or `application/json`. The default list can be renamed but not archived (409 `default_list`, and nothing changes). Archiving a list leaves its todos as they are; it only drops out of `GET /v1/lists` (see `archived=true`). `position` is changed with `POST /v1/lists/{id}/move`, not here. Every change increments `version` once and gives a new `ETag`. Send `If-Match` with the `ETag` you read to avoid overwriting someone else's change (412 if it changed), and `Idempotency-Key` to make a retry safe.",
  request: {
    params: ListIdParamsSchema,
    headers: ConditionalWriteHeadersSchema,
    body: {
      required: true,
      description: 'The fields to change.',
      content: { 'application/merge-patch+json': { schema: ListPatchSchema }, 'application/json': { schema: ListPatchSchema } },
    },
  },
  errors: ['not_found', 'default_list'],
  responses: {
    200: {
      description: 'The updated list.',
      headers: { ETag: etag(' after the change: send it in `If-Match` with the next one.'), 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(ListSchema),
    },
  },
});

export const remove = createV1Route({
  method: 'delete',
  path: '/v1/lists/{id}',
  operationId: 'deleteList',
  tags,
  summary: 'Delete a list',
  description:
    'Deletes a list for good, with every todo in it and their subtasks, in one transaction (they count no more against `limits.todos`). The default list cannot be deleted (409 `default_list`, and nothing changes). A second delete of the same id is a 404 (with the same `Idempotency-Key`, the stored 204 is replayed instead). `If-Match` makes the delete conditional on the version you read.',
  request: { params: ListIdParamsSchema, headers: ConditionalWriteHeadersSchema },
  errors: ['not_found', 'default_list'],
  responses: {
    204: {
      description: 'Deleted, with its todos.',
      headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
    },
  },
});

export const move = createV1Route({
  method: 'post',
  path: '/v1/lists/{id}/move',
  operationId: 'moveList',
  tags,
  summary: 'Move a list',
  description:
    "Gives the list a new `position` among the caller's lists (archived ones included): just before `before_id`, just after `after_id`, or at the end when the body is `{}` (a request with no body and no `Content-Type` counts as `{}`). The neighbour must be another of the caller's lists: the list itself, an unknown id or another user's list is a 422 on `body.before_id` or `body.after_id`, and nothing changes. Only the moved list changes (its `position`, `version` and `ETag`), with one rare exception: when the keys around the place have grown too long to split again (after hundreds of moves into one spot), the caller's other lists first get fresh, shorter positions in the same order, each with a new `version`. A move to where the list already is changes nothing. Moves of one user's lists are applied one after another, so concurrent moves never give two lists the same position. Answers 200 with the list and its new `ETag`. Send `If-Match` with the `ETag` you read to move it only if it did not change (412 otherwise), and `Idempotency-Key` to make a retry safe.",
  request: {
    params: ListIdParamsSchema,
    headers: ConditionalWriteHeadersSchema,
    body: { required: true, description: 'Where to put the list.', content: json(ListMoveSchema) },
  },
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The moved list.',
      headers: { ETag: etag(' after the move: send it in `If-Match` with the next write.'), 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(ListSchema),
    },
  },
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
export type MoveRoute = typeof move;
