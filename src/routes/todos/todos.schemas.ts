import { z } from '@hono/zod-openapi';
import { PAGE_QUERY, conditionalWriteHeaders, idReference } from '../../lib/request-schemas.js';
import { LABELS_PER_TODO, SUBTASK_DEPTH } from '../../services/user-service.js';
import { PRIORITIES, SORTS } from '../../services/todo-service.js';

// The todo contract, written by hand: it changes only when someone means to change it.

const codePoints = (s: string) => [...s].length;

/** Text the database can store faithfully: no NUL characters, no lone UTF-16 surrogates. */
const storableText = (s: string) => !s.includes('\u0000') && s.isWellFormed();
const STORABLE_MESSAGE = 'Must not contain NUL characters or unpaired surrogates.';

const TitleSchema = z
  .string()
  .trim()
  .refine((s) => s.length > 0, 'Must not be empty or only white space.')
  .refine((s) => codePoints(s) <= 1024, 'Must be at most 1024 characters.')
  .refine(storableText, STORABLE_MESSAGE)
  .openapi({
    minLength: 1,
    maxLength: 1024,
    description: 'What to do. 1 to 1024 characters (Unicode code points) after leading and trailing white space is trimmed; stored trimmed.',
    example: 'Buy oat milk',
  });

const DescriptionSchema = z
  .string()
  .refine((s) => codePoints(s) <= 8192, 'Must be at most 8192 characters.')
  .refine(storableText, STORABLE_MESSAGE)
  .nullable()
  .openapi({ maxLength: 8192, description: 'Free text, up to 8192 characters, stored as sent; `null` when there is none.', example: 'The barista kind, two cartons.' });

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ]((?:[01]\d|2[0-3]):[0-5]\d)(:[0-5]\d(?:\.\d{1,9})?)?$/;
const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** What to send instead of a value that is not an RFC 3339 date-time with an offset: the caller's own date or time, completed. */
function dateTimeMessage(input: unknown): string {
  const like = (example: string) => `an RFC 3339 date-time with a time zone offset, such as ${example} (UTC) or ${example.slice(0, -1)}+01:00`;
  if (typeof input === 'string' && DATE.test(input)) return `A date alone is not enough: send ${like(`${input}T10:00:00Z`)}.`;
  const local = typeof input === 'string' ? LOCAL_DATE_TIME.exec(input) : null;
  if (local) return `The time has no offset: send ${like(`${local[1]}T${local[2]}${local[3] ?? ':00'}Z`)}.`;
  if (typeof input === 'string' && OFFSET_DATE_TIME.test(input)) return 'No such date or time (check the day of the month, the hour and the offset).';
  return `Must be ${like('2026-12-24T10:00:00Z')}.`;
}

const DateTimeInput = z.iso
  .datetime({ offset: true, error: (issue) => dateTimeMessage(issue.input) })
  .max(64, 'Must be at most 64 characters.')
  .transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, 'Must be between the years 0001 and 9999.');

const DueAtSchema = DateTimeInput.nullable().openapi({
  type: ['string', 'null'],
  format: 'date-time',
  maxLength: 64,
  description: 'When it is due: an RFC 3339 timestamp with an offset (stored to the millisecond and returned in UTC), or `null`.',
  example: '2026-12-01T17:00:00Z',
});

const PrioritySchema = z.enum(PRIORITIES).openapi({
  description: 'One of `none`, `low`, `medium`, `high`, `urgent`; sorting by priority follows this order.',
  example: 'high',
});

const timestamp = (description: string, example: string) =>
  z.string().max(32).openapi({ format: 'date-time', description: `${description} RFC 3339, UTC, with \`Z\`.`, example });

