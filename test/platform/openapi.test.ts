import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildApp } from '../../src/app.js';
import { parseEnv } from '../../src/env.js';
import { buildOpenAPIDocument, toYaml } from '../../src/lib/openapi.js';
import { PROBLEM_CODES, problemType } from '../../src/lib/problems.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';

const committedPath = path.resolve(import.meta.dirname, '../../openapi/openapi.yaml');

describe('the committed contract', () => {
  it('is exactly what the routes produce', () => {
    const generated = toYaml(buildOpenAPIDocument(buildApp({ config: parseEnv({}) })));
    const committed = readFileSync(committedPath, 'utf8');
    expect(committed === generated, 'openapi/openapi.yaml is stale: run `npm run openapi` and commit the result').toBe(true);
  });

  it('declares a bearer security scheme and a problem schema with every code', () => {
    const doc = parse(readFileSync(committedPath, 'utf8')) as {
      openapi: string;
      components: { securitySchemes: Record<string, unknown>; schemas: { Problem: { properties: { code: { enum: string[] } } } } };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Problem.properties.code.enum).toEqual(PROBLEM_CODES);
  });
});

describe('documentation routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('/openapi.yaml serves the committed file byte for byte, /openapi.json the same document', async () => {
    const committed = readFileSync(committedPath, 'utf8');
    const yaml = await t.request('/openapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(await yaml.text()).toBe(committed);
    const doc = await t.request('/openapi.json');
    expect(doc.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json(doc)).toEqual(parse(committed));
  });

  it('/docs serves Swagger UI from the service itself, under a policy that allows only its own files', async () => {
    const page = await t.request('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(['/docs/swagger-ui.css', '/docs/favicon-32x32.png', '/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js']);
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of assets) {
      const res = await t.request(asset);
      expect(res.status, asset).toBe(200);
      if (asset.endsWith('.js')) expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      if (asset.endsWith('.css')) expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    }
    expect(await (await t.request('/docs/swagger-initializer.js')).text()).toContain("url: '/openapi.json'");
  });

  it('an unknown docs file is a 404 problem', async () => {
    const res = await t.request('/docs/..%2Fpackage.json');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('every problem type URI resolves to a page that documents it', async () => {
    for (const code of PROBLEM_CODES) {
      const res = await t.request(problemType(code));
      expect(res.status, code).toBe(200);
      expect(await res.text()).toContain(`code: "${code}"`);
    }
    expect((await t.request('/problems/no-such-problem')).status).toBe(404);
  });
});
