import { parse } from 'yaml';
import { describe, expect, expectStatus, type Group } from '../runner.js';
import type { OpenApiDocument } from '../spec.js';
import { METHODS } from '../spec.js';
import type { Problem } from './types.js';

export const meta: Group = {
  name: 'meta',
  paths: /^\/(health|openapi|docs|problems)/,
  checks: [
    {
      name: 'GET /health/live and /health/ready answer 200',
      async run(ctx) {
        expectStatus(await ctx.request(null, 'GET', '/health/live'), 200);
        expectStatus(await ctx.request(null, 'GET', '/health/ready'), 200);
      },
    },
    {
      name: 'the deployment serves its spec at /openapi.json, with every operation of the spec checked against',
      async run(ctx) {
        const res = await ctx.request(null, 'GET', '/openapi.json');
        expectStatus(res, 200);
        const served = res.body as OpenApiDocument;
        expect(typeof served?.openapi === 'string' && typeof served.paths === 'object', '/openapi.json is not an OpenAPI document');
        const missing = ctx.spec.operations.filter(({ method, template }) => !served.paths[template]?.[method]).map(({ method, template }) => `${method.toUpperCase()} ${template}`);
        expect(missing.length === 0, `the served spec lacks operations of ${ctx.spec.source}: ${missing.join(', ')}`);
        const etag = res.headers.get('etag');
        if (etag) expectStatus(await ctx.request(null, 'GET', '/openapi.json', { headers: { 'if-none-match': etag } }), 304);
      },
    },
    {
      name: 'GET /openapi.yaml is the same document as /openapi.json',
      async run(ctx) {
        const json = await ctx.request(null, 'GET', '/openapi.json');
        const yaml = await ctx.request(null, 'GET', '/openapi.yaml');
        expectStatus(yaml, 200);
        expect(JSON.stringify(parse(yaml.text)) === JSON.stringify(json.body), '/openapi.yaml and /openapi.json differ');
      },
    },
    {
      name: 'the reference pages are served: /docs with its own assets, and the page of a problem type',
      async run(ctx) {
        const docs = await ctx.request(null, 'GET', '/docs');
        expectStatus(docs, 200);
        const assets = [...new Set([...docs.text.matchAll(/["'](?:\.\/|\/docs\/)([\w.-]+\.(?:js|css|png))["']/g)].map((m) => m[1]!))];
        expect(assets.length > 0, '/docs links no script or style of its own (/docs/<file>)');
        for (const asset of assets) expectStatus(await ctx.request(null, 'GET', `/docs/${asset}`), 200);
        expectStatus(await ctx.request(null, 'GET', '/docs/no-such-file.js'), 404, 'not_found');
        const problem = (await ctx.request('a', 'GET', `/v1/todos/not-an-id`)).body as Problem | undefined;
        expect(typeof problem?.type === 'string', 'a 422 problem has no type URI');
        const page = await ctx.request(null, 'GET', new URL(problem.type, ctx.options.baseUrl).pathname);
        expectStatus(page, 200);
        expectStatus(await ctx.request(null, 'GET', '/problems/no-such-problem'), 404);
      },
    },
    {
      name: 'an unknown path is a 404 problem and a method a path does not take is a 405',
      async run(ctx) {
        expectStatus(await ctx.request('a', 'GET', '/v1/no-such-resource'), 404, 'not_found');
        const path = ctx.spec.operations.find((op) => !op.template.includes('{') && op.template.startsWith('/v1/'))?.template ?? '/v1/todos';
        const taken = new Set(ctx.spec.operations.filter((op) => op.template === path).map((op) => op.method));
        const other = METHODS.find((m) => !taken.has(m) && !['head', 'options', 'trace'].includes(m))!;
        expectStatus(await ctx.request('a', other.toUpperCase(), path, { json: {} }), 405, 'method_not_allowed');
      },
    },
  ],
};

export const auth: Group = {
  name: 'auth',
  paths: /^\/v1\/me$/,
  checks: [
    {
      name: 'a /v1 request without a token is a 401 with WWW-Authenticate: Bearer (no error)',
      async run(ctx) {
        const res = await ctx.request(null, 'GET', '/v1/me');
        expectStatus(res, 401, 'unauthorized');
        expect(res.headers.get('www-authenticate') === 'Bearer', `WWW-Authenticate is ${res.headers.get('www-authenticate')}, expected "Bearer"`);
        expectStatus(await ctx.request(null, 'GET', '/v1/no-such-resource'), 401, 'unauthorized');
      },
    },
    {
      name: 'a token that cannot be trusted is a 401 with error="invalid_token"',
      async run(ctx) {
        for (const token of ['not-a-jwt', `${ctx.options.tokenA.slice(0, -4)}AAAA`]) {
          const res = await ctx.api.request('GET', '/v1/me', { token });
          expectStatus(res, 401, 'unauthorized');
          expect(/error="invalid_token"/.test(res.headers.get('www-authenticate') ?? ''), `WWW-Authenticate is ${res.headers.get('www-authenticate')}, expected Bearer error="invalid_token"`);
        }
      },
    },
    {
      name: 'GET /v1/me answers the caller, private and not cached, and the two tokens are two different users',
      async run(ctx) {
        const a = await ctx.request('a', 'GET', '/v1/me');
        const b = await ctx.request('b', 'GET', '/v1/me');
        expectStatus(a, 200);
        expectStatus(b, 200);
        const cache = a.headers.get('cache-control') ?? '';
        expect(/private/.test(cache) && /no-store/.test(cache), `Cache-Control is "${cache}", expected private, no-store`);
        const idA = (a.body as { id: string }).id;
        const idB = (b.body as { id: string }).id;
        expect(idA !== idB, `--token and --token-b are the same user (${idA}): isolation needs two users`);
      },
    },
    {
      name: 'every /v1 response carries X-Request-Id, echoing a sane one the caller sent',
      async run(ctx) {
        const id = `${ctx.marker}-request`;
        const res = await ctx.request('a', 'GET', '/v1/me', { headers: { 'x-request-id': id } });
        expectStatus(res, 200);
        expect(res.headers.get('x-request-id') === id, `X-Request-Id is ${res.headers.get('x-request-id')}, expected the caller's ${id}`);
        const problem = await ctx.request('a', 'GET', '/v1/todos/not-an-id');
        expect(problem.headers.get('x-request-id'), `${describe(problem)} without X-Request-Id`);
      },
    },
  ],
};
