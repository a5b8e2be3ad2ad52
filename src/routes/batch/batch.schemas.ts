import { z } from '@hono/zod-openapi';
import { CreateHeadersSchema } from '../../lib/request-schemas.js';
import { BATCH_MAX_OPERATIONS, REF_NAME, REF_USE, referenceIssues, type Kind } from '../../services/batch-service.js';
import { LABELS_PER_TODO } from '../../services/user-service.js';
import { LabelCreateSchema, LabelPatchSchema, LabelSchema } from '../labels/labels.schemas.js';
import { ListCreateSchema, ListMoveSchema, ListPatchSchema, ListSchema } from '../lists/lists.schemas.js';
import { TodoCreateSchema, TodoMoveSchema, TodoPatchSchema, TodoSchema } from '../todos/todos.schemas.js';

// The batch contract, written by hand. Each operation's `data` is the single operation's body
// schema (todos.schemas.ts, lists.schemas.ts, labels.schemas.ts), where every field that takes
// an id also takes a reference (`@name`) to an object an earlier operation of the batch creates.

export { CreateHeadersSchema };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_OR_REF_MESSAGE = 'Must be an id (a UUID such as 019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f) or a reference to an earlier operation of this batch (@ and its ref).';

const EXAMPLE_ID = '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f';

/** An id as the single operation takes it (in lower case), or `@name`: the object an earlier create of the batch named `name`. */
function idOrRef(what: string, example: string = EXAMPLE_ID) {
  return z
    .string()
    .max(41, ID_OR_REF_MESSAGE)
    .refine((s) => UUID.test(s) || REF_USE.test(s), ID_OR_REF_MESSAGE)
    .transform((s) => (UUID.test(s) ? s.toLowerCase() : s))
    .openapi({
      type: 'string',
      maxLength: 41,
      pattern: `^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|${REF_USE.source.slice(1, -1)})$`,
      description: `${what} As in the single operation, or \`@name\`: the object an earlier \`create\` of this batch named \`name\` in its \`ref\` (it must be of the kind this field takes).`,
      example,
    });
}

const TodoLabelIds = z
  .array(idOrRef('A label id.'))
  .refine((ids) => ids.length <= LABELS_PER_TODO, { message: `At most ${LABELS_PER_TODO} labels on one todo.`, abort: true })
  .refine((ids) => new Set(ids).size === ids.length, 'Each label at most once.')
  .openapi({
    maxItems: LABELS_PER_TODO,
    uniqueItems: true,
    description: `The caller's labels (ids, or \`@name\` of labels created earlier in the batch), at most ${LABELS_PER_TODO}, each once; kept in this order.`,
  });

const todoPlace = {
  list_id: idOrRef("A list: one of the caller's lists, or a list created earlier in the batch.", '@trip').optional(),
  parent_id: idOrRef("A parent: one of the caller's todos, or a todo created earlier in the batch; `null` for a top-level todo.", '@pack')
    .nullable()
    .optional()
    .openapi({ type: ['string', 'null'] }),
};

export const BatchTodoCreateSchema = z.strictObject({ ...TodoCreateSchema.shape, ...todoPlace, label_ids: TodoLabelIds.optional() }).openapi('BatchTodoCreate', {
  description: 'The body of `POST /v1/todos` (TodoCreate), where `list_id`, `parent_id` and each of `label_ids` may also be a `@name` reference.',
  example: { title: 'Pack the tent', list_id: '@trip' },
});

export const BatchTodoPatchSchema = z.strictObject({ ...TodoPatchSchema.shape, ...todoPlace, label_ids: TodoLabelIds.optional() }).openapi('BatchTodoPatch', {
  description: 'The body of `PATCH /v1/todos/{id}` (TodoPatch, a JSON Merge Patch), where `list_id`, `parent_id` and each of `label_ids` may also be a `@name` reference.',
  example: { completed: true },
});

// A fresh object, not .extend(): the spec would render that as allOf with TodoMove, whose uuid fields refuse `@name`.
const ONE_NEIGHBOUR = { message: 'Send before_id or after_id, not both.', path: ['after_id'] };

