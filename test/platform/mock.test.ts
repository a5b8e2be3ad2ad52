import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertResponseMatchesSpec, describeErrors, pointer, spec, validatorFor } from '../helpers/contract.js';

// `npm run mock` (Prism) serves the committed spec for offline client work: every operation
// of the spec, called as a client would with the spec's own examples, must answer a success
// that the spec accepts, with headers that look real (an example, not Prism's "string").

const root = path.resolve(import.meta.dirname, '../..');
const prismBin = path.join(root, 'node_modules/@stoplight/prism-cli/dist/index.js');
const mockScript = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.mock!;

/** The arguments of `npm run mock`, with the port replaced: the test runs what a reader runs. */
function mockArgs(port: number): string[] {
  const [command, ...args] = mockScript.split(/\s+/);
  expect(command).toBe('prism');
  const at = args.indexOf('--port');
  expect(at, 'npm run mock names its --port').toBeGreaterThan(0);
  args[at + 1] = String(port);
  return args;
}

interface Schema {
  type?: string | string[];
  format?: string;
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  example?: unknown;
  schema?: Schema;
}
interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  security?: unknown[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, { headers?: Record<string, { schema?: Schema }> }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function resolve<T>(value: T | { $ref: string }): T {
  if (value && typeof value === 'object' && '$ref' in value && typeof value.$ref === 'string') {
    const target = value.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replaceAll('~1', '/').replaceAll('~0', '~')], spec);
    return resolve(target as T);
  }
  return value as T;
}

/** A value for a schema from its examples: the example, else the default or first enum value. */
function sample(schemaOrRef: Schema | undefined): unknown {
  const schema = schemaOrRef && resolve(schemaOrRef);
  if (!schema) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.properties) return Object.fromEntries((schema.required ?? []).map((name) => [name, sample(schema.properties![name])]));
  return undefined;
}

const operations = Object.entries(spec.paths).flatMap(([template, item]) =>
  METHODS.filter((method) => item[method]).map((method) => ({ template, method, operation: item[method] as unknown as Operation })),
);

/** The request a client would send, built from the spec's examples alone. */
function requestFor(template: string, operation: Operation) {
  const parameters = (operation.parameters ?? []).map((p) => resolve(p));
  let pathname = template;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of parameters) {
    const value = p.example ?? sample(p.schema);
    if (p.in === 'path') {
      expect(value, `${operation.operationId}: path parameter ${p.name} has no example`).toBeDefined();
      pathname = pathname.replace(`{${p.name}}`, encodeURIComponent(String(value)));
    } else if (p.required) {
      expect(value, `${operation.operationId}: required ${p.in} parameter ${p.name} has no example`).toBeDefined();
      if (p.in === 'query') query.set(p.name, String(value));
      if (p.in === 'header') headers[p.name] = String(value);
    }
  }
  if ((operation.security ?? []).length > 0) headers.authorization = 'Bearer mock-token';
  let body: string | undefined;
  if (operation.requestBody) {
    const [type, media] = Object.entries(operation.requestBody.content)[0]!;
    const value = media.example ?? Object.values(media.examples ?? {})[0]?.value ?? sample(media.schema);
    expect(value, `${operation.operationId}: request body has no example`).toBeDefined();
    headers['content-type'] = type;
    body = JSON.stringify(value);
  }
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return { url: `${pathname}${search}`, init: { method: operationMethod(operation), headers, body } };
}

const methodOf = new Map(operations.map(({ method, operation }) => [operation, method.toUpperCase()]));
const operationMethod = (operation: Operation) => methodOf.get(operation)!;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

let prism: ChildProcess;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  prism = spawn(process.execPath, [prismBin, ...mockArgs(port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  base = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`Prism did not start within 60 s:\n${output}`)), 60_000);
    const watch = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/Prism is listening on/.test(output)) {
        clearTimeout(timer);
        ready(`http://127.0.0.1:${port}`);
      }
    };
    prism.stdout!.on('data', watch);
    prism.stderr!.on('data', watch);
    prism.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`Prism exited with ${code} before listening:\n${output}`));
    });
  });
}, 90_000);

afterAll(async () => {
  if (prism && prism.exitCode === null && prism.signalCode === null) {
    const exited = new Promise((done) => prism.once('exit', done));
    prism.kill('SIGTERM');
    await exited;
  }
});

describe('the mock server (npm run mock)', () => {
  it('calls every operation of the spec', () => {
    // The top-level `webhooks` are events the service sends, not operations a mock serves.
    const [pathsPart = ''] = readFileSync(path.join(root, 'openapi/openapi.yaml'), 'utf8').split(/^webhooks:/m);
    const declared = pathsPart.match(/^\s+operationId: /gm) ?? [];
    expect(operations.length).toBe(declared.length);
  });

  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.template}`, o] as const))('%s answers a success the spec accepts', async (_, { template, method, operation }) => {
    const { url, init } = requestFor(template, operation);
    const response = await fetch(`${base}${url}`, init);
    const text = await response.clone().text();
    expect(response.status, `${operation.operationId} → ${response.status} ${response.headers.get('sl-violations') ?? ''} ${text.slice(0, 300)}`).toBeLessThan(300);
    expect(response.headers.get('sl-violations'), `${operation.operationId}: Prism found the request invalid`).toBeNull();
    await assertResponseMatchesSpec(init.method, url, response);
    // Every declared header that came back has a real value: its example, valid for its schema.
    const declared = resolve(operation.responses[String(response.status)]!).headers ?? {};
    for (const [name, header] of Object.entries(declared)) {
      const value = response.headers.get(name);
      if (value === null) continue;
      const schema = resolve(header).schema!;
      const typed = schema.type === 'integer' ? Number(value) : value;
      const validate = validatorFor(pointer('paths', template, method, 'responses', String(response.status), 'headers', name, 'schema'));
      expect(validate(typed), `${operation.operationId}: ${name}: ${value}: ${describeErrors(validate)}`).toBe(true);
      expect(value, `${operation.operationId}: header ${name} has no example in the spec`).not.toBe('string');
    }
  });

  it('answers a request without a token with the spec’s 401', async () => {
    const response = await fetch(`${base}/v1/me`);
    expect(response.status).toBe(401);
    await assertResponseMatchesSpec('GET', '/v1/me', response);
  });

  it('answers an invalid body with the spec’s 422', async () => {
    const init = { method: 'POST', headers: { authorization: 'Bearer mock-token', 'content-type': 'application/json' }, body: '{"titel":"typo"}' };
    const response = await fetch(`${base}/v1/todos`, init);
    expect(response.status).toBe(422);
    await assertResponseMatchesSpec('POST', '/v1/todos', response);
  });
});
