import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROBLEMS, PROBLEM_CODES, type ProblemCode } from '../../src/lib/problems.js';
import type { AppRouteHandler } from '../../src/lib/types.js';
import { createV1Route } from '../../src/lib/v1-route.js';
import { describeErrors, validatorFor } from '../helpers/contract.js';

// What the /v1 route kit promises, read from the committed openapi/openapi.yaml: every /v1
// operation declares what the middleware can answer, every problem shows its own example,
// and no text talks about a header the operation does not take.

interface Header {
  description?: string;
  required?: boolean;
}
interface Media {
  example?: { status?: number; code?: string; detail?: string };
  examples?: Record<string, { summary?: string; value: { status?: number; code?: string; detail?: string } }>;
}
interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, Media>;
}
interface Parameter {
  name: string;
  in: string;
  description?: string;
  schema?: { description?: string };
}
interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  security?: unknown;
  parameters?: Parameter[];
  requestBody?: { description?: string };
  responses: Record<string, Response>;
}

const doc = parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.yaml'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};
const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete']);
const operations = Object.entries(doc.paths).flatMap(([p, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.has(method))
    .map(([method, op]) => ({ where: `${method.toUpperCase()} ${p}`, path: p, method, op })),
);
const v1 = operations.filter((o) => o.path.startsWith('/v1/'));
const headerParams = (op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
const codesOf = (status: string) => PROBLEM_CODES.filter((code) => String(PROBLEMS[code].status) === status);

/** Each example of a problem response, by the code it shows. */
function problemExamples(response: Response): Array<{ key: string | undefined; value: { status?: number; code?: string; detail?: string } }> {
  const media = response.content?.['application/problem+json'];
  if (!media) return [];
  if (media.examples) return Object.entries(media.examples).map(([key, e]) => ({ key, value: e.value }));
  return media.example ? [{ key: undefined, value: media.example }] : [];
}

describe('every /v1 operation declares what the /v1 middleware can answer', () => {
  it('there are /v1 operations to check', () => {
    expect(v1.length).toBeGreaterThanOrEqual(6);
  });

  it.each(v1)('$where: bearer security, 401, 409, 429, 500, 503', ({ op }) => {
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    for (const status of ['401', '409', '429', '500', '503']) {
      expect(op.responses[status]?.content?.['application/problem+json'], `${status} problem response`).toBeDefined();
    }
    // The email-claim conflict comes from authentication, before any route runs.
    expect(problemExamples(op.responses['409']!).map((e) => e.value.code)).toContain('conflict');
    const h429 = op.responses['429']!.headers ?? {};
    expect(Object.keys(h429)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After']));
    expect(h429['Retry-After']?.required).toBe(true);
    expect(op.responses['503']!.headers?.['Retry-After']?.required).toBe(true);
  });

  it.each(v1)('$where: 408 and 413 when it may carry a body, 415 and 400 when it has one, 400 when it has a query', ({ op, method }) => {
    const declared = Object.keys(op.responses);
    if (method !== 'get') expect(declared).toEqual(expect.arrayContaining(['408', '413']));
    if (op.requestBody) expect(declared).toEqual(expect.arrayContaining(['400', '413', '415']));
    else expect(declared).not.toContain('415');
    if ((op.parameters ?? []).some((p) => p.in === 'query')) expect(declared).toContain('400');
  });

  it.each(v1)('$where: X-Request-Id, Cache-Control and the RateLimit headers on every response', ({ op }) => {
    for (const [status, response] of Object.entries(op.responses)) {
      const headers = response.headers ?? {};
      expect(headers['X-Request-Id']?.required, `${status} X-Request-Id`).toBe(true);
      expect(headers['Cache-Control']?.required, `${status} Cache-Control`).toBe(true);
      expect(headers['Cache-Control']?.description, `${status} Cache-Control`).toContain('private, no-store');
      expect(Object.keys(headers), status).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy']));
    }
  });

  it.each(v1)('$where: the 401 challenge is described per RFC 6750 §3.1, with and without a token', ({ op }) => {
    const challenge = op.responses['401']!.headers?.['WWW-Authenticate'];
    expect(challenge?.required).toBe(true);
    expect(challenge?.description).toMatch(/just `Bearer` when the request carried no credentials/);
    expect(challenge?.description).toContain('`Bearer error="invalid_token"`');
  });
});

describe('every problem response shows its own example', () => {
  const problemResponses = operations.flatMap(({ where, op }) =>
    Object.entries(op.responses)
      .filter(([, r]) => r.content?.['application/problem+json'])
      .map(([status, response]) => ({ where: `${where} → ${status}`, status, response, op })),
  );

  it.each(problemResponses)('$where', ({ status, response, op }) => {
    const examples = problemExamples(response);
    expect(examples.length, 'an example').toBeGreaterThan(0);
    const codes = examples.map((e) => e.value.code);
    expect(new Set(codes).size, 'one example per code').toBe(codes.length);
    const validate = validatorFor('components/schemas/Problem');
    for (const { key, value } of examples) {
      expect(value.status, `${value.code}: status`).toBe(Number(status));
      expect(codesOf(status), `${value.code} is a code of ${status}`).toContain(value.code);
      if (key !== undefined) expect(key, 'examples are keyed by their code').toBe(value.code);
      expect(validate(value), describeErrors(validate)).toBe(true);
      expect(value.detail?.length, 'a detail').toBeGreaterThan(0);
    }
    // A status with several codes says which ones this operation can answer, and shows each.
    if (examples.length > 1) for (const code of codes) expect(response.description).toContain(`\`${code}\``);
    const takes = headerParams(op);
    if (!takes.includes('idempotency-key')) expect(codes).not.toEqual(expect.arrayContaining([expect.stringMatching(/^idempotency_key_/)]));
    // A batch carries each operation's precondition in its body (`if_match`), not in a header.
    if (!takes.includes('if-match') && op.operationId !== 'runBatch') expect(codes).not.toContain('precondition_failed' satisfies ProblemCode);
  });

  it('different statuses show different examples (not one 422 everywhere)', () => {
    const get = doc.paths['/v1/todos/{id}']!.get!;
    expect(problemExamples(get.responses['404']!)[0]?.value).toMatchObject({ status: 404, code: 'not_found' });
    expect(problemExamples(get.responses['401']!)[0]?.value).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe('no text of an operation mentions a request header it does not take', () => {
  const requestHeaders = [...new Set(operations.flatMap(({ op }) => headerParams(op)))];

  /** Every text a reader of this operation sees: its own, its parameters', its responses' and their headers' and examples'. */
  function texts(op: Operation): string[] {
    return [
      op.summary,
      op.description,
      op.requestBody?.description,
      ...(op.parameters ?? []).flatMap((p) => [p.description, p.schema?.description]),
      ...Object.values(op.responses).flatMap((r) => [
        r.description,
        ...Object.values(r.headers ?? {}).map((h) => h.description),
        ...problemExamples(r).map((e) => e.value.detail),
      ]),
    ].filter((t): t is string => typeof t === 'string');
  }

  it('the spec has request headers to check', () => {
    expect(requestHeaders).toEqual(expect.arrayContaining(['idempotency-key', 'if-match', 'if-none-match']));
  });

  it.each(operations)('$where', ({ op }) => {
    const takes = headerParams(op);
    const mentions = requestHeaders
      .filter((name) => !takes.includes(name))
      .flatMap((name) => {
        const pattern = new RegExp(`(?<![\\w-])${name.replaceAll('-', '\\-')}(?![\\w-])`, 'i');
        return texts(op).filter((text) => pattern.test(text)).map((text) => `${name}: ${text}`);
      });
    expect(mentions).toEqual([]);
  });
});

describe('createV1Route', () => {
  const Body = z.object({ name: z.string().min(1) });
  const route = createV1Route({
    method: 'post',
    path: '/v1/widgets',
    operationId: 'createWidget',
    request: { body: { required: true, content: { 'application/json': { schema: Body } } } },
    errors: ['not_found'],
    responses: {
      201: { description: 'Created.', content: { 'application/json': { schema: Body } } },
      409: { description: 'The widget exists already, or the email claim belongs to another user.' },
    },
  });

  it('adds the shared problems, security and headers; the route only lists its own', () => {
    expect(route.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(route.responses).sort()).toEqual(['201', '400', '401', '404', '408', '409', '413', '415', '422', '429', '500', '503']);
    expect(Object.keys(route.responses[201].headers ?? {})).toEqual(['X-Request-Id', 'Cache-Control', 'RateLimit', 'RateLimit-Policy']);
    expect(route.getRoutingPath()).toBe('/v1/widgets');
  });

  it("a status the route declares itself keeps the kit's headers and example, with the route's description", () => {
    const conflict = route.responses[409];
    expect(conflict.description).toBe('The widget exists already, or the email claim belongs to another user.');
    expect(conflict.content['application/problem+json'].example).toMatchObject({ status: 409, code: 'conflict', instance: '/v1/widgets' });
    expect(Object.keys(conflict.headers)).toContain('X-Request-Id');
  });

  it('takes the 415 wording from the media types of the body, and the 422 example from its validation', () => {
    expect(route.responses[415].description).toContain('`application/json`');
    expect(route.responses[422].content['application/problem+json'].example).toMatchObject({
      errors: [{ path: 'body.name', message: expect.any(String) }],
    });
  });

  it('infers the idempotency and precondition problems from the request headers, and nothing else', () => {
    const plain = createV1Route({ method: 'get', path: '/v1/plain', responses: { 200: { description: 'OK.' } } });
    expect(Object.keys(plain.responses).sort()).toEqual(['200', '401', '409', '429', '500', '503']);
    const headers = z.object({ 'idempotency-key': z.string().optional(), 'if-match': z.string().optional() });
    const write = createV1Route({ method: 'delete', path: '/v1/plain/{id}', request: { headers }, responses: { 204: { description: 'Deleted.' } } });
    expect(Object.keys(write.responses).sort()).toEqual(['204', '400', '401', '408', '409', '412', '413', '422', '429', '500', '503']);
    expect(write.responses[400].content['application/problem+json'].example).toMatchObject({ code: 'invalid_if_match' });
    expect(Object.keys(write.responses[409].content['application/problem+json'].examples ?? {})).toEqual(['conflict', 'idempotency_key_in_use']);
  });

  it('keeps handler types: the declared success status and body type-check (tsc checks this file)', () => {
    const handler: AppRouteHandler<typeof route> = (c) => {
      const { name } = c.req.valid('json');
      return c.json({ name }, 201);
    };
    // @ts-expect-error a status the route does not declare
    const wrongStatus: AppRouteHandler<typeof route> = (c) => c.json({ name: 'x' }, 202);
    // @ts-expect-error a body that is not the declared one
    const wrongBody: AppRouteHandler<typeof route> = (c) => c.json({ title: 1 }, 201);
    expect([handler, wrongStatus, wrongBody]).toHaveLength(3);
  });
});
