import { IDEMPOTENT_REPLAYED_HEADER, V1_RESPONSE_HEADERS } from '../../lib/openapi-headers.js';
import { problemResponses } from '../../lib/openapi.js';
import type { ProblemCode, ProblemExample } from '../../lib/problems.js';
import { createV1Route } from '../../lib/v1-route.js';
import { BATCH_MAX_OPERATIONS } from '../../services/batch-service.js';
import { BatchRequestSchema, BatchResponseSchema, CreateHeadersSchema } from './batch.schemas.js';

const tags = ['Batch'];
const PATH = '/v1/batch';
const ERRORS = ['not_found', 'precondition_failed', 'invalid_if_match', 'limit_reached', 'label_exists', 'default_list'] as const;

/** What each problem looks like from a batch: the single operation's, located in the operation that failed. */
const EXAMPLES: Partial<Record<ProblemCode, ProblemExample>> = {
  validation_failed: {
    detail: 'One or more fields are invalid; see errors.',
    errors: [
      { path: 'operations/3/data/title', message: 'Must not be empty or only white space.' },
      { path: 'operations/4/op', message: 'A label operation is one of create, update or delete (labels have no order, so no move).' },
      { path: 'operations/5/data/list_id', message: '@trip is created by operation 7, which does not come before this one: an operation can refer only to objects that earlier operations create.' },
    ],
  },
  not_found: { detail: 'Operation 2: No todo with this id. Nothing was changed.', errors: [{ path: 'operations/2/id', message: 'No todo with this id.' }] },
  precondition_failed: {
    detail: 'Operation 1: The todo is at version 4: if_match does not match its ETag. Nothing was changed.',
    errors: [{ path: 'operations/1/if_match', message: 'The todo is at version 4: if_match does not match its ETag. Nothing was changed.' }],
  },
  invalid_if_match: {
    detail: 'Operation 0: if_match: 2 is not an entity tag: ETags are quoted. Send if_match: "2", the ETag header exactly as it was received. Nothing was changed.',
    errors: [{ path: 'operations/0/if_match', message: 'if_match: 2 is not an entity tag: ETags are quoted. Send if_match: "2", the ETag header exactly as it was received.' }],
  },
  limit_reached: {
    detail: 'Operation 40: You have 100000 todos, the most one user may have (limits.todos in GET /v1/me). Delete some to create more. Nothing was changed.',
    errors: [{ path: 'operations/40', message: 'You have 100000 todos, the most one user may have (limits.todos in GET /v1/me). Delete some to create more. Nothing was changed.' }],
  },
  label_exists: {
    detail: 'Operation 0: You already have a label named "work" (label names are unique ignoring case). Nothing was changed.',
    errors: [{ path: 'operations/0/data/name', message: 'You already have a label named "work" (label names are unique ignoring case). Nothing was changed.' }],
  },
  default_list: {
    detail: 'Operation 3: This is your default list: it cannot be deleted. Nothing was changed.',
    errors: [{ path: 'operations/3/id', message: 'This is your default list: it cannot be deleted. Nothing was changed.' }],
  },
  rate_limited: { detail: 'Too many requests: at most 600 every 60 seconds per user. This request counts as 50 (one per operation). Retry after 5 s.' },
};

// The kit declares these statuses; they are declared again here with the batch's own examples.
const located = problemResponses(
  ['bad_request', 'invalid_if_match', 'not_found', 'conflict', 'idempotency_key_in_use', 'limit_reached', 'label_exists', 'default_list', 'precondition_failed', 'validation_failed', 'idempotency_key_reused', 'rate_limited'],
  {
    path: PATH,
    headers: V1_RESPONSE_HEADERS,
    describe: {
      bad_request: 'The request could not be parsed: its body is not valid JSON.',
      not_found: 'An operation names, in `id`, an object the caller does not have (another user\'s answers exactly like one that does not exist); `errors[0].path` is that operation\'s `id`. Nothing was changed.',
      precondition_failed: "An operation's `if_match` does not match the object's current `ETag`; `errors[0].path` is that operation's `if_match`. Nothing was changed.",
      invalid_if_match: "An operation's `if_match` is neither `*` nor a list of quoted entity tags (`\"2\"`, not `2`); `errors[0].path` names it. Nothing was changed.",
    },
    examples: EXAMPLES,
  },
);

