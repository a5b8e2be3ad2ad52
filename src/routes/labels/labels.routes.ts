import { IDEMPOTENT_REPLAYED_HEADER, stringHeader } from '../../lib/openapi-headers.js';
import { createV1Route } from '../../lib/v1-route.js';
import {
  ConditionalWriteHeadersSchema,
  CreateHeadersSchema,
  IfNoneMatchHeaderSchema,
  LabelCreateSchema,
  LabelIdParamsSchema,
  LabelListSchema,
  LabelPatchSchema,
  LabelSchema,
  ListLabelsQuerySchema,
} from './labels.schemas.js';

const tags = ['Labels'];
// Each says only what the operation it is on can do with the tag.
const etag = (description: string) => stringHeader(`The label's strong entity tag (\`"<version>"\`)${description}`, { maxLength: 16, example: '"1"' });
const READ_ETAG = etag(': send it in `If-None-Match` to read the label again only if it changed.');
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const list = createV1Route({
  method: 'get',
  path: '/v1/labels',
  operationId: 'listLabels',
  tags,
  summary: 'List labels',
  description:
    "The caller's labels, a page at a time, ordered by name ignoring case (ties by id). Pagination is by keyset: `next_cursor` (and the `Link: <…>; rel=\"next\"` header) continue exactly after the last row, so walking the pages while labels are added, renamed or deleted returns every label that was there throughout once. Another user's labels never appear.",
  request: { query: ListLabelsQuerySchema },
  responses: {
    200: {
      description: 'A page of labels.',
      headers: {
        Link: stringHeader('RFC 8288 link to the next page (`rel="next"`), when there is one.', { required: false, maxLength: 4096, example: '</v1/labels?limit=20&cursor=eyJrIjoiMjAyNi0xMS0yMiAwOTozMDowMCswMCIsImkiOiIwMTlhOGYyZSJ9.c2ln>; rel="next"' }),
      },
      content: json(LabelListSchema),
    },
  },
});

export const create = createV1Route({
  method: 'post',
  path: '/v1/labels',
  operationId: 'createLabel',
  tags,
  summary: 'Create a label',
  description:
    'Creates a label owned by the caller. Answers 201 with the label, its `Location` and `ETag`. A name the caller already has, ignoring case, is a 409 `label_exists`. With an `Idempotency-Key`, a retry of the same request returns the same 201 (and label) instead of a 409. A caller who already has as many labels as one user may have (`limits.labels` in `GET /v1/me`) gets a 409 `limit_reached`.',
  request: { headers: CreateHeadersSchema, body: { required: true, description: 'The new label.', content: json(LabelCreateSchema) } },
  errors: ['label_exists', 'limit_reached'],
  responses: {
    201: {
      description: 'Created.',
      headers: {
        Location: stringHeader('The path of the new label: `/v1/labels/{id}`.', { maxLength: 64, example: '/v1/labels/019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1a' }),
        ETag: etag(': the precondition for conditional reads and writes of the new label at its `Location`.'),
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER,
      },
      content: json(LabelSchema),
    },
  },
});

export const get = createV1Route({
  method: 'get',
  path: '/v1/labels/{id}',
  operationId: 'getLabel',
  tags,
  summary: 'Get a label',
  description: 'One label of the caller. With `If-None-Match` holding its current `ETag`, the answer is 304 with no body.',
  request: { params: LabelIdParamsSchema, headers: IfNoneMatchHeaderSchema },
  errors: ['not_found'],
  responses: {
    200: {
      description: 'The label.',
      headers: { ETag: READ_ETAG },
      content: json(LabelSchema),
    },
    304: {
      description: 'Not modified: `If-None-Match` matched the current `ETag`.',
      headers: { ETag: READ_ETAG },
    },
  },
});

export const patch = createV1Route({
  method: 'patch',
  path: '/v1/labels/{id}',
  operationId: 'updateLabel',
  tags,
  summary: 'Update a label',
  description:
    'Renames or recolours a label with a JSON Merge Patch (RFC 7396), sent as `application/merge-patch+json` or `application/json`. A rename writes this one label. A name another of the caller\'s labels has, ignoring case, is a 409 `label_exists` (changing only the case of its own name is fine). Every change increments `version` once and gives a new `ETag`. Send `If-Match` with the `ETag` you read to avoid overwriting someone else\'s change (412 if it changed), and `Idempotency-Key` to make a retry safe.',
  request: {
    params: LabelIdParamsSchema,
    headers: ConditionalWriteHeadersSchema,
    body: {
      required: true,
      description: 'The fields to change.',
      content: { 'application/merge-patch+json': { schema: LabelPatchSchema }, 'application/json': { schema: LabelPatchSchema } },
    },
  },
  errors: ['not_found', 'label_exists'],
  responses: {
    200: {
      description: 'The updated label.',
      headers: { ETag: etag(' after the change: send it in `If-Match` with the next one.'), 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: json(LabelSchema),
    },
  },
});

export const remove = createV1Route({
  method: 'delete',
  path: '/v1/labels/{id}',
  operationId: 'deleteLabel',
  tags,
  summary: 'Delete a label',
  description:
    'Deletes a label for good. A second delete of the same id is a 404 (with the same `Idempotency-Key`, the stored 204 is replayed instead). `If-Match` makes the delete conditional on the version you read.',
  request: { params: LabelIdParamsSchema, headers: ConditionalWriteHeadersSchema },
  errors: ['not_found'],
  responses: {
    204: {
      description: 'Deleted.',
      headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
    },
  },
});

export type ListRoute = typeof list;
export type CreateRoute = typeof create;
export type GetRoute = typeof get;
export type PatchRoute = typeof patch;
export type RemoveRoute = typeof remove;
