import type { z } from '@hono/zod-openapi';
import type { Env } from '../../env.js';
import type { AppRouteHandler, AuthUser } from '../../lib/types.js';
import * as account from '../../services/account-service.js';
import { eraseUser, getMe, limitsOf } from '../../services/user-service.js';
import { toLabel } from '../labels/labels.handlers.js';
import { toList } from '../lists/lists.handlers.js';
import { toTodo } from '../todos/todos.handlers.js';
import { toWebhook } from '../webhooks/webhooks.handlers.js';
import type { DeleteMeRoute, ExportMeRoute, MeRoute } from './me.routes.js';
import type { MeSchema } from './me.schemas.js';

/** The caller as GET /v1/me (and the export's `user`) returns them. */
async function currentUser(user: AuthUser, config: Env): Promise<z.infer<typeof MeSchema>> {
  const me = await getMe(user);
  const limits = limitsOf(config);
  return {
    id: me.id,
    email: me.email,
    created_at: me.createdAt.toISOString(),
    limits: {
      todos: limits.todos,
      lists: limits.lists,
      labels: limits.labels,
      webhooks: limits.webhooks,
      labels_per_todo: limits.labelsPerTodo,
      subtask_depth: limits.subtaskDepth,
    },
    usage: { todos: me.usage.todos, lists: me.usage.lists, labels: me.usage.labels, webhooks: me.usage.webhooks },
  };
}

export const me: AppRouteHandler<MeRoute> = async (c) => {
  const body = await currentUser(c.get('user'), c.get('deps').config);
  c.header('Cache-Control', 'private, no-store');
  return c.json(body, 200);
};

// The arrays of the export, in document order: one line per kind of object (a new one also goes
// into AccountExportSchema), each with its table and the mapping its GET uses.
const EXPORT_SECTIONS = [
  account.exportSection('lists', account.LISTS, toList),
  account.exportSection('labels', account.LABELS, toLabel),
  account.exportSection('todos', account.TODOS, toTodo),
  account.exportSection('webhooks', account.WEBHOOKS, toWebhook),
];

export const exportMe: AppRouteHandler<ExportMeRoute> = async (c) => {
  const user = c.get('user');
  const { config } = c.get('deps');
  const stream = await account.startExport(user.id, async () => ({ user: await currentUser(user, config) }), EXPORT_SECTIONS, {
    timeoutMs: config.exportTimeoutMs,
    concurrency: config.exportConcurrency,
  });
  const day = new Date().toISOString().slice(0, 10);
  // The contract's AccountExport, streamed: c.json would need the whole document in memory.
  return c.body(stream, 200, {
    'Content-Type': 'application/json',
    'Content-Disposition': `attachment; filename="todo-api-export-${day}.json"`,
  }) as never;
};

export const deleteMe: AppRouteHandler<DeleteMeRoute> = async (c) => {
  await eraseUser(c.get('user'));
  return c.body(null, 204);
};
