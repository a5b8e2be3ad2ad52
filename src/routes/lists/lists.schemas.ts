import { z } from '@hono/zod-openapi';
import { ColorSchema, nameSchema } from '../../lib/field-schemas.js';
import { PAGE_QUERY, conditionalWriteHeaders } from '../../lib/request-schemas.js';

// The list contract, written by hand: it changes only when someone means to change it.
// The headers and paging parameters are every resource's (src/lib/request-schemas.ts).

export { CreateHeadersSchema, IfNoneMatchHeaderSchema } from '../../lib/request-schemas.js';

const EXAMPLE = {
  id: '019a8f31-4c5d-7e6f-8a9b-0c1d2e3f4a5b',
  name: 'Groceries',
  color: '#2e8b57',
  position: 'a3',
  is_default: false,
  archived: false,
  todo_count: 12,
  open_todo_count: 5,
  created_at: '2026-11-22T09:30:00.000Z',
  updated_at: '2026-11-22T09:30:00.000Z',
  version: 1,
};
const OTHER_ID = '019a8f31-9d8e-7f6a-8b5c-4d3e2f1a0b9c';

const NameSchema = nameSchema({
  max: 255,
  description: "The list's name: 1 to 255 characters (Unicode code points) after leading and trailing white space is trimmed; stored trimmed. Names need not be unique.",
  example: EXAMPLE.name,
});

const timestamp = (description: string, example: string) =>
  z.string().max(32).openapi({ format: 'date-time', description: `${description} RFC 3339, UTC, with \`Z\`.`, example });

const count = (description: string, example: number) => z.number().int().min(0).max(2_147_483_647).openapi({ format: 'int32', description, example });

export const ListSchema = z
  .object({
    id: z.uuid().openapi({ maxLength: 36, description: 'Assigned by the service: a UUIDv7, so ids sort by creation. Read-only.', example: EXAMPLE.id }),
    name: z.string().max(255).openapi({ description: 'The name (trimmed).', example: EXAMPLE.name }),
    color: z.string().max(7).nullable().openapi({ description: 'A colour as `#rrggbb` in lower case, or `null`.', example: EXAMPLE.color }),
    position: z.string().min(2).max(256).openapi({
      pattern: '^[0-9A-Za-z]+$',
      description:
        "Where the list stands among the caller's lists: an opaque key that sorts bytewise (compare with `<` on the raw characters, never with locale-aware collation). `GET /v1/lists` returns lists in this order. Read-only: change it with `POST /v1/lists/{id}/move`. A new list goes to the end.",
      example: EXAMPLE.position,
    }),
    is_default: z.boolean().openapi({
      description: 'Whether this is the caller\'s default list (exactly one, named "Inbox" until renamed), where todos without a `list_id` go. It cannot be deleted or archived. Read-only.',
      example: EXAMPLE.is_default,
    }),
    archived: z.boolean().openapi({ description: 'Archived lists are left out of `GET /v1/lists` unless it asks for `archived=true`.', example: EXAMPLE.archived }),
    todo_count: count(
      'How many todos are in the list, subtasks included: a live count kept by the database, which changes as todos are added, moved or deleted without changing the list\'s `version` or `ETag`. Read-only.',
      EXAMPLE.todo_count,
    ),
    open_todo_count: count(
      'How many of those are not completed: live like `todo_count`, and it changes without changing the list\'s `version` or `ETag`. Read-only.',
      EXAMPLE.open_todo_count,
    ),
    created_at: timestamp('When it was created. Read-only.', EXAMPLE.created_at),
    updated_at: timestamp('When its own fields (`name`, `color`, `archived`, `position`) last changed. Read-only.', EXAMPLE.updated_at),
    version: z.number().int().min(1).max(2_147_483_647).openapi({
      format: 'int32',
      description:
        'Starts at 1 and grows by one with every change of the list\'s own fields (`name`, `color`, `archived`, `position`); the `ETag` is derived from it. The counts are not part of it. Read-only.',
      example: EXAMPLE.version,
    }),
  })
  .openapi('List', {
    description:
      'A list of todos. It belongs to the user who created it and is visible to no one else. Its counts come with it: they are kept up to date by the database, not counted per request.',
    example: EXAMPLE,
  });

