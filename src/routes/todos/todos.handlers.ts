import type { z } from '@hono/zod-openapi';
import { etagOf, ifMatchVersions, noneMatchHits } from '../../lib/etag.js';
import { setNextLink } from '../../lib/next-link.js';
import type { AppRouteHandler } from '../../lib/types.js';
import * as todos from '../../services/todo-service.js';
import type { CreateRoute, GetRoute, ListRoute, MoveRoute, PatchRoute, RemoveRoute } from './todos.routes.js';
import type { TodoSchema } from './todos.schemas.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The explicit mapping from the model to the contract's Todo; the change feed maps its objects with it too. */
export function toTodo(todo: todos.TodoRow): z.infer<typeof TodoSchema> {
  return {
    id: todo.id,
    title: todo.title,
    description: todo.description,
    completed: todo.completed,
    completed_at: iso(todo.completed_at),
    due_at: iso(todo.due_at),
    priority: todos.priorityName(todo.priority),
    list_id: todo.list_id,
    parent_id: todo.parent_id,
    position: todo.position,
    label_ids: todo.label_ids,
    subtask_count: todo.subtask_count,
    open_subtask_count: todo.open_subtask_count,
    created_at: todo.created_at.toISOString(),
    updated_at: todo.updated_at.toISOString(),
    version: todo.version,
  };
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const query = c.req.valid('query');
  const page = await todos.listTodos(c.get('user').id, query, { searchTimeoutMs: c.get('deps').config.dbSearchStatementTimeoutMs });
  setNextLink(c, page.nextCursor);
  return c.json({ data: page.todos.map(toTodo), next_cursor: page.nextCursor }, 200);
};

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  const todo = await todos.createTodo(c.get('user').id, c.req.valid('json'), c.get('deps').config.limitTodosPerUser);
  c.header('Location', `/v1/todos/${todo.id}`);
  c.header('ETag', etagOf(todo.version));
  return c.json(toTodo(todo), 201);
};

export const get: AppRouteHandler<GetRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const todo = await todos.getTodo(c.get('user').id, id);
  const etag = etagOf(todo.version);
  c.header('ETag', etag);
  if (noneMatchHits(c.req.valid('header')['if-none-match'], etag)) return c.body(null, 304);
  return c.json(toTodo(todo), 200);
};

export const patch: AppRouteHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const expected = ifMatchVersions(c.req.valid('header')['if-match']);
  const todo = await todos.updateTodo(c.get('user').id, id, c.req.valid('json'), expected);
  c.header('ETag', etagOf(todo.version));
  return c.json(toTodo(todo), 200);
};

export const remove: AppRouteHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid('param');
  await todos.deleteTodo(c.get('user').id, id, ifMatchVersions(c.req.valid('header')['if-match']));
  return c.body(null, 204);
};

export const move: AppRouteHandler<MoveRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const expected = ifMatchVersions(c.req.valid('header')['if-match']);
  const todo = await todos.moveTodo(c.get('user').id, id, c.req.valid('json'), expected);
  c.header('ETag', etagOf(todo.version));
  return c.json(toTodo(todo), 200);
};
