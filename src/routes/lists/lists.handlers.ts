import type { z } from '@hono/zod-openapi';
import { etagOf, ifMatchVersions, noneMatchHits } from '../../lib/etag.js';
import { setNextLink } from '../../lib/next-link.js';
import type { AppRouteHandler } from '../../lib/types.js';
import * as lists from '../../services/list-service.js';
import type { CreateRoute, GetRoute, ListRoute, MoveRoute, PatchRoute, RemoveRoute } from './lists.routes.js';
import type { ListSchema } from './lists.schemas.js';

/** The explicit mapping from the model to the contract's List; the change feed maps its objects with it too. */
export function toList(list: lists.ListRow): z.infer<typeof ListSchema> {
  return {
    id: list.id,
    name: list.name,
    color: list.color,
    position: list.position,
    is_default: list.is_default,
    archived: list.archived,
    todo_count: list.todo_count,
    open_todo_count: list.open_todo_count,
    created_at: list.created_at.toISOString(),
    updated_at: list.updated_at.toISOString(),
    version: list.version,
  };
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const page = await lists.listLists(c.get('user').id, c.req.valid('query'));
  setNextLink(c, page.nextCursor);
  return c.json({ data: page.lists.map(toList), next_cursor: page.nextCursor }, 200);
};

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  const list = await lists.createList(c.get('user').id, c.req.valid('json'), c.get('deps').config.limitListsPerUser);
  c.header('Location', `/v1/lists/${list.id}`);
  c.header('ETag', etagOf(list.version));
  return c.json(toList(list), 201);
};

export const get: AppRouteHandler<GetRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const list = await lists.getList(c.get('user').id, id);
  const etag = etagOf(list.version);
  c.header('ETag', etag);
  if (noneMatchHits(c.req.valid('header')['if-none-match'], etag)) return c.body(null, 304);
  return c.json(toList(list), 200);
};

export const patch: AppRouteHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const expected = ifMatchVersions(c.req.valid('header')['if-match']);
  const list = await lists.updateList(c.get('user').id, id, c.req.valid('json'), expected);
  c.header('ETag', etagOf(list.version));
  return c.json(toList(list), 200);
};

export const remove: AppRouteHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid('param');
  await lists.deleteList(c.get('user').id, id, ifMatchVersions(c.req.valid('header')['if-match']));
  return c.body(null, 204);
};

export const move: AppRouteHandler<MoveRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const expected = ifMatchVersions(c.req.valid('header')['if-match']);
  const list = await lists.moveList(c.get('user').id, id, c.req.valid('json'), expected);
  c.header('ETag', etagOf(list.version));
  return c.json(toList(list), 200);
};
