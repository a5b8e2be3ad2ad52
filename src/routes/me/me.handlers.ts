import type { AppRouteHandler } from '../../lib/types.js';
import { getMe, limitsOf } from '../../services/user-service.js';
import type { MeRoute } from './me.routes.js';

export const me: AppRouteHandler<MeRoute> = async (c) => {
  const user = await getMe(c.get('user'));
  const limits = limitsOf(c.get('deps').config);
  c.header('Cache-Control', 'private, no-store');
  return c.json(
    {
      id: user.id,
      email: user.email,
      created_at: user.createdAt.toISOString(),
      limits: {
        todos: limits.todos,
        lists: limits.lists,
        labels: limits.labels,
        webhooks: limits.webhooks,
        labels_per_todo: limits.labelsPerTodo,
        subtask_depth: limits.subtaskDepth,
      },
      usage: { todos: user.usage.todos, lists: user.usage.lists, labels: user.usage.labels, webhooks: user.usage.webhooks },
    },
    200,
  );
};
