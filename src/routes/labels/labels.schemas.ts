import { z } from '@hono/zod-openapi';
import { ColorSchema, nameSchema } from '../../lib/field-schemas.js';
import { PAGE_QUERY, conditionalWriteHeaders } from '../../lib/request-schemas.js';

// The label contract, written by hand: it changes only when someone means to change it.
// The headers and paging parameters are every resource's (src/lib/request-schemas.ts).

export { CreateHeadersSchema, IfNoneMatchHeaderSchema } from '../../lib/request-schemas.js';

const EXAMPLE = {
  id: '019a8f30-1b2c-7d4e-8f5a-6b7c8d9e0f1a',
  name: 'Work',
  color: '#1e90ff',
  created_at: '2026-11-22T09:30:00.000Z',
  updated_at: '2026-11-22T09:30:00.000Z',
  version: 1,
};

const NameSchema = nameSchema({
  max: 64,
  description:
    'The label\'s name: 1 to 64 characters (Unicode code points) after leading and trailing white space is trimmed; stored trimmed. Unique per user ignoring case: a second `work` next to `Work` is a 409 `label_exists`.',
  example: EXAMPLE.name,
});

const timestamp = (description: string, example: string) =>
  z.string().max(32).openapi({ format: 'date-time', description: `${description} RFC 3339, UTC, with \`Z\`.`, example });

export const LabelSchema = z
  .object({
    id: z.uuid().openapi({ maxLength: 36, description: 'Assigned by the service: a UUIDv7, so ids sort by creation.', example: EXAMPLE.id }),
    name: z.string().max(64).openapi({ description: 'The name (trimmed), unique per user ignoring case.', example: EXAMPLE.name }),
    color: z.string().max(7).nullable().openapi({ description: 'A colour as `#rrggbb` in lower case, or `null`.', example: EXAMPLE.color }),
    created_at: timestamp('When it was created. Read-only.', EXAMPLE.created_at),
    updated_at: timestamp('When it last changed. Read-only.', EXAMPLE.updated_at),
    version: z.number().int().min(1).max(2_147_483_647).openapi({
      format: 'int32', description: 'Starts at 1 and grows by one with every change; the `ETag` is derived from it. Read-only.', example: EXAMPLE.version }),
  })
  .openapi('Label', { description: 'A label. It belongs to the user who created it and is visible to no one else.', example: EXAMPLE });

export const LabelCreateSchema = z
  .strictObject({
    name: NameSchema,
    color: ColorSchema.optional().openapi({ description: 'Default `null`. A colour as `#rrggbb`, in either case (stored in lower case).' }),
  })
  .openapi('LabelCreate', {
    description: 'A new label. Only `name` is required. Any other field, including the read-only `id`, `created_at`, `updated_at` and `version`, is a 422.',
    example: { name: 'Work', color: '#1E90FF' },
  });

export const LabelPatchSchema = z
  .strictObject({
    name: NameSchema.optional(),
    color: ColorSchema.optional(),
  })
  .openapi('LabelPatch', {
    description:
      'A JSON Merge Patch (RFC 7396): a field left out is unchanged; `null` clears `color` (it is a 422 for `name`). Read-only and unknown fields are a 422. A patch that changes nothing does not change `version`. A rename changes this label only: todos refer to it by id.',
    example: { name: 'Office', color: null },
  });

export const LabelListSchema = z
  .object({
    data: z.array(LabelSchema).max(100).openapi({ description: 'One page of labels, by name ignoring case, ties by id.' }),
    next_cursor: z.string().max(1024).nullable().openapi({
      description: 'Pass as `cursor` to get the next page; `null` on the last page.',
      example: 'WyJ3b3JrIiwiMDE5YThmMzAtMWIyYy03ZDRlLThmNWEtNmI3YzhkOWUwZjFhIl0.c2ln',
    }),
  })
  .openapi('LabelList', { description: 'A page of labels.' });

export const LabelIdParamsSchema = z.object({
  id: z.uuid().openapi({
    param: { name: 'id', in: 'path' },
    maxLength: 36,
    description: "The label's id. A label of another user is a 404, exactly like one that does not exist.",
    example: EXAMPLE.id,
  }),
});

export const ListLabelsQuerySchema = z.strictObject({ ...PAGE_QUERY });

export const ConditionalWriteHeadersSchema = conditionalWriteHeaders('label');
