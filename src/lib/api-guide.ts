import { maxHeaderSize } from 'node:http';
import { parseEnv } from '../env.js';
import { LABELS_PER_TODO, SUBTASK_DEPTH } from '../services/user-service.js';
import { PROBLEM_CODES, PROBLEMS, problemType } from './problems.js';

// The guide integrators read first: the spec's `info.description`, rendered at the top of /docs.
// Every number and code in it comes from the code (problems.ts, the env defaults), so it cannot drift.

/** The defaults of every setting: the document does not depend on a deployment's configuration. */
const defaults = parseEnv({});

const problemTable = [
  '| `code` | status | meaning |',
  '| --- | --- | --- |',
  ...PROBLEM_CODES.map((code) => `| [\`${code}\`](${problemType(code)}) | ${PROBLEMS[code].status} | ${PROBLEMS[code].title} |`),
];

const quotaTable = [
  '| what | default | setting |',
  '| --- | --- | --- |',
  `| todos per user | ${defaults.limitTodosPerUser} | \`LIMIT_TODOS_PER_USER\` |`,
  `| lists per user (the default list included) | ${defaults.limitListsPerUser} | \`LIMIT_LISTS_PER_USER\` |`,
  `| labels per user | ${defaults.limitLabelsPerUser} | \`LIMIT_LABELS_PER_USER\` |`,
  `| webhooks per user | ${defaults.limitWebhooksPerUser} | \`LIMIT_WEBHOOKS_PER_USER\` |`,
  `| labels on one todo | ${LABELS_PER_TODO} | fixed |`,
  `| levels of subtasks | ${SUBTASK_DEPTH} | fixed |`,
  `| request body | ${defaults.bodyLimitBytes} bytes (413 \`payload_too_large\`) | \`BODY_LIMIT_BYTES\` |`,
  `| time to send the body | ${defaults.bodyTimeoutMs} ms (408 \`request_timeout\`) | \`BODY_TIMEOUT_MS\` |`,
  `| request line and headers | ${maxHeaderSize} bytes (431 \`request_header_fields_too_large\`) | fixed |`,
  `| requests per user | ${defaults.rateLimitRequests} every ${defaults.rateLimitWindowSeconds} s (429 \`rate_limited\`) | \`RATE_LIMIT_REQUESTS\`, \`RATE_LIMIT_WINDOW_SECONDS\` |`,
  `| deletions kept in the change feed | ${defaults.changesRetentionDays} days (410 \`cursor_expired\`) | \`CHANGES_RETENTION_DAYS\` |`,
];

const verifyWebhook = [
  '```js',
  "import { Webhook } from 'standardwebhooks'; // npm install standardwebhooks",
  '',
  '// rawBody: the request body exactly as received (a string or bytes), before any JSON parsing.',
  'const event = new Webhook(process.env.TODO_WEBHOOK_SECRET).verify(rawBody, {',
  "  'webhook-id': req.headers['webhook-id'],",
  "  'webhook-timestamp': req.headers['webhook-timestamp'],",
  "  'webhook-signature': req.headers['webhook-signature'],",
  '}); // throws when the signature or the timestamp is wrong',
  '```',
];

