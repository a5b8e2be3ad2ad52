import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Todo, TodoList } from '../../clients/typescript/src/types.js';
import { loadOrCreateDevSecret } from '../../src/lib/dev-secret.js';
import { projectRoot } from '../../src/lib/paths.js';
import { spec } from '../helpers/contract.js';
import { readerEnv, readmeCommands, startDevServer, type DevServer } from '../helpers/dev-server.js';
import type { TestApp } from '../helpers/test-app.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// What a new user meets first: the README's curl walkthrough, and Swagger UI's "Try it out",
// both on a local development server (no auth configured: tokens from `npm run token`).

const run = promisify(execFile);

const creates = (commands: string[]) => commands.filter((c) => /curl .*-X POST \S*\/v1\/todos(\s|$)/.test(c));
const pageSize = (commands: string[]) => Number(/\/v1\/todos\?limit=(\d+)"/.exec(commands.find((c) => /\/v1\/todos\?limit=\d+"/.test(c)) ?? '')?.[1]);

let dev: DevServer;
let t: TestApp;
let dataDir: string;
let base: string;

beforeAll(async () => {
  dev = await startDevServer('first-contact');
  ({ t, dataDir, base } = dev);
});

afterAll(() => dev?.close());

// Issue 11, item 3.
describe("the README's paging walkthrough can be followed", () => {
  it('creates more todos than the page size it lists with, so the first page has a next_cursor', () => {
    const commands = readmeCommands('## Use it with curl');
    const limit = pageSize(commands);
    expect(limit, 'the walkthrough pages with ?limit=N').toBeGreaterThan(0);
    expect(creates(commands).length).toBeGreaterThan(limit);
    // And it shows following the cursor, not just a placeholder for it.
    expect(commands.some((c) => /\/v1\/todos\?limit=\d+&cursor=\$\w+/.test(c))).toBe(true);
  });

  it('runs as written (curl and npm run token) against a development server: page one has a next_cursor, and it leads to the rest', async () => {
    const commands = readmeCommands('## Use it with curl');
    const work = mkdtempSync(path.join(os.tmpdir(), 'todo-api-readme-'));
    try {
      // The reader's part: the server's address, and the id of the todo created first wherever the README says <id>.
      const firstCreate = creates(commands)[0]!;
      const script = [
        'set -eu',
        ...commands.flatMap((command, i) => {
          const line = command.replace(/^API=\S+/, `API=${base}`).replaceAll('<id>', '$ID');
          if (command !== firstCreate) return [`printf '\\n@@@ %s\\n' ${i}`, line];
          return [`printf '\\n@@@ %s\\n' ${i}`, `${line} | tee "$WORK/first-create"`, `ID=$(sed -n 's#^location: /v1/todos/##Ip' "$WORK/first-create" | tr -d '\\r')`];
        }),
      ].join('\n');
      writeFileSync(path.join(work, 'walkthrough.sh'), script);
      const { stdout } = await run('bash', [path.join(work, 'walkthrough.sh')], {
        cwd: projectRoot,
        // The server's DATA_DIR, as its start-up line says.
        env: readerEnv(dev, { WORK: work }),
        timeout: 60_000,
      });
      const outputs = new Map<string, string>();
      for (const part of stdout.split('\n@@@ ').slice(1)) {
        const newline = part.indexOf('\n');
        outputs.set(commands[Number(part.slice(0, newline))]!, part.slice(newline + 1).trim());
      }
      const output = (pattern: RegExp) => {
        const command = commands.find((c) => pattern.test(c));
        expect(command, `a command matching ${pattern}`).toBeDefined();
        return outputs.get(command!)!;
      };
      const jsonOf = <T>(pattern: RegExp) => JSON.parse(output(pattern)) as T;

      expect(jsonOf<{ email: string }>(/\/v1\/me /).email).toBe('ada@example.com');
      expect(output(/-i -X POST/)).toMatch(/^HTTP\/1\.1 201 /);
      for (const create of creates(commands).slice(1)) expect(JSON.parse(outputs.get(create)!)).toMatchObject({ version: 1 });

      const first = jsonOf<TodoList>(/\/v1\/todos\?limit=\d+" /);
      expect(first.data).toHaveLength(pageSize(commands));
      expect(first.next_cursor).toEqual(expect.any(String));
      const rest = jsonOf<TodoList>(/&cursor=\$/);
      expect(rest.data.length).toBeGreaterThan(0);
      const ids = [...first.data, ...rest.data].map((todo) => todo.id);
      expect(new Set(ids).size).toBe(creates(commands).length);

      expect(jsonOf<TodoList>(/\?q=/).data.length, 'the filter example finds something').toBeGreaterThan(0);
      expect(jsonOf<Todo>(/-X PATCH/)).toMatchObject({ completed: true, due_at: null, version: 2 });
      expect(output(/-X DELETE/)).toMatch(/^HTTP\/1\.1 204 /);
      expect(jsonOf<TodoList>(/\$BOB/)).toEqual({ data: [], next_cursor: null });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
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