export const BatchTodoMoveSchema = z
  .strictObject({
    ...TodoMoveSchema.shape,
    ...todoPlace,
    before_id: idOrRef('Put it just before this todo.').optional(),
    after_id: idOrRef('Put it just after this todo.').optional(),
  })
  .refine((m) => m.before_id === undefined || m.after_id === undefined, ONE_NEIGHBOUR)
  .openapi('BatchTodoMove', {
  description: 'The body of `POST /v1/todos/{id}/move` (TodoMove), where `list_id`, `parent_id`, `before_id` and `after_id` may also be a `@name` reference.',
  example: { before_id: '@pack' },
});

export const BatchListMoveSchema = z
  .strictObject({
    ...ListMoveSchema.shape,
    before_id: idOrRef('Put the list just before this list.').optional(),
    after_id: idOrRef('Put the list just after this list.').optional(),
  })
  .refine((m) => m.before_id === undefined || m.after_id === undefined, ONE_NEIGHBOUR)
  .openapi('BatchListMove', {
  description: 'The body of `POST /v1/lists/{id}/move` (ListMove), where `before_id` and `after_id` may also be a `@name` reference.',
  example: { after_id: '@trip' },
});

const refName = z
  .string()
  .regex(REF_NAME, 'Must be 1 to 40 letters, digits, _ or -, starting with a letter.')
  .optional()
  .openapi({
    maxLength: 40,
    description: 'A name for the object this operation creates, unique in the batch: later operations refer to it as `@name` wherever they take an id of its kind. 1 to 40 letters, digits, `_` or `-`, starting with a letter.',
    example: 'trip',
  });

const ifMatch = z
  .string()
  .max(1024)
  .optional()
  .openapi({
    description:
      'Only run this operation if the object is still at this `ETag`, quoted as it was received (`"3"`), or `*`: exactly what the single operation\'s `If-Match` header does. A stale tag is a 412 and the whole batch changes nothing; an unquoted one (`3`) is a 400 `invalid_if_match`.',
    example: '"1"',
  });

const targetId = (kind: string) => idOrRef(`The ${kind} to act on: one of the caller's ${kind}s (another user's is a 404, like one that does not exist), or a ${kind} created earlier in the batch.`);


const literal = <T extends string>(value: T, description: string) => z.literal(value).openapi({ description, example: value });

const create = <D extends z.ZodType>(type: Kind, data: D, single: string) =>
  z
    .strictObject({ op: literal('create', 'Create an object.'), type: literal(type, 'What kind of object.'), ref: refName, data })
    .openapi(`Create${capital(type)}Operation`, { description: `Creates a ${type}, like \`${single}\` (answers 201).` });

const update = <D extends z.ZodType>(type: Kind, data: D, single: string) =>
  z
    .strictObject({ op: literal('update', 'Change an object.'), type: literal(type, 'What kind of object.'), id: targetId(type), data, if_match: ifMatch })
    .openapi(`Update${capital(type)}Operation`, { description: `Changes a ${type} with a merge patch, like \`${single}\` (answers 200).` });

const remove = (type: Kind, single: string) =>
  z
    .strictObject({ op: literal('delete', 'Delete an object.'), type: literal(type, 'What kind of object.'), id: targetId(type), if_match: ifMatch })
    .openapi(`Delete${capital(type)}Operation`, { description: `Deletes a ${type}, like \`${single}\` (answers 204; no \`data\`).` });

const move = <D extends z.ZodType>(type: Kind, data: D, single: string) =>
  z
    .strictObject({ op: literal('move', 'Move an object.'), type: literal(type, 'What kind of object.'), id: targetId(type), data, if_match: ifMatch })
    .openapi(`Move${capital(type)}Operation`, { description: `Moves a ${type}, like \`${single}\` (answers 200).` });

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const opError = (type: Kind, ops: string) => ({ error: `A ${type} operation is one of ${ops}.` });

const TODO_OPERATIONS = {
  create: create('todo', BatchTodoCreateSchema, 'POST /v1/todos'),
  update: update('todo', BatchTodoPatchSchema, 'PATCH /v1/todos/{id}'),
  delete: remove('todo', 'DELETE /v1/todos/{id}'),
  move: move('todo', BatchTodoMoveSchema, 'POST /v1/todos/{id}/move'),
};
const LIST_OPERATIONS = {
  create: create('list', ListCreateSchema, 'POST /v1/lists'),
  update: update('list', ListPatchSchema, 'PATCH /v1/lists/{id}'),
  delete: remove('list', 'DELETE /v1/lists/{id}'),
  move: move('list', BatchListMoveSchema, 'POST /v1/lists/{id}/move'),
};
const LABEL_OPERATIONS = {
  create: create('label', LabelCreateSchema, 'POST /v1/labels'),
  update: update('label', LabelPatchSchema, 'PATCH /v1/labels/{id}'),
  delete: remove('label', 'DELETE /v1/labels/{id}'),
};