/** The guide, in Markdown (CommonMark with tables, as Swagger UI renders it). */
export const API_GUIDE = [
  'A multi-user Todo API for web and mobile front ends, scripts and automations. Every todo, list and label belongs to one user; an object of another user behaves exactly like one that does not exist (the same 404, never a 403).',
  '',
  'This guide covers what every operation shares; each operation below says its own rules and limits. JSON in and out, `snake_case` fields, times in RFC 3339 UTC (`2026-12-01T17:00:00.000Z`), ids are UUIDv7. The TypeScript SDK (`@todo-api/client`) is generated from this document, and `npm run mock` serves a mock of it for offline client work.',
  '',
  '## Getting a token',
  '',
  'Every `/v1` operation takes `Authorization: Bearer <JWT>`. The token must be signed with an algorithm the service accepts (never `none`) and carry `sub` (your user: the first request of a new `sub` creates the user) and `exp`; `email` is optional (a changed `email` updates the user; one that belongs to another user is a 409 `conflict`). 60 seconds of clock skew are tolerated.',
  '',
  '- **Local development** (no authentication configured): the server makes a secret of its own and prints how to get a token. Run, in the project, with the server\'s `DATA_DIR`: `npm run -s token -- --email you@example.com` (`--sub <id>`, `--ttl 30m|1h|7d`).',
  '- **A shared secret** (HS256), the way Better Auth front ends share `BETTER_AUTH_SECRET` with their backend: the service is configured with `AUTH_JWT_SECRET` (at least 32 characters), and your auth server signs tokens with the same secret.',
  '- **Better Auth\'s JWT plugin, or another identity provider** (Neon Auth, Auth0, …): the service is configured with `AUTH_JWKS_URL`, the provider\'s key set (Better Auth: `https://<your app>/api/auth/jwks`; its client gets a token with `authClient.token()`). EdDSA, ES256 and RS256 are accepted; keys are cached and fetched again for an unknown `kid`; an unreachable key set is a 503.',
  '- `AUTH_ISSUER` and `AUTH_AUDIENCE`, when set, must match the token\'s `iss` and be in its `aud`.',
  '',
  'A missing, malformed, expired or untrusted token is a 401 `unauthorized` with `WWW-Authenticate: Bearer error="invalid_token"` (just `Bearer` when no credentials were sent at all). `GET /v1/me` shows who a token is.',
  '',
  '## Errors',
  '',
  'Every error is an RFC 9457 problem details object (`application/problem+json`): `type`, `title`, `status`, `detail`, `instance`, a stable `code` to branch on (never on `title` or `detail`), the `request_id` (also in the `X-Request-Id` header of every response: quote it when reporting a problem) and, on 422, `errors[]` with the `path` of each offending field (`body.title`, `query.limit`, `header.if-match`, `path.id`). A request that fails changes nothing. The codes, each linked to its page:',
  '',
  ...problemTable,
  '',
  '## Pagination and cursors',
  '',
  'Lists (`GET /v1/todos`, `/v1/lists`, `/v1/labels`) are keyset-paged: `limit` 1 to 100 (default 20), and `next_cursor` in the body (also a `Link: <…>; rel="next"` header) to pass as `cursor` for the next page; it is `null` on the last page. A cursor continues after the last row even while rows are added or deleted. It is opaque and signed: valid only for the user, filters and sort it was issued with (`limit` may change); a changed, forged or foreign cursor is a 422.',
  '',
  '## ETags and If-Match',
  '',
  'Every todo, list and label has a `version` and a strong `ETag: "<version>"` that changes on every write. Send the ETag back exactly as received (quoted):',
  '',
  '- `If-None-Match` on a GET: a 304 with no body while it is still current.',
  '- `If-Match` on PATCH, DELETE and move: write only if the object is still at that version, else a 412 `precondition_failed` and nothing changes. `*` matches any existing object; weak tags never match; an unquoted tag (`If-Match: 2`) is a 400 `invalid_if_match`. An object that is not yours is a 404 first.',
  '',
  'Read, change, write with `If-Match`; on a 412, read again and redo the change.',
  '',
  '## Idempotency and retries',
  '',
  'Send `Idempotency-Key: <a fresh UUID per logical write>` (1 to 255 visible ASCII characters; per user) on POST, PATCH and DELETE to make a write safe to retry. The first successful response is stored with the write, in the same transaction, and replayed to every retry for 24 hours with `Idempotent-Replayed: true` (a DELETE replays its 204). The same key with another method, path or body is a 422 `idempotency_key_reused`; while the first request still runs, a 409 `idempotency_key_in_use` with `Retry-After`. A request that fails stores nothing.',
  '',
  'When to retry: a GET, or a write with an `Idempotency-Key`, after a lost connection, a timeout, a 500 or a 503; a 429 or 503 after its `Retry-After` seconds; a 409 `idempotency_key_in_use` after its `Retry-After`. Back off between tries. Any other 4xx will fail again as sent: fix the request first. A write without a key may have happened when its answer was lost: do not retry it blindly.',
  '',
  '## Rate limits',
  '',
  `Each user has a token bucket per instance: by default ${defaults.rateLimitRequests} requests every ${defaults.rateLimitWindowSeconds} seconds, refilled continuously (\`RATE_LIMIT_REQUESTS\`, \`RATE_LIMIT_WINDOW_SECONDS\`). While rate limiting is on (\`RATE_LIMIT_ENABLED\`, the default), every authenticated \`/v1\` response carries the IETF draft headers \`RateLimit-Policy: "default";q=<requests>;w=<seconds>\` and \`RateLimit: "default";r=<left>;t=<seconds until full>\`. Past the limit: a 429 \`rate_limited\` with \`Retry-After\`. Pace requests by \`RateLimit\` rather than waiting for a 429.`,
  '',
  '## Limits',
  '',
  `Per-user quotas protect the service; past one, a create is a 409 \`limit_reached\` that names the limit, and nothing changes. \`GET /v1/me\` shows the limits of the deployment (\`limits\`) and your usage (\`usage\`). The defaults:`,
  '',
  ...quotaTable,
  '',
  '## Sync with the change feed',
  '',
  'For clients that keep a local copy (mobile, offline, sync engines): take `GET /v1/changes/latest` (`{ cursor }`), list everything, then follow `GET /v1/changes?cursor=…` (`limit` 1 to 1000, default 100), calling again with `next_cursor` while `has_more` is true, and later to poll. Each change is `{ seq, type: todo|list|label, op: upsert|delete, id, version, changed_at, data }`, `data` being the object as a GET returns it now (`null` for a delete). Your changes come in commit order and a committed one is never skipped; delivery is at least once, so apply by `version` (keep the copy whose version is greater or equal). '
  + `Deletions are kept ${defaults.changesRetentionDays} days by default (\`CHANGES_RETENTION_DAYS\`): an older cursor is a 410 \`cursor_expired\`, and the client starts over. \`updated_since\` on \`GET /v1/todos\` is not safe for sync: use the feed.`,
  '',
  '## Webhooks (v1.1)',
  '',
  `\`/v1/webhooks\` registers URLs that receive events (at most ${defaults.limitWebhooksPerUser} per user by default): \`todo.created\`, \`todo.updated\`, \`todo.completed\`, \`todo.uncompleted\`, \`todo.moved\`, \`todo.deleted\`, \`list.created\`, \`list.updated\`, \`list.deleted\`, \`label.created\`, \`label.updated\`, \`label.deleted\`, or \`["*"]\` for all. Each event is sent as JSON: \`{ type, timestamp, data: { object, previous_attributes?, change_seq } }\` (\`previous_attributes\`: the changed fields' earlier values). The signing secret (\`whsec_…\`) is in the response to the POST that creates the webhook, and only there; \`POST /v1/webhooks/{id}/rotate-secret\` makes a new one, and the old one keeps signing alongside it for 24 hours. \`POST /v1/webhooks/{id}/test\` sends a \`webhook.test\` event; \`GET /v1/webhooks/{id}/deliveries\` shows the attempts.`,
  '',
  'Events are signed per [Standard Webhooks](https://www.standardwebhooks.com) v1: the headers `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` (several space-separated signatures while a secret rotates; any one may match). Verify every event before trusting it, with the raw body:',
  '',
  ...verifyWebhook,
  '',
  'Delivery is at least once, with the same `webhook-id` on every retry: use it to drop duplicates. Answer 2xx within 10 seconds (do the work later); a non-2xx answer, a timeout or a redirect is retried with backoff for about 24 hours; a 410 disables the webhook, and so do 3 days of failures (with a `disabled_reason`).',
  '',
  '## Batches (v1.1)',
  '',
  '`POST /v1/batch` with `{ operations: [{ op: create|update|delete|move, type: todo|list|label, id?, data?, if_match? }] }` runs up to 100 operations in order in one transaction: all succeed or none does. `data` is what the single operation\'s body would be; a created object can be named and referred to by later operations of the batch; each operation may carry its own `if_match`. Success is a 200 `{ results: [{ status, data, etag }] }`, one per operation, in order; a failure is the problem of the first failing operation, with `errors[].path` like `operations/3/data/title`, and nothing written. One `Idempotency-Key` covers the whole batch; it counts as one request per operation against the rate limit.',
].join('\n');
