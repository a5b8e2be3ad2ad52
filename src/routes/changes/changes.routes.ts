import { createV1Route } from '../../lib/v1-route.js';
import { ChangeListSchema, LatestChangeSchema, ListChangesQuerySchema } from './changes.schemas.js';

const tags = ['Changes'];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export const list = createV1Route({
  method: 'get',
  path: '/v1/changes',
  operationId: 'listChanges',
  tags,
  summary: 'List changes (the change feed)',
  description: [
    "The caller's todos, lists and labels that changed after `cursor`, for clients that keep a local copy (mobile, offline, sync engines): take `GET /v1/changes/latest`, list everything, then follow this feed from that cursor, calling again with `next_cursor` while `has_more` is true and later to poll.",
    '',
    'Guarantees:',
    "- The caller's changes come in commit order (`seq`), including the ones the service makes itself: the todos deleted with a list or a parent, the todos a deleted label leaves (each gets a new version), subtasks moved with their parent, the counts of a list or parent.",
    '- A committed change is never skipped, whatever order concurrent transactions commit in: a change with a smaller `seq` is always visible before, or together with, one with a greater `seq`.',
    '- A change that did not commit (a request that failed) never appears.',
    '- Delivery is at least once: a change may come again (a retried call, a page read twice), so apply by `version`: keep the copy whose version is greater or equal.',
    '- An object may appear once, with its latest state, instead of once per change: `data` is the object as a GET returns it now, not as it was at that change.',
    '- Deletions are kept `CHANGES_RETENTION_DAYS` (30 days by default); a cursor older than the oldest deletion removed is a 410 `cursor_expired`: start over from `GET /v1/changes/latest` and a full listing. An object that exists is always in the feed.',
    '',
    "Another user's changes never appear. A read is one statement and writes nothing.",
  ].join('\n'),
  request: { query: ListChangesQuerySchema },
  errors: ['cursor_expired'],
  responses: {
    200: { description: 'A page of changes, and where to continue.', content: json(ChangeListSchema) },
  },
});

export const latest = createV1Route({
  method: 'get',
  path: '/v1/changes/latest',
  operationId: 'getLatestChange',
  tags,
  summary: 'Get the latest change cursor',
  description:
    '"Now" in the caller\'s change feed: a cursor after every change committed so far. To start a local copy, take it first, then list every todo, list and label, then follow `GET /v1/changes` from it: whatever changed during the listing comes through the feed (apply by `version`).',
  responses: {
    200: { description: 'The cursor.', content: json(LatestChangeSchema) },
  },
});

export type ListRoute = typeof list;
export type LatestRoute = typeof latest;