export const run = createV1Route({
  method: 'post',
  path: PATH,
  operationId: 'runBatch',
  tags,
  summary: 'Run operations in one transaction',
  description: [
    `Runs up to ${BATCH_MAX_OPERATIONS} creates, updates, deletes and moves of todos, lists and labels, in order, in one transaction: either every operation takes effect, or none does.`,
    '',
    '- **Operations.** Each is `{ op, type, id?, data?, if_match?, ref? }`: `create`, `update`, `delete` on a `todo`, `list` or `label`, and `move` on a `todo` or `list`. `data` is exactly the body of the single operation (`POST /v1/todos`, `PATCH /v1/todos/{id}`, `POST /v1/todos/{id}/move`, and their list and label twins), with the same rules, defaults and limits; `id` is the path\'s id; `if_match` is the precondition the single operation takes as a header (an `ETag`, or `*`). A combination that does not exist (a move of a label) is a 422 on `operations/<n>/op`.',
    '- **References.** A create may name its object in `ref` (1 to 40 letters, digits, `_` or `-`, starting with a letter, unique in the batch). A later operation refers to it as `"@name"` wherever it takes an id: `id`, `data.list_id`, `data.parent_id`, each of `data.label_ids`, `data.before_id`, `data.after_id`. A reference to no operation, to a later operation (or its own), or to an object of another kind (a label as `list_id`) is a 422 naming its path (references are checked once the rest of the body is valid, before anything runs).',
    '- **Results.** 200 with `results`, one per operation, in order: `status` is what the single operation answers (201 create, 200 update or move, 204 delete), `data` its object (`null` for a delete) and `etag` its new `ETag`. An object changed by a later operation of the same batch appears in each result as it was then.',
    '- **Failure.** The first operation that fails decides the answer: the single operation\'s problem (same status and `code`), with its `detail` starting `Operation <n>:` and every `errors[].path` inside that operation (`operations/3/data/title`, `operations/2/id`, `operations/1/if_match`). Nothing of the batch is written: earlier operations are rolled back, later ones do not run. A body that breaks the schema is a 422 listing every offending field (paths like `operations/3/data/title`), before anything runs.',
    `- **Limits.** 1 to ${BATCH_MAX_OPERATIONS} operations, and the request body at most \`BODY_LIMIT_BYTES\` (100 KiB by default). The per-user quotas (\`limits\` in \`GET /v1/me\`) hold as for single operations: the create that would pass one is a 409 \`limit_reached\`, and the whole batch changes nothing.`,
    '- **Rate limit.** A batch counts as one request per operation: a batch of 20 takes 20 from the same budget as 20 single requests (`RateLimit` shows what is left). When fewer are left, the whole batch is a 429 and nothing runs.',
    '- **Idempotency.** An `Idempotency-Key` covers the whole batch: a retry with the same key and body replays the stored 200 (`Idempotent-Replayed: true`) and runs nothing again; the same key with another body is a 422 `idempotency_key_reused`.',
    '- **Change feed and webhooks.** Every operation is recorded in the change feed (`GET /v1/changes`) exactly as the single operation would be, all in the batch\'s one commit.',
  ].join('\n'),
  request: {
    headers: CreateHeadersSchema,
    body: { required: true, description: 'The operations, in order.', content: { 'application/json': { schema: BatchRequestSchema } } },
  },
  errors: ERRORS,
  responses: {
    ...located,
    200: {
      description: 'Every operation took effect, in one transaction.',
      headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER },
      content: {
        'application/json': {
          schema: BatchResponseSchema,
          example: {
            results: [
              {
                status: 201,
                data: {
                  id: '019a8f31-4c5d-7e6f-8a9b-0c1d2e3f4a5b', name: 'Trip', color: null, position: 'a3', is_default: false, archived: false,
                  todo_count: 0, open_todo_count: 0, created_at: '2026-11-22T09:30:00.000Z', updated_at: '2026-11-22T09:30:00.000Z', version: 1,
                },
                etag: '"1"',
              },
              {
                status: 201,
                data: {
                  id: '019a8f31-4c5d-7e6f-8a9b-0c1d2e3f4a60', title: 'Pack', description: null, completed: false, completed_at: null, due_at: null, priority: 'none',
                  list_id: '019a8f31-4c5d-7e6f-8a9b-0c1d2e3f4a5b', parent_id: null, position: 'a4', label_ids: [], subtask_count: 0, open_subtask_count: 0,
                  created_at: '2026-11-22T09:30:00.000Z', updated_at: '2026-11-22T09:30:00.000Z', version: 1,
                },
                etag: '"1"',
              },
              { status: 204, data: null, etag: null },
            ],
          },
        },
      },
    },
  },
});

export type RunRoute = typeof run;
