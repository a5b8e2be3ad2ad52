import { createRoute } from '@hono/zod-openapi';
import { problemResponses } from '../../lib/openapi.js';
import { REQUEST_ID_HEADER, stringHeader } from '../../lib/openapi-headers.js';
import { DocsAssetParamsSchema, HtmlSchema, IfNoneMatchHeaderSchema, OpenAPIDocumentSchema, ProblemPageParamsSchema, TextFileSchema } from './meta.schemas.js';

const tags = ['Operations'];
const headers = { 'X-Request-Id': REQUEST_ID_HEADER };
const DOCUMENT_EXAMPLE = { openapi: '3.1.0', info: { title: 'Todo API', version: '1.0.0' }, paths: {} };

/** The headers of a file that carries a content ETag, on its 200 and its 304. */
const cached = (cacheControl: string) => ({
  ...headers,
  ETag: stringHeader('A strong entity tag of the content (a SHA-256): send it back in `If-None-Match` to get a 304 instead of the file while it is unchanged.', { maxLength: 64, example: '"n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg"' }),
  'Cache-Control': stringHeader(`\`${cacheControl}\`.`, { maxLength: 64, example: cacheControl }),
});

const notModified = (cacheControl: string) => ({
  description: 'Not modified: `If-None-Match` holds the current `ETag`. No body.',
  headers: cached(cacheControl),
});

const badHeader = (path: string) =>
  problemResponses(['validation_failed'], {
    path,
    examples: { validation_failed: { detail: 'One or more fields are invalid; see errors.', errors: [{ path: 'header.if-none-match', message: 'Too big: expected string to have <=1024 characters' }] } },
  });

export const openapiJson = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenAPIJson',
  tags,
  summary: 'The OpenAPI document (JSON)',
  description: 'This document, as JSON. It is the same document the repository commits at `openapi/openapi.yaml`.',
  request: { headers: IfNoneMatchHeaderSchema },
  responses: {
    200: { description: 'The OpenAPI 3.1 document.', headers: cached('no-cache'), content: { 'application/json': { schema: OpenAPIDocumentSchema, example: DOCUMENT_EXAMPLE } } },
    304: notModified('no-cache'),
    ...badHeader('/openapi.json'),
    ...problemResponses(['internal_error'], { path: '/openapi.json' }),
  },
});

export const openapiYaml = createRoute({
  method: 'get',
  path: '/openapi.yaml',
  operationId: 'getOpenAPIYaml',
  tags,
  summary: 'The OpenAPI document (YAML)',
  description: 'This document, as YAML: byte for byte the file the repository commits at `openapi/openapi.yaml`.',
  request: { headers: IfNoneMatchHeaderSchema },
  responses: {
    200: { description: 'The OpenAPI 3.1 document.', headers: cached('no-cache'), content: { 'application/yaml': { schema: TextFileSchema, example: "openapi: 3.1.0\ninfo:\n  title: Todo API\n  version: 1.0.0\npaths: {}\n" } } },
    304: notModified('no-cache'),
    ...badHeader('/openapi.yaml'),
    ...problemResponses(['internal_error'], { path: '/openapi.yaml' }),
  },
});

export const docs = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getDocs',
  tags,
  summary: 'API reference (Swagger UI)',
  description: 'Swagger UI for this document. Its scripts and styles are served by the service itself, so it works with no internet access.',
  responses: {
    200: { description: 'The Swagger UI page.', headers, content: { 'text/html': { schema: HtmlSchema, example: '<!doctype html><html lang="en"><head><title>Todo API</title></head><body><div id="swagger-ui"></div></body></html>' } } },
    ...problemResponses(['internal_error'], { path: '/docs' }),
  },
});

export const docsAsset = createRoute({
  method: 'get',
  path: '/docs/{asset}',
  operationId: 'getDocsAsset',
  tags,
  summary: 'A Swagger UI file',
  description: 'The scripts, styles and icon of the Swagger UI page, from the `swagger-ui-dist` package.',
  request: { params: DocsAssetParamsSchema, headers: IfNoneMatchHeaderSchema },
  responses: {
    200: {
      description: 'The file.',
      headers: cached('public, max-age=86400'),
      content: {
        'text/css': { schema: TextFileSchema, example: '.swagger-ui .info { margin: 50px 0; }' },
        'text/javascript': { schema: TextFileSchema, example: 'window.onload = () => { window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" }); };' },
        'image/png': { schema: TextFileSchema.openapi({ format: 'binary' }) },
      },
    },
    304: notModified('public, max-age=86400'),
    ...badHeader('/docs/{asset}'),
    ...problemResponses(['not_found', 'internal_error'], { path: '/docs/{asset}', examples: { not_found: { detail: 'There is no docs file "swagger-ui.css.map".' } } }),
  },
});

export const problemPage = createRoute({
  method: 'get',
  path: '/problems/{slug}',
  operationId: 'getProblemType',
  tags,
  summary: 'Documentation of a problem type',
  description: 'The page that a problem `type` URI resolves to: what the problem means and when it happens.',
  request: { params: ProblemPageParamsSchema },
  responses: {
    200: {
      description: 'The page.',
      headers,
      content: { 'text/html': { schema: HtmlSchema, example: '<!doctype html><html lang="en"><head><title>Request validation failed</title></head><body><h1>Request validation failed</h1><p>422 <code>validation_failed</code></p></body></html>' } },
    },
    ...problemResponses(['not_found', 'internal_error'], { path: '/problems/{slug}', examples: { not_found: { detail: 'There is no problem type "no-such-problem".' } } }),
  },
});

export type OpenapiJsonRoute = typeof openapiJson;
export type OpenapiYamlRoute = typeof openapiYaml;
export type DocsRoute = typeof docs;
export type DocsAssetRoute = typeof docsAsset;
export type ProblemPageRoute = typeof problemPage;
