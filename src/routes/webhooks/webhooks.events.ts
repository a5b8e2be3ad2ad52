import type { z } from '@hono/zod-openapi';
import type { LabelRow, ListRow, TodoRow, WebhookPublicRow } from '../../db/models/index.js';
import type { AppOpenAPI } from '../../lib/types.js';
import type { OutboxEvent } from '../../services/webhook-worker.js';
import { toLabel } from '../labels/labels.handlers.js';
import { toList } from '../lists/lists.handlers.js';
import { toTodo } from '../todos/todos.handlers.js';
import { toWebhook } from './webhooks.handlers.js';
import { EVENT_TYPES, LabelEventSchema, ListEventSchema, TestEventSchema, TodoEventSchema } from './webhooks.schemas.js';

// The events' bodies: the outbox's rows (JSON of the table's row, as the triggers stored it)
// mapped by each resource's own mapping, so an event's `object` is exactly what a GET returns.

const TIMESTAMPS = new Set(['created_at', 'updated_at', 'completed_at', 'due_at', 'previous_secret_expires_at', 'failing_since']);

/** A row as to_jsonb printed it, with its timestamps back as Dates. */
function rowOf<T>(json: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, TIMESTAMPS.has(k) && typeof v === 'string' ? new Date(v) : v])) as T;
}

type Mapped = Record<string, unknown>;
const MAPPINGS: Record<OutboxEvent['object_type'], (row: Record<string, unknown>) => Mapped> = {
  todo: (row) => toTodo(rowOf<TodoRow>(row)),
  list: (row) => toList(rowOf<ListRow>(row)),
  label: (row) => toLabel(rowOf<LabelRow>(row)),
  webhook: (row) => toWebhook(rowOf<WebhookPublicRow>(row)),
};

/** The earlier values of the fields that differ. */
function previousAttributes(before: Mapped, after: Mapped): Mapped {
  return Object.fromEntries(Object.entries(before).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(after[key])));
}

/** The JSON body of an event: `{ type, timestamp, data: { object, previous_attributes?, change_seq } }`. */
export function renderEvent(event: OutboxEvent): string {
  const map = MAPPINGS[event.object_type];
  const timestamp = event.created_at.toISOString();
  if (event.object_type === 'webhook') return JSON.stringify({ type: event.type, timestamp, data: { object: map(event.new_row!) } });
  const before = event.old_row ? map(event.old_row) : null;
  const after = event.new_row ? map(event.new_row) : null;
  const data: Mapped = { object: after ?? before };
  if (before && after) data.previous_attributes = previousAttributes(before, after);
  data.change_seq = Number(event.change_seq);
  return JSON.stringify({ type: event.type, timestamp, data });
}

type EventSchema = typeof TodoEventSchema | typeof ListEventSchema | typeof LabelEventSchema | typeof TestEventSchema;

const SUMMARIES: Record<(typeof EVENT_TYPES)[number] | 'webhook.test', string> = {
  'todo.created': 'A todo was created.',
  'todo.updated': 'A todo changed (not its completion, list, parent or position): its title, description, due date, priority or labels; also when a label it had was deleted.',
  'todo.completed': 'A todo was completed (with any other change made with it).',
  'todo.uncompleted': 'A completed todo was reopened (with any other change made with it).',
  'todo.moved': 'A todo changed list, parent or position (with its parent, when the parent moved to another list; also when the service renumbered a crowded place).',
  'todo.deleted': 'A todo was deleted: by you, or with its list or its parent.',
  'list.created': 'A list was created.',
  'list.updated': 'A list was renamed, recoloured, archived, unarchived or moved (its todo counts alone send nothing).',
  'list.deleted': 'A list was deleted (each of its todos sends todo.deleted).',
  'label.created': 'A label was created.',
  'label.updated': 'A label was renamed or recoloured.',
  'label.deleted': 'A label was deleted (each todo that had it sends todo.updated).',
  'webhook.test': 'Sent by POST /v1/webhooks/{id}/test to that endpoint only.',
};

const schemaOf = (type: string): EventSchema =>
  type === 'webhook.test' ? TestEventSchema : type.startsWith('todo.') ? TodoEventSchema : type.startsWith('list.') ? ListEventSchema : type.startsWith('label.') ? LabelEventSchema : TestEventSchema;

/** The spec's top-level `webhooks`: one entry per event type, its body and the answer expected. */
export function registerWebhookEvents(app: AppOpenAPI): void {
  for (const type of [...EVENT_TYPES, 'webhook.test'] as const) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `on${type.replace(/(^|\.)(\w)/g, (_, __: string, c: string) => c.toUpperCase())}`,
      tags: ['Webhooks'],
      summary: SUMMARIES[type],
      description: 'Signed, delivered and retried as `POST /v1/webhooks` (createWebhook) describes: verify `webhook-signature` on the raw body, answer 2xx within 10 s, drop duplicates by `webhook-id`.',
      request: { body: { required: true, content: { 'application/json': { schema: schemaOf(type) as z.ZodType } } } },
      responses: { 200: { description: 'Any 2xx acknowledges the event; anything else (or no answer within 10 s) is a failure, retried.' } },
    });
  }
}
