import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parseEnv } from '../../src/env.js';
import { describeErrors, pointer, spec, validatorFor } from '../helpers/contract.js';

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

describe('the spec and the app agree', () => {
  it('the app serves exactly the operations the spec documents', () => {
    const served = new Set(
      buildApp({ config: parseEnv({}) })
        .routes.filter((r) => METHODS.has(r.method.toLowerCase()))
        .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(spec.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('every operation has an operationId, tags, summary, description and declared errors', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item) as unknown as Array<[string, Record<string, unknown>]>) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, where).toEqual(expect.any(String));
        expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
        ids.add(op.operationId as string);
        expect((op.tags as string[]).length, where).toBeGreaterThan(0);
        expect(op.summary, where).toEqual(expect.any(String));
        expect(op.description, where).toEqual(expect.any(String));
        const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
        expect(responses['500'], `${where}: 500 declared`).toBeDefined();
        if (path.startsWith('/v1/')) {
          expect(op.security, `${where}: bearer security`).toEqual([{ bearerAuth: [] }]);
          expect(responses['401']?.content?.['application/problem+json'], `${where}: 401 problem`).toBeDefined();
        }
      }
    }
  });
});

/** Every `example` in the document, with a pointer to the schema it must satisfy. */
function collectExamples(node: unknown, path: string[], out: Array<{ where: string; example: unknown; schema: string }>) {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((child, i) => collectExamples(child, [...path, String(i)], out));
    return;
  }
  const record = node as Record<string, unknown>;
  const isSchema = ['type', '$ref', 'anyOf', 'oneOf', 'allOf', 'enum', 'properties'].some((k) => k in record);
  if ('example' in record && path.at(-1) !== 'properties') {
    const schema = isSchema ? path : 'schema' in record ? [...path, 'schema'] : undefined;
    if (schema) out.push({ where: path.join('.'), example: record.example, schema: pointer(...schema) });
  }
  for (const [key, child] of Object.entries(record)) {
    if (key !== 'example') collectExamples(child, [...path, key], out);
  }
}

describe('examples in the spec', () => {
  const examples: Array<{ where: string; example: unknown; schema: string }> = [];
  collectExamples(spec, [], examples);

  it('there are examples for the resources and the errors', () => {
    expect(examples.length).toBeGreaterThan(40);
    for (const name of ['Todo', 'TodoCreate', 'TodoPatch', 'CurrentUser', 'Problem']) {
      expect(examples.some((e) => e.where.startsWith(`components.schemas.${name}`)), name).toBe(true);
    }
  });

  it('every example validates against its schema', () => {
    const failures = examples.flatMap(({ where, example, schema }) => {
      const validate = validatorFor(schema);
      return validate(example) ? [] : [`${where}: ${describeErrors(validate)} (example: ${JSON.stringify(example)})`];
    });
    expect(failures).toEqual([]);
  });
});