export const ListCreateSchema = z
  .strictObject({
    name: NameSchema,
    color: ColorSchema.optional().openapi({ description: 'Default `null`. A colour as `#rrggbb`, in either case (stored in lower case).' }),
  })
  .openapi('ListCreate', {
    description:
      'A new list: it goes to the end of the caller\'s lists, not archived and not the default. Only `name` is required. Any other field, including `archived` (archive it afterwards with a PATCH) and the read-only `id`, `position`, `is_default`, `todo_count`, `open_todo_count`, `created_at`, `updated_at` and `version`, is a 422.',
    example: { name: 'Groceries', color: '#2E8B57' },
  });

export const ListPatchSchema = z
  .strictObject({
    name: NameSchema.optional(),
    color: ColorSchema.optional(),
    archived: z.boolean().optional().openapi({
      description: '`true` archives the list (a 409 `default_list` for the default list), `false` brings it back. Its todos stay as they are.',
      example: true,
    }),
  })
  .openapi('ListPatch', {
    description:
      'A JSON Merge Patch (RFC 7396): a field left out is unchanged; `null` clears `color` (it is a 422 for `name` and `archived`). Read-only fields (`id`, `position`, `is_default`, the counts, the timestamps, `version`) and unknown fields are a 422; `position` changes only with `POST /v1/lists/{id}/move`. A patch that changes nothing does not change `version`.',
    example: { name: 'Shopping', color: null },
  });

const neighbour = (description: string) =>
  z.uuid().optional().openapi({
    maxLength: 36,
    description: `${description} It must be another of the caller's lists (archived or not); the list itself, an id that does not exist or a list of another user is the same 422.`,
    example: OTHER_ID,
  });

export const ListMoveSchema = z
  .strictObject({
    before_id: neighbour('Put the list just before this list.'),
    after_id: neighbour('Put the list just after this list.'),
  })
  .refine((body) => body.before_id === undefined || body.after_id === undefined, {
    message: 'Send before_id or after_id, not both (or neither, for the end).',
    path: ['after_id'],
  })
  .openapi('ListMove', {
    description:
      "Where to put the list among the caller's lists (archived ones included): just before `before_id`, just after `after_id`, or, with neither (`{}`), at the end. At most one of the two. Any other field is a 422.",
    example: { after_id: OTHER_ID },
  });

export const ListPageSchema = z
  .object({
    data: z.array(ListSchema).max(100).openapi({ description: 'One page of lists, in `position` order (ties by id).' }),
    next_cursor: z.string().max(1024).nullable().openapi({
      description: 'Pass as `cursor` (with the same `archived`) to get the next page; `null` on the last page.',
      example: 'WyJhMyIsIjAxOWE4ZjMxLTRjNWQtN2U2Zi04YTliLTBjMWQyZTNmNGE1YiJd.c2ln',
    }),
  })
  .openapi('ListPage', { description: 'A page of lists.' });

export const ListIdParamsSchema = z.object({
  id: z.uuid().openapi({
    param: { name: 'id', in: 'path' },
    maxLength: 36,
    description: "The list's id. A list of another user is a 404, exactly like one that does not exist.",
    example: EXAMPLE.id,
  }),
});

export const ListListsQuerySchema = z.strictObject({
  ...PAGE_QUERY,
  archived: z
    .enum(['true', 'false'], { error: 'Must be true or false.' })
    .transform((v) => v === 'true')
    .optional()
    .openapi({
      param: { name: 'archived', in: 'query' },
      type: 'boolean',
      default: false,
      description: '`false` (the default): only lists that are not archived. `true`: only archived lists.',
    }),
});

export const ConditionalWriteHeadersSchema = conditionalWriteHeaders('list');
