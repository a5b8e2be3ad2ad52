import { ApiError } from '../../lib/errors.js';
import type { AppRouteHandler } from '../../lib/types.js';
import { DOCS_CSP, DOCS_PAGE, docsAsset as findDocsAsset, problemPage as renderProblemPage } from '../../services/document-service.js';
import type { DocsAssetRoute, DocsRoute, OpenapiJsonRoute, OpenapiYamlRoute, ProblemPageRoute } from './meta.routes.js';

export const openapiJson: AppRouteHandler<OpenapiJsonRoute> = (c) => {
  const { document } = c.get('deps').openapi();
  c.header('Cache-Control', 'no-cache');
  return c.json(document as unknown as Record<string, unknown>, 200);
};

export const openapiYaml: AppRouteHandler<OpenapiYamlRoute> = (c) => {
  const { yaml } = c.get('deps').openapi();
  return c.body(yaml, 200, { 'Content-Type': 'application/yaml; charset=utf-8', 'Cache-Control': 'no-cache' });
};

export const docs: AppRouteHandler<DocsRoute> = (c) =>
  c.body(DOCS_PAGE, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DOCS_CSP, 'Cache-Control': 'no-cache' });

export const docsAsset: AppRouteHandler<DocsAssetRoute> = (c) => {
  const { asset } = c.req.valid('param');
  const found = findDocsAsset(asset);
  if (!found) throw new ApiError('not_found', { detail: `There is no docs file "${asset}".` });
  return c.body(typeof found.body === 'string' ? found.body : new Uint8Array(found.body), 200, {
    'Content-Type': found.type,
    'Cache-Control': 'public, max-age=86400',
  });
};

export const problemPage: AppRouteHandler<ProblemPageRoute> = (c) => {
  const { slug } = c.req.valid('param');
  const page = renderProblemPage(slug);
  if (!page) throw new ApiError('not_found', { detail: `There is no problem type "${slug}".` });
  return c.body(page, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=86400' });
};
