import { createV1Route } from '../../lib/v1-route.js';
import { stringHeader } from '../../lib/openapi-headers.js';
import { AccountExportSchema, MeSchema } from './me.schemas.js';

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

export const exportMe = createV1Route({
  method: 'get',
  path: '/v1/me/export',
  operationId: 'exportMe',
  tags: ['Users'],
  summary: 'Export everything of the caller',
  description: [
    'Everything the caller owns as one JSON document (`AccountExport`, `format: "todo-api-export"`, `format_version: 1`): the caller as `GET /v1/me` returns them, then every list, label, todo and webhook (webhooks without their secrets), each exactly as its GET returns it, so that an import can rebuild the account. It is served as a download (`Content-Disposition: attachment`).',
    '',
    '**Consistent**: every array is read from one snapshot (a read-only, repeatable-read transaction), taken when the answer starts; `exported_at` is its time. Writes made meanwhile are not in it, and never half of one.',
    '',
    '**Streamed**: the document is written as it is read, a thousand rows at a time, and only as fast as the client reads it, so its size has no bound but the account\'s (up to `limits.todos` todos) while the server\'s memory stays flat. It is complete only when it ends with its closing `}`: a download that is cut off is not valid JSON and must be discarded, then retried.',
    '',
    'Limits, because an export holds a database connection and a snapshot for as long as the client reads:',
    '- it must be read completely within `EXPORT_TIMEOUT_MS` (default 300 000 ms, 5 minutes), and a client that takes no data for 30 s meanwhile is cut off too;',
    '- one export per user at a time, whichever instance serves it: a second one meanwhile is a 409 `export_in_progress`;',
    '- at most `EXPORT_CONCURRENCY` (default 2) exports at once on one instance: one more is a 503 with `Retry-After`;',
    '- one export costs `EXPORT_RATE_LIMIT_COST` (default 60) requests of the caller\'s rate limit; with fewer left, a 429 with `Retry-After`.',
  ].join('\n'),
  errors: ['export_in_progress'],
  responses: {
    200: {
      description: 'The whole account, streamed.',
      headers: {
        'Content-Disposition': stringHeader('`attachment; filename="todo-api-export-<YYYY-MM-DD>.json"`: a download, named after the day of the export.', { maxLength: 128, example: 'attachment; filename="todo-api-export-2026-12-01.json"' }),
      },
      content: { 'application/json': { schema: AccountExportSchema } },
    },
  },
});

export const deleteMe = createV1Route({
  method: 'delete',
  path: '/v1/me',
  operationId: 'deleteMe',
  tags: ['Users'],
  summary: 'Erase the caller and everything they own',
  description: [
    'Erases the caller for good, in one transaction: their user record, every list, label and todo, the answers stored for their idempotency keys, their change feed (its history included: nothing says the account existed), and every other record keyed by them. There is no undo: take `GET /v1/me/export` first to keep a copy. An account at the quotas takes a few seconds (the statement may run up to 120 s).',
    '',
    'The token stays valid (the identity provider issued it, not this service): the next request with the same subject (`sub`) starts a fresh, empty account, with a new `id` and a new default list "Inbox". On the instance that erased the account this holds at once; any instance holds it within `USER_CACHE_TTL_MS` (default 60 s), and at once for `GET /v1/me` and every write. Meanwhile a list read there may answer as for an empty account; nothing of the old account is ever read or written again.',
    '',
    'Retrying is safe without an idempotency key, and this operation takes none (a key sent is ignored, as Stripe ignores keys on a DELETE): its outcome is the same however often it runs, and a stored answer would be erased with the account anyway. A retry, or a second call, answers 204 again: it erases the fresh, empty account of the same subject that the retry itself registered. A concurrent write of the caller either commits before the erasure (and is erased) or runs after it, in the fresh account.',
    '',
    'It costs one request of the rate limit, which is counted per token subject: erasing an account does not reset it.',
  ].join('\n'),
  responses: {
    204: { description: 'Erased: nothing of the account is left.' },
  },
});

export type MeRoute = typeof me;
export type ExportMeRoute = typeof exportMe;
export type DeleteMeRoute = typeof deleteMe;
