import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Todo, TodoList } from '../../clients/typescript/src/types.js';
import { loadOrCreateDevSecret } from '../../src/lib/dev-secret.js';
import { spec } from '../helpers/contract.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// What a new user meets first: Swagger UI's "Try it out", on a local development server (no
// auth configured: tokens from `npm run token`).

let t: TestApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-first-contact-'));
  // A local development server: no auth configuration, so tokens are checked against DATA_DIR's secret.
  t = await startTestApp({ env: { NODE_ENV: 'development', AUTH_JWT_SECRET: '', DATA_DIR: dataDir } });
});

afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
  schema?: { example?: unknown };
}
type Operation = { parameters?: Parameter[] };
const operation = (p: string, method: string) => spec.paths[p]![method] as unknown as Operation;
const schemaExample = (name: string) => (spec.components.schemas as Record<string, { example?: unknown }>)[name]!.example;

/** What Swagger UI's "Try it out" fills in: every parameter's example, in the query or the headers. */
function prefilled(op: Operation, where: 'query' | 'header'): Record<string, string> {
  return Object.fromEntries(
    (op.parameters ?? [])
      .filter((p) => p.in === where && (p.example ?? p.schema?.example) !== undefined)
      .map((p) => [p.name, String(p.example ?? p.schema?.example)]),
  );
}

// Issue 11, item 4.
describe('Swagger UI: "Try it out" with what it pre-fills works the first time', () => {
  let token: string;
  beforeAll(async () => {
    token = await signToken({ sub: newSubject('swagger') }, { secret: loadOrCreateDevSecret(dataDir) });
  });
  const send = (method: string, pathname: string, headers: Record<string, string>, body?: unknown) =>
    t.request(pathname, {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("the list's parameter examples, taken together, find a todo created from the TodoCreate example", async () => {
    const created = await send('POST', '/v1/todos', prefilled(operation('/v1/todos', 'post'), 'header'), schemaExample('TodoCreate'));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as Todo;
    const list = operation('/v1/todos', 'get');
    const query = new URLSearchParams(prefilled(list, 'query')).toString();
    const res = await send('GET', `/v1/todos?${query}`, prefilled(list, 'header'));
    expect(res.status, query).toBe(200);
    expect(((await res.json()) as TodoList).data.map((todo) => todo.id), `GET /v1/todos?${query}`).toContain(id);
  });

  it('reading, patching and deleting that todo with the pre-filled headers and examples succeed (no 304, 412 or replay)', async () => {
    const create = operation('/v1/todos', 'post');
    const created = (await (await send('POST', '/v1/todos', prefilled(create, 'header'), schemaExample('TodoCreate'))).json()) as Todo;
    // A second try of the pre-filled POST is a new todo, not a replay of the first.
    const again = await send('POST', '/v1/todos', prefilled(create, 'header'), { ...(schemaExample('TodoCreate') as object), title: 'Another' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const item = `/v1/todos/${created.id}`;
    expect((await send('GET', item, prefilled(operation('/v1/todos/{id}', 'get'), 'header'))).status).toBe(200);
    expect((await send('PATCH', item, prefilled(operation('/v1/todos/{id}', 'patch'), 'header'), schemaExample('TodoPatch'))).status).toBe(200);
    expect((await send('DELETE', item, prefilled(operation('/v1/todos/{id}', 'delete'), 'header'))).status).toBe(204);
  });
});
