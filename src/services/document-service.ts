import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildOpenAPIDocument, toYaml } from '../lib/openapi.js';
import { PROBLEMS, problemCodeFromSlug } from '../lib/problems.js';
import type { AppOpenAPI } from '../lib/types.js';

type OpenAPIDocument = ReturnType<typeof buildOpenAPIDocument>;

/** A strong ETag from the bytes themselves (SHA-256): equal content, equal tag, in every instance and release. */
export function contentEtag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

export interface RenderedDocument {
  document: OpenAPIDocument;
  /** The document as JSON text, as /openapi.json sends it, and its ETag. */
  json: string;
  jsonEtag: string;
  yaml: string;
  yamlEtag: string;
}

/** An app's OpenAPI document, as JSON and YAML, rendered on first use: the same one `npm run openapi` commits. */
export function documentRenderer(app: AppOpenAPI): () => RenderedDocument {
  let rendered: RenderedDocument | undefined;
  return () => {
    if (!rendered) {
      const document = buildOpenAPIDocument(app);
      const json = JSON.stringify(document);
      const yaml = toYaml(document);
      rendered = { document, json, jsonEtag: contentEtag(json), yaml, yamlEtag: contentEtag(yaml) };
    }
    return rendered;
  };
}

const swaggerDist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });
});
`;

// Swagger UI is served from the swagger-ui-dist package, never a CDN, so the docs render offline.
const ASSETS: Record<string, { type: string; read: () => Buffer | string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', read: () => readFileSync(path.join(swaggerDist, 'swagger-ui.css')) },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', read: () => readFileSync(path.join(swaggerDist, 'swagger-ui-bundle.js')) },
  'favicon-32x32.png': { type: 'image/png', read: () => readFileSync(path.join(swaggerDist, 'favicon-32x32.png')) },
  'swagger-initializer.js': { type: 'text/javascript; charset=utf-8', read: () => INITIALIZER },
};

export interface DocsAsset {
  type: string;
  body: Buffer | string;
  etag: string;
}

const assetCache = new Map<string, DocsAsset>();

/** A docs asset by file name (read once, with its ETag), or undefined when there is no such asset. */
export function docsAsset(name: string): DocsAsset | undefined {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return undefined;
  let cached = assetCache.get(name);
  if (!cached) {
    const body = asset.read();
    cached = { type: asset.type, body, etag: contentEtag(body) };
    assetCache.set(name, cached);
  }
  return cached;
}

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Todo API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js" charset="utf-8"></script>
<script src="/docs/swagger-initializer.js" charset="utf-8"></script>
</body>
</html>
`;

export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The page a problem's `type` URI resolves to, or undefined for an unknown problem type. */
export function problemPage(slug: string): string | undefined {
  const code = problemCodeFromSlug(slug);
  if (!code) return undefined;
  const { status, title, description } = PROBLEMS[code];
  const text = description.replace(/`([^`]+)`/g, '<code>$1</code>');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
<h1>${title}</h1>
<p>HTTP status <strong>${status}</strong>, <code>code: "${code}"</code></p>
<p>${text}</p>
<p>Every error of this API is an RFC 9457 problem details object; see the <a href="/docs">API reference</a>.</p>
</body>
</html>
`;
}
