import { ApiError } from '../../lib/errors.js';
import { noneMatchHits } from '../../lib/etag.js';
import type { AppRouteHandler } from '../../lib/types.js';
import { DOCS_CSP, DOCS_PAGE, docsAsset as findDocsAsset, problemPage as renderProblemPage } from '../../services/document-service.js';
import type { DocsAssetRoute, DocsRoute, OpenapiJsonRoute, OpenapiYamlRoute, ProblemPageRoute } from './meta.routes.js';

// The documents and the Swagger UI files carry a strong ETag of their content: a client that
// holds the current copy sends If-None-Match and gets a 304 with no body instead of the file.

export const openapiJson: AppRouteHandler<OpenapiJsonRoute> = (c) => {
  const { json, jsonEtag } = c.get('deps').openapi();
  const headers = { ETag: jsonEtag, 'Cache-Control': 'no-cache' };
  if (noneMatchHits(c.req.valid('header')['if-none-match'], jsonEtag)) return c.body(null, 304, headers);
  return c.body(json, 200, { ...headers, 'Content-Type': 'application/json' });
};

export const openapiYaml: AppRouteHandler<OpenapiYamlRoute> = (c) => {
  const { yaml, yamlEtag } = c.get('deps').openapi();
  const headers = { ETag: yamlEtag, 'Cache-Control': 'no-cache' };
  if (noneMatchHits(c.req.valid('header')['if-none-match'], yamlEtag)) return c.body(null, 304, headers);
  return c.body(yaml, 200, { ...headers, 'Content-Type': 'application/yaml; charset=utf-8' });
};

export const docs: AppRouteHandler<DocsRoute> = (c) =>
  c.body(DOCS_PAGE, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DOCS_CSP, 'Cache-Control': 'no-cache' });

export const docsAsset: AppRouteHandler<DocsAssetRoute> = (c) => {
  const { asset } = c.req.valid('param');
  const found = findDocsAsset(asset);
  if (!found) throw new ApiError('not_found', { detail: `There is no docs file "${asset}".` });
  const headers = { ETag: found.etag, 'Cache-Control': 'public, max-age=86400' };
  if (noneMatchHits(c.req.valid('header')['if-none-match'], found.etag)) return c.body(null, 304, headers);
  return c.body(typeof found.body === 'string' ? found.body : new Uint8Array(found.body), 200, { ...headers, 'Content-Type': found.type });
};

export const problemPage: AppRouteHandler<ProblemPageRoute> = (c) => {
  const { slug } = c.req.valid('param');
  const page = renderProblemPage(slug);
  if (!page) throw new ApiError('not_found', { detail: `There is no problem type "${slug}".` });
  return c.body(page, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=86400' });
};
