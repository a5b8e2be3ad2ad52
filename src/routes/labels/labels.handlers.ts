import type { z } from '@hono/zod-openapi';
import { etagOf, ifMatchVersions, noneMatchHits } from '../../lib/etag.js';
import { setNextLink } from '../../lib/next-link.js';
import type { AppRouteHandler } from '../../lib/types.js';
import * as labels from '../../services/label-service.js';
import type { CreateRoute, GetRoute, ListRoute, PatchRoute, RemoveRoute } from './labels.routes.js';
import type { LabelSchema } from './labels.schemas.js';

/** The explicit mapping from the model to the contract's Label; the change feed maps its objects with it too. */
export function toLabel(label: labels.LabelRow): z.infer<typeof LabelSchema> {
  return {
    id: label.id,
    name: label.name,
    color: label.color,
    created_at: label.created_at.toISOString(),
    updated_at: label.updated_at.toISOString(),
    version: label.version,
  };
}

export const list: AppRouteHandler<ListRoute> = async (c) => {
  const page = await labels.listLabels(c.get('user').id, c.req.valid('query'));
  setNextLink(c, page.nextCursor);
  return c.json({ data: page.labels.map(toLabel), next_cursor: page.nextCursor }, 200);
};

export const create: AppRouteHandler<CreateRoute> = async (c) => {
  const label = await labels.createLabel(c.get('user').id, c.req.valid('json'), c.get('deps').config.limitLabelsPerUser);
  c.header('Location', `/v1/labels/${label.id}`);
  c.header('ETag', etagOf(label.version));
  return c.json(toLabel(label), 201);
};

export const get: AppRouteHandler<GetRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const label = await labels.getLabel(c.get('user').id, id);
  const etag = etagOf(label.version);
  c.header('ETag', etag);
  if (noneMatchHits(c.req.valid('header')['if-none-match'], etag)) return c.body(null, 304);
  return c.json(toLabel(label), 200);
};

export const patch: AppRouteHandler<PatchRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const expected = ifMatchVersions(c.req.valid('header')['if-match']);
  const label = await labels.updateLabel(c.get('user').id, id, c.req.valid('json'), expected);
  c.header('ETag', etagOf(label.version));
  return c.json(toLabel(label), 200);
};

export const remove: AppRouteHandler<RemoveRoute> = async (c) => {
  const { id } = c.req.valid('param');
  await labels.deleteLabel(c.get('user').id, id, ifMatchVersions(c.req.valid('header')['if-match']));
  return c.body(null, 204);
};
