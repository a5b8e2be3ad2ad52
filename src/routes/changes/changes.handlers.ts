import type { z } from '@hono/zod-openapi';
import type { AppRouteHandler } from '../../lib/types.js';
import * as changes from '../../services/change-service.js';
import { toLabel } from '../labels/labels.handlers.js';
import { toList } from '../lists/lists.handlers.js';
import { toTodo } from '../todos/todos.handlers.js';
import type { LatestRoute, ListRoute } from './changes.routes.js';
import type { ChangeSchema } from './changes.schemas.js';

/** The explicit mapping to the contract's Change, each object by its own resource's mapping. */
function toChange(change: changes.FeedChange): z.infer<typeof ChangeSchema> {
  const base = { seq: Number(change.seq), op: change.op, id: change.id, version: change.version, changed_at: change.changedAt.toISOString() };
  if (change.op === 'delete') return { ...base, type: change.type, data: null };
  switch (change.type) {
    case 'todo':
      return { ...base, type: 'todo', data: toTodo(change.object) };
    case 'list':
      return { ...base, type: 'list', data: toList(change.object) };
    case 'label':
      return { ...base, type: 'label', data: toLabel(change.object) };
  }
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const page = await changes.listChanges(c.get('user').id, c.req.valid('query'));
  return c.json({ data: page.changes.map(toChange), next_cursor: page.nextCursor, has_more: page.hasMore }, 200);
};

export const latest: AppRouteHandler<LatestRoute> = async (c) => {
  return c.json({ cursor: await changes.latestCursor(c.get('user').id) }, 200);
};