/** Each operation's schema, by type and op: the validation hook reads from it which fields an operation and its `data` take. */
export const OPERATION_SCHEMAS: Record<Kind, Partial<Record<string, z.ZodObject>>> = { todo: TODO_OPERATIONS, list: LIST_OPERATIONS, label: LABEL_OPERATIONS };

export const BatchOperationSchema = z
  .discriminatedUnion(
    'type',
    [
      z.discriminatedUnion('op', [TODO_OPERATIONS.create, TODO_OPERATIONS.update, TODO_OPERATIONS.delete, TODO_OPERATIONS.move], opError('todo', 'create, update, delete or move')),
      z.discriminatedUnion('op', [LIST_OPERATIONS.create, LIST_OPERATIONS.update, LIST_OPERATIONS.delete, LIST_OPERATIONS.move], opError('list', 'create, update, delete or move')),
      z.discriminatedUnion('op', [LABEL_OPERATIONS.create, LABEL_OPERATIONS.update, LABEL_OPERATIONS.delete], opError('label', 'create, update or delete (labels have no order, so no move)')),
    ],
    { error: 'Must be todo, list or label.' },
  )
  .openapi('BatchOperation', {
    description:
      'One operation: `op` (`create`, `update`, `delete`, or `move` for todos and lists) on a `type` (`todo`, `list`, `label`). `data` is the body the single operation takes, `id` the object it acts on, `if_match` its `If-Match`; a create may name its object in `ref`. A field the combination does not take (`data` on a delete, `id` or `if_match` on a create, `ref` on anything but a create) is a 422.',
  });

export const BatchRequestSchema = z
  .strictObject({
    operations: z
      .array(BatchOperationSchema)
      .min(1, 'Send at least one operation.')
      .max(BATCH_MAX_OPERATIONS, `At most ${BATCH_MAX_OPERATIONS} operations in one batch.`)
      .openapi({ description: `The operations, 1 to ${BATCH_MAX_OPERATIONS}, run in this order.` }),
  })
  .superRefine((batch, ctx) => {
    for (const issue of referenceIssues(batch.operations)) ctx.addIssue({ code: 'custom', ...issue });
  })
  .openapi('BatchRequest', {
    description: 'Operations to run in order, in one transaction: all of them take effect, or none does.',
    example: {
      operations: [
        { op: 'create', type: 'list', ref: 'trip', data: { name: 'Trip' } },
        { op: 'create', type: 'todo', ref: 'pack', data: { title: 'Pack', list_id: '@trip' } },
        { op: 'create', type: 'todo', data: { title: 'Tent', parent_id: '@pack' } },
        { op: 'update', type: 'todo', id: EXAMPLE_ID, if_match: '"3"', data: { completed: true } },
      ],
    },
  });

export const BatchResultSchema = z
  .object({
    status: z.union([z.literal(200), z.literal(201), z.literal(204)]).openapi({
      type: 'integer',
      format: 'int32',
      minimum: 200,
      maximum: 204,
      enum: [200, 201, 204],
      description: 'What the single operation answers: 201 for a create, 200 for an update or move, 204 for a delete.',
      example: 201,
    }),
    data: z
      .union([TodoSchema, ListSchema, LabelSchema, z.null()])
      .openapi({ description: "The object as the single operation returns it (a Todo, List or Label, by the operation's `type`), or `null` for a delete." }),
    etag: z.string().max(16).nullable().openapi({ description: 'The object\'s `ETag` after the operation (`"<version>"`), for `If-Match` later; `null` for a delete.', example: '"1"' }),
  })
  .openapi('BatchResult', { description: 'What one operation did.' });

export const BatchResponseSchema = z
  .object({
    results: z.array(BatchResultSchema).max(BATCH_MAX_OPERATIONS).openapi({ description: 'One result per operation, in the order of the operations.' }),
  })
  .openapi('BatchResponse', { description: 'Every operation took effect: their results, in order.' });