export const TodoSchema = z
  .object({
    id: z.uuid().openapi({ maxLength: 36, description: 'Assigned by the service: a UUIDv7, so ids sort by creation.', example: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f' }),
    title: z.string().max(1024).openapi({ description: 'What to do (trimmed).', example: 'Buy oat milk' }),
    description: z.string().max(8192).nullable().openapi({ description: 'Free text, or `null`.', example: 'The barista kind, two cartons.' }),
    completed: z.boolean().openapi({ description: 'Whether it is done.', example: false }),
    completed_at: z
      .string()
      .max(32)
      .nullable()
      .openapi({ format: 'date-time', description: 'Set by the service when `completed` turns true, cleared when it turns false. Read-only.', example: null }),
    due_at: z.string().max(32).nullable().openapi({ format: 'date-time', description: 'When it is due, in UTC, or `null`.', example: '2026-12-01T17:00:00.000Z' }),
    priority: PrioritySchema,
    list_id: z.uuid().openapi({ maxLength: 36, description: 'The list it is in. Its subtasks are always in the same list. Its `id` never changes when it moves.', example: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d0001' }),
    parent_id: z.uuid().nullable().openapi({ type: ['string', 'null'], maxLength: 36, description: 'The todo it is a subtask of, or `null` for a top-level todo.', example: null }),
    position: z.string().max(256).openapi({
      maxLength: 256,
      pattern: '^[0-9A-Za-z]+$',
      description:
        'Its place among the todos with the same list and parent: an opaque key that sorts bytewise (compare with `<` on the strings or `COLLATE "C"`, never a locale-aware comparison). New todos go to the end. Read-only: change it with `POST /v1/todos/{id}/move`.',
      example: 'a1',
    }),
    label_ids: z.array(z.uuid().openapi({ maxLength: 36 })).max(LABELS_PER_TODO).openapi({ description: `The caller's labels on it (at most ${LABELS_PER_TODO}), in the order they were given.`, example: [] }),
    subtask_count: z.number().int().min(0).max(2_147_483_647).openapi({ format: 'int32', description: 'How many subtasks it has directly (not counting theirs). A live count: it changes without a new `version`.', example: 0 }),
    open_subtask_count: z.number().int().min(0).max(2_147_483_647).openapi({ format: 'int32', description: 'How many of those are not completed. A live count, like `subtask_count`.', example: 0 }),
    created_at: timestamp('When it was created. Read-only.', '2026-11-22T09:30:00.000Z'),
    updated_at: timestamp('When it last changed. Read-only.', '2026-11-22T09:30:00.000Z'),
    version: z.number().int().min(1).max(2_147_483_647).openapi({
      format: 'int32', description: 'Starts at 1 and grows by one with every change; the `ETag` is derived from it. Read-only.', example: 1 }),
  })
  .openapi('Todo', { description: 'A todo. It belongs to the user who created it and is visible to no one else.' });

// A refinement, not .max(): zod runs length checks on any input with a length, so one id string was told it had more than 20 labels.
const LabelIdsSchema = z
  .array(idReference('A label id.'))
  .refine((ids) => ids.length <= LABELS_PER_TODO, { message: `At most ${LABELS_PER_TODO} labels on one todo.`, abort: true })
  .refine((ids) => new Set(ids).size === ids.length, 'Each label at most once.')
  .openapi({
    maxItems: LABELS_PER_TODO,
    uniqueItems: true,
    description: `The caller's labels to put on it, at most ${LABELS_PER_TODO}, each once; kept in this order. An id that is not one of the caller's labels is a 422 naming its place (\`body.label_ids.2\`).`,
    example: ['019a8f2e-7c41-7b3e-9d5a-2f1c3b4d0002'],
  });

const ListIdInput = idReference(
  "One of the caller's lists (`GET /v1/lists`). A list that is not the caller's is a 422 on `body.list_id`, exactly like one that does not exist.",
  '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d0001',
);

const ParentIdInput = idReference(
  `One of the caller's todos in the same list, to make this one its subtask, at most ${SUBTASK_DEPTH} levels deep; \`null\` for a top-level todo. Another user's todo, one in another list, the todo itself or one of its own subtasks is a 422 on \`body.parent_id\`.`,
)
  .nullable()
  .openapi({ type: ['string', 'null'] });

export const TodoCreateSchema = z
  .strictObject({
    title: TitleSchema,
    description: DescriptionSchema.optional(),
    completed: z.boolean().optional().openapi({ description: 'Default `false`. `true` also sets `completed_at`.', example: false }),
    due_at: DueAtSchema.optional(),
    priority: PrioritySchema.optional().openapi({ description: 'Default `none`.' }),
    list_id: ListIdInput.optional().openapi({ description: "The list to put it in. Default: the parent's list when `parent_id` is given, else the caller's default list. Another user's list is a 422, exactly like one that does not exist." }),
    parent_id: ParentIdInput.optional(),
    label_ids: LabelIdsSchema.optional(),
  })
  .openapi('TodoCreate', {
    description:
      'A new todo. Only `title` is required. It goes to the end of its list (or of its parent\'s subtasks). Any other field, including the read-only `id`, `position`, `completed_at`, `subtask_count`, `created_at`, `updated_at` and `version`, is a 422.',
    example: { title: 'Buy oat milk', due_at: '2026-12-01T17:00:00Z', priority: 'high' },
  });

export const TodoPatchSchema = z
  .strictObject({
    title: TitleSchema.optional(),
    description: DescriptionSchema.optional(),
    completed: z.boolean().optional().openapi({ description: '`true` sets `completed_at` (if it was not done yet); `false` clears it.', example: true }),
    due_at: DueAtSchema.optional(),
    priority: PrioritySchema.optional(),
    list_id: ListIdInput.optional().openapi({
      description: "Move it, with its subtasks, to the end of this list (as a top-level todo, unless `parent_id` is given too). Its `id` does not change. Another user's list is a 422.",
    }),
    parent_id: ParentIdInput.optional().openapi({
      description: `Make it a subtask of this todo (in that todo's list, at the end of its subtasks), or \`null\` to make it top-level. At most ${SUBTASK_DEPTH} levels, counting its own subtasks; not under itself or one of its subtasks (422).`,
    }),
    label_ids: LabelIdsSchema.optional().openapi({ description: `Replaces its labels: the caller's labels, at most ${LABELS_PER_TODO}, each once, in this order; \`[]\` removes them all.` }),
  })
  .openapi('TodoPatch', {
    description:
      'A JSON Merge Patch (RFC 7396): a field left out is unchanged; `null` clears `description` or `due_at`, and makes a subtask top-level with `parent_id` (it is a 422 for fields that cannot be empty). `label_ids` replaces the whole list. Read-only and unknown fields (`position` included: use the move operation) are a 422. A patch that changes nothing does not change `version`.',
    example: { completed: true, due_at: null },
  });

const neighbour = (side: 'before' | 'after') =>
  idReference(
    `Put it just ${side} this todo, which must be another of the caller's todos in the list and parent it moves to (else a 422 on \`body.${side}_id\`). Send \`before_id\` or \`after_id\`, not both; neither puts it at the end.`,
  ).optional();

export const TodoMoveSchema = z
  .strictObject({
    list_id: ListIdInput.optional().openapi({ description: "The list to move it to, with its subtasks (as a top-level todo unless `parent_id` is given). Default: its parent's list when `parent_id` is given, else where it is." }),
    parent_id: ParentIdInput.optional().openapi({ description: 'The todo to make it a subtask of, or `null` for top-level. Default: unchanged within its list; top-level when it moves to another list.' }),
    before_id: neighbour('before'),
    after_id: neighbour('after'),
  })
  .refine((m) => m.before_id === undefined || m.after_id === undefined, { message: 'Send before_id or after_id, not both.', path: ['after_id'] })
  .openapi('TodoMove', {
    description:
      'Where to put the todo: a list and parent (default: where it is) and a neighbour there (default: the end). Only the moved todo gets a new `position` (and its subtasks a new `list_id` when the list changes): no other todo is renumbered.',
    example: { after_id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d0003' },
  });

export const TodoListSchema = z
  .object({
    data: z.array(TodoSchema).max(100).openapi({ description: 'One page of todos, in the requested order.' }),
    next_cursor: z.string().max(1024).nullable().openapi({
      description: 'Pass as `cursor` to get the next page (with the same filters and sort); `null` on the last page.',
      example: 'eyJrIjoiMjAyNi0xMS0yMiAwOTozMDowMCswMCIsImkiOiIwMTlhOGYyZSJ9.c2ln',
    }),
  })
  .openapi('TodoList', { description: 'A page of todos.' });

export const TodoIdParamsSchema = z.object({
  id: z.uuid().openapi({
    param: { name: 'id', in: 'path' },
    maxLength: 36,
    description: "The todo's id. A todo of another user is a 404, exactly like one that does not exist.",
    example: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f',
  }),
});

const queryTimestamp = (name: string, description: string) =>
  DateTimeInput.optional().openapi({
    param: { name, in: 'query' },
    type: 'string',
    format: 'date-time',
    maxLength: 64,
    description: `${description} An RFC 3339 date-time with an offset, such as \`2026-12-01T00:00:00Z\`.`,
  });

export const ListTodosQuerySchema = z.strictObject({
  ...PAGE_QUERY,
  completed: z
    .enum(['true', 'false'], { error: 'Must be true or false.' })
    .transform((v) => v === 'true')
    .optional()
    .openapi({ param: { name: 'completed', in: 'query' }, type: 'boolean', description: 'Only done (`true`) or not done (`false`) todos.' }),
  q: z
    .string()
    .min(1)
    .max(200)
    .refine(storableText, STORABLE_MESSAGE)
    .optional()
    .openapi({ param: { name: 'q', in: 'query' }, description: 'Case-insensitive substring match on `title` or `description` (1 to 200 characters; `%` and `_` match themselves), such as `milk`.' }),
  due_before: queryTimestamp('due_before', 'Only todos due strictly before this time (todos with no `due_at` are left out).'),
  due_after: queryTimestamp('due_after', 'Only todos due strictly after this time (todos with no `due_at` are left out).'),
  updated_since: queryTimestamp(
    'updated_since',
    'Only todos whose `updated_at` is at or after this time. Not safe for sync: a write that commits late carries an earlier `updated_at` than one already seen, and deletions do not appear. To keep a copy in sync, follow the change feed (`GET /v1/changes`).',
  ),
  priority: z
    .string()
    .max(64)
    .transform((v, ctx) => {
      const values = v.split(',');
      for (const value of values) {
        if (!(PRIORITIES as readonly string[]).includes(value)) {
          ctx.addIssue({ code: 'custom', message: `Must be a comma-separated list of ${PRIORITIES.join(', ')}.` });
          return z.NEVER;
        }
      }
      return [...new Set(values)] as (typeof PRIORITIES)[number][];
    })
    .optional()
    .openapi({
      param: { name: 'priority', in: 'query' },
      type: 'string',
      maxLength: 64,
      pattern: '^(none|low|medium|high|urgent)(,(none|low|medium|high|urgent))*$',
      description: 'Only these priorities: one value or a comma-separated list (`high,urgent`).',
    }),
  // No example: Swagger UI's "Try it out" sends examples, and this one would filter out every todo.
  list_id: idReference("Only todos in this list (one of the caller's; another id gives an empty page).", null).optional().openapi({ param: { name: 'list_id', in: 'query' } }),
  parent_id: z
    .union([z.literal('none'), idReference('', null)], { error: 'Must be a todo id, or none for top-level todos.' })
    .optional()
    .openapi({
      param: { name: 'parent_id', in: 'query' },
      type: 'string',
      maxLength: 36,
      description: 'Only the subtasks of this todo, or `none` for top-level todos only.',
      example: 'none',
    }),
  label_id: z
    .string()
    .max(20 * 37, `Must be one label id or up to ${LABELS_PER_TODO}, separated by commas.`)
    .transform((v, ctx) => {
      const ids = v.split(',').map((id) => id.toLowerCase());
      const uuid = z.uuid();
      if (ids.length > LABELS_PER_TODO || ids.some((id) => !uuid.safeParse(id).success)) {
        ctx.addIssue({ code: 'custom', message: `Must be one label id or up to ${LABELS_PER_TODO}, separated by commas.` });
        return z.NEVER;
      }
      return [...new Set(ids)];
    })
    .optional()
    .openapi({
      param: { name: 'label_id', in: 'query' },
      type: 'string',
      maxLength: 20 * 37,
      description: `Only todos with any of these labels: one label id or up to ${LABELS_PER_TODO}, separated by commas.`,
    }),
  sort: z
    .enum(SORTS, { error: `Must be one of ${SORTS.join(', ')}.` })
    .optional()
    .openapi({
      param: { name: 'sort', in: 'query' },
      default: '-created_at',
      description:
        'Order: a field, ascending, or `-field`, descending; ties are broken by `id` in the same direction. Default `-created_at` (newest first). Todos with no `due_at` come last in `due_at` and first in `-due_at`. Priority order is none < low < medium < high < urgent. `position` is the manual order: use it with `list_id` (served by an index) and `parent_id` (`none` for a list\'s top-level todos, or a parent\'s id for its subtasks); todos of different parents interleave by key.',
      example: '-created_at',
    }),
});

export { CreateHeadersSchema, IfNoneMatchHeaderSchema } from '../../lib/request-schemas.js';

export const ConditionalWriteHeadersSchema = conditionalWriteHeaders('todo');
