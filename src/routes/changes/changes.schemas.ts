import { z } from '@hono/zod-openapi';
import { pageLimit } from '../../lib/request-schemas.js';
import { LabelSchema } from '../labels/labels.schemas.js';
import { ListSchema } from '../lists/lists.schemas.js';
import { TodoSchema } from '../todos/todos.schemas.js';

// The change feed's contract, written by hand. The guarantees are stated once here, in the
// descriptions the operations and the SDK show.

const CURSOR_EXAMPLE = 'WyI0MiIsIjAxOWE4ZjMwLTFiMmMtN2Q0ZS04ZjVhLTZiN2M4ZDllMGYxYSJd.c2lnbmF0dXJlc2ln';

const common = {
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({
    format: 'int64',
    description:
      "The change's place in the caller's feed: greater for a change that committed later. Numbers are skipped (an object changed twice keeps only its latest seq), so do not count on them being consecutive.",
    example: 42,
  }),
  op: z.enum(['upsert', 'delete']).openapi({ description: '`upsert`: the object was created or changed, `data` is it now; `delete`: it was deleted, `data` is `null`.', example: 'upsert' }),
  id: z.uuid().openapi({ maxLength: 36, description: "The object's id (ids are never reused).", example: '019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1a' }),
  version: z.number().int().min(1).max(2_147_483_647).openapi({
    format: 'int32',
    description:
      "The object's `version` after the change (for a delete, the last one it had). Apply a change to your copy when its version is at least the one you hold: counts kept by the service (`todo_count`, `subtask_count`…) change without a new version.",
    example: 3,
  }),
  changed_at: z.string().max(32).openapi({ format: 'date-time', description: 'When the change was recorded (informational; order by `seq`). RFC 3339, UTC, with `Z`.', example: '2026-11-22T09:30:00.000Z' }),
};

const change = <T extends z.ZodType>(type: 'todo' | 'list' | 'label', data: T, name: string) =>
  z
    .object({
      seq: common.seq,
      type: z.literal(type).openapi({ description: 'What kind of object changed.', example: type }),
      op: common.op,
      id: common.id,
      version: common.version,
      changed_at: common.changed_at,
      data: z.union([data, z.null()]).openapi({ description: `The ${type} as \`GET /v1/${type}s/{id}\` returns it now (at the time of this read, not of the change), or \`null\` when it was deleted.` }),
    })
    .openapi(name, { description: `A change of one of the caller's ${type}s.` });

export const ChangeSchema = z
  .discriminatedUnion('type', [change('todo', TodoSchema, 'TodoChange'), change('list', ListSchema, 'ListChange'), change('label', LabelSchema, 'LabelChange')])
  .openapi('Change', { description: 'A change of a todo, list or label of the caller, told apart by `type`.' });

export const ChangeListSchema = z
  .object({
    data: z.array(ChangeSchema).max(1000).openapi({ description: 'The changes after the cursor, in `seq` order (commit order), at most `limit`.' }),
    next_cursor: z.string().max(1024).openapi({
      description:
        'Always present: pass it as `cursor` to continue after these changes. When `has_more` is false, it is the point to poll from later (a later call with it returns only what changed since, or nothing).',
      example: CURSOR_EXAMPLE,
    }),
    has_more: z.boolean().openapi({ description: 'Whether more changes follow right now: when true, call again at once with `next_cursor`.', example: false }),
  })
  .openapi('ChangeList', {
    description: 'A page of the change feed.',
    example: {
      data: [
        {
          seq: 41,
          type: 'label',
          op: 'upsert',
          id: '019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1a',
          version: 2,
          changed_at: '2026-11-22T09:30:00.000Z',
          data: { id: '019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1a', name: 'Work', color: '#1e90ff', created_at: '2026-11-22T09:00:00.000Z', updated_at: '2026-11-22T09:30:00.000Z', version: 2 },
        },
        { seq: 42, type: 'todo', op: 'delete', id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f', version: 3, changed_at: '2026-11-22T09:31:00.000Z', data: null },
      ],
      next_cursor: CURSOR_EXAMPLE,
      has_more: false,
    },
  });

export const LatestChangeSchema = z
  .object({
    cursor: z.string().max(1024).openapi({ description: 'A cursor after every change the caller has so far: follow the feed from it.', example: CURSOR_EXAMPLE }),
  })
  .openapi('LatestChange', { description: '"Now" in the caller\'s change feed.', example: { cursor: CURSOR_EXAMPLE } });

export const ListChangesQuerySchema = z.strictObject({
  limit: pageLimit(1000, 100, 'Most changes to return, 1 to 1000 (default 100).'),
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      description:
        "Where to continue: the `next_cursor` of the previous page, or the `cursor` of `GET /v1/changes/latest`. Without it, the feed starts from the beginning: every object the caller has, and the deletions still kept. Opaque and the caller's own: a changed, forged or another user's cursor (or a list page's) is a 422; one older than the deletions kept (`CHANGES_RETENTION_DAYS`) is a 410 `cursor_expired`.",
    }),
});
