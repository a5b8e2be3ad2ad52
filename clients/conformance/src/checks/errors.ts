import { describe, expect, type Context, type Group } from '../runner.js';
import type { SpecOperation } from '../spec.js';
import { MISSING_ID, type Problem } from './types.js';

// The errors every operation of the spec declares and a caller can provoke from outside, driven
// by the spec itself: an operation added to it is checked without a change here.

interface Parameter {
  name: string;
  in: string;
}

const params = (op: SpecOperation) => ((op.operation as unknown as { parameters?: Parameter[] }).parameters ?? []).filter((p) => typeof p.name === 'string');
const hasBody = (op: SpecOperation) => (op.operation as unknown as { requestBody?: { content?: Record<string, unknown> } }).requestBody?.content?.['application/json'] !== undefined;
const declares = (op: SpecOperation, status: number) => op.operation.responses[String(status)] !== undefined;
const label = (op: SpecOperation) => `${op.method.toUpperCase()} ${op.template}`;

/** The kind of object an `{id}` path is about (/v1/todos/{id}/move → todos). */
const kindOf = (template: string) => /^\/v1\/(\w+)\/\{id\}/.exec(template)?.[1];

/** An object of user A for the kinds this suite can make, so that a path has a real id in it. */
async function existing(ctx: Context, kind: string | undefined): Promise<{ id: string; version: number } | undefined> {
  // A webhook only with a receiver of this run to point it at.
  const hookUrl = ctx.state.get('webhook-url') as string | undefined;
  if (kind !== 'todos' && kind !== 'lists' && kind !== 'labels' && !(kind === 'webhooks' && hookUrl)) return undefined;
  const key = `errors-${kind}`;
  let object = ctx.state.get(key) as { id: string; version: number } | undefined;
  if (!object) {
    const name = `${ctx.marker} errors ${kind}`;
    const bodies: Record<string, () => Promise<unknown>> = {
      todos: async () => ({ title: name, list_id: (await ctx.freshList('a', 'errors')).id }),
      webhooks: () => Promise.resolve({ url: `${hookUrl}/errors`, events: ['*'], description: name }),
    };
    const body = await (bodies[kind] ?? (() => Promise.resolve({ name })))();
    object = (await ctx.create<{ id: string; version: number }>('a', kind, body)).object;
    ctx.state.set(key, object);
  }
  return object;
}

const pathWith = (template: string, id: string) => template.replace('{id}', id);

/** Runs `probe` for each operation and fails with every mismatch at once. */
async function each(ctx: Context, filter: (op: SpecOperation) => boolean, probe: (op: SpecOperation, fail: (message: string) => void) => Promise<void>): Promise<number> {
  const failures: string[] = [];
  const ops = ctx.spec.operations.filter(filter);
  for (const op of ops) await probe(op, (message) => failures.push(`${label(op)}: ${message}`));
  expect(failures.length === 0, failures.join('\n'));
  return ops.length;
}

function expectProblem(fail: (m: string) => void, res: Awaited<ReturnType<Context['request']>>, status: number, code: string, path?: string): void {
  const problem = res.body as Problem | undefined;
  if (res.status !== status || problem?.code !== code) fail(`expected ${status} ${code}: ${describe(res)}`);
  else if (path && !(problem.errors ?? []).some((e) => e.path === path)) fail(`${describe(res)}, but errors[] does not name ${path}`);
}

const v1 = (op: SpecOperation) => op.template.startsWith('/v1/');

export const errors: Group = {
  name: 'errors',
  checks: [
    {
      name: 'every /v1 operation answers 401 unauthorized without a token and with a token that cannot be trusted',
      async run(ctx) {
        await each(ctx, v1, async (op, fail) => {
          const path = pathWith(op.template, MISSING_ID);
          for (const token of [null, 'not-a-jwt']) {
            const res = await ctx.api.request(op.method.toUpperCase(), path, { token, json: hasBody(op) ? {} : undefined });
            expectProblem(fail, res, 401, 'unauthorized');
          }
        });
      },
    },
    {
      name: 'every operation on an {id} answers 422 on path.id to a malformed id and 404 not_found to a missing one',
      async run(ctx) {
        await each(ctx, (op) => v1(op) && op.template.includes('{id}'), async (op, fail) => {
          const json = hasBody(op) ? {} : undefined;
          expectProblem(fail, await ctx.request('a', op.method.toUpperCase(), pathWith(op.template, 'not-an-id'), { json }), 422, 'validation_failed', 'path.id');
          if (declares(op, 404)) expectProblem(fail, await ctx.request('a', op.method.toUpperCase(), pathWith(op.template, MISSING_ID), { json }), 404, 'not_found');
        });
      },
    },
    {
      name: 'every operation with a JSON body answers 400 to malformed JSON, 415 to another content type, 413 to a body too large and 422 to an unknown field (a DELETE: 413)',
      async run(ctx) {
        const unchecked: string[] = [];
        const deleteTakes413 = (op: SpecOperation) => op.method === 'delete' && declares(op, 413);
        await each(ctx, (op) => v1(op) && (hasBody(op) || deleteTakes413(op)), async (op, fail) => {
          const kind = kindOf(op.template);
          const object = op.template.includes('{id}') && hasBody(op) ? await existing(ctx, kind) : undefined;
          if (op.template.includes('{id}') && hasBody(op) && !object) {
            unchecked.push(label(op));
            return;
          }
          const path = object ? pathWith(op.template, object.id) : op.template;
          const method = op.method.toUpperCase();
          const tooLarge = { json: { padding: 'x'.repeat(1_100_000) } };
          if (!hasBody(op)) {
            // A missing id: the body is size-checked before anything is looked up, and nothing real can go.
            expectProblem(fail, await ctx.request('a', method, pathWith(op.template, MISSING_ID), tooLarge), 413, 'payload_too_large');
            return;
          }
          expectProblem(fail, await ctx.request('a', method, path, { body: '{"a": ', contentType: 'application/json' }), 400, 'bad_request');
          expectProblem(fail, await ctx.request('a', method, path, { body: 'a=1', contentType: 'text/plain' }), 415, 'unsupported_media_type');
          expectProblem(fail, await ctx.request('a', method, path, tooLarge), 413, 'payload_too_large');
          // A batch names places in its body as `operations/3/data/title` (its spec says so): a top-level field is its bare name.
          expectProblem(fail, await ctx.request('a', method, path, { json: { conformance_unknown_field: 1 } }), 422, 'validation_failed', path === '/v1/batch' ? 'conformance_unknown_field' : 'body.conformance_unknown_field');
        });
        if (unchecked.length > 0) ctx.notes.push(`bodies not checked (no object of that kind to put in the path): ${unchecked.join(', ')}`);
      },
    },
    {
      name: 'every operation that takes If-Match answers 400 invalid_if_match to an unquoted tag and 412 precondition_failed to a stale one, changing nothing',
      async run(ctx) {
        const touched = new Map<string, { kind: string; object: { id: string; version: number } }>();
        const unchecked: string[] = [];
        await each(ctx, (op) => v1(op) && params(op).some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match'), async (op, fail) => {
          const kind = kindOf(op.template);
          const object = await existing(ctx, kind);
          if (!object || !kind) {
            unchecked.push(label(op));
            return;
          }
          touched.set(object.id, { kind, object });
          const path = pathWith(op.template, object.id);
          const patch = kind === 'todos' ? { title: 'stale' } : kind === 'webhooks' ? { description: 'stale' } : { name: 'stale' };
          const json = hasBody(op) ? (op.method === 'patch' ? patch : {}) : undefined;
          expectProblem(fail, await ctx.request('a', op.method.toUpperCase(), path, { json, headers: { 'if-match': String(object.version) } }), 400, 'invalid_if_match');
          expectProblem(fail, await ctx.request('a', op.method.toUpperCase(), path, { json, headers: { 'if-match': `"${object.version + 1000}"` } }), 412, 'precondition_failed');
        });
        for (const { kind, object } of touched.values()) {
          const res = await ctx.request('a', 'GET', `/v1/${kind}/${object.id}`);
          expect(res.status === 200 && (res.body as { version: number }).version === object.version, `after the refused writes ${describe(res)} at version ${(res.body as { version?: number } | undefined)?.version}, expected ${object.version}`);
        }
        if (unchecked.length > 0) ctx.notes.push(`If-Match not checked (no object of that kind to put in the path): ${unchecked.join(', ')}`);
      },
    },
    {
      name: 'every operation with query parameters answers 422 to an unknown one and to a repeated one',
      async run(ctx) {
        await each(ctx, (op) => v1(op) && op.method === 'get' && params(op).some((p) => p.in === 'query'), async (op, fail) => {
          const query = params(op).find((p) => p.in === 'query' && p.name === 'limit') ? 'limit=1&limit=2' : undefined;
          const base = pathWith(op.template, MISSING_ID);
          expectProblem(fail, await ctx.request('a', 'GET', `${base}?conformance_unknown=1`), 422, 'validation_failed');
          if (query) expectProblem(fail, await ctx.request('a', 'GET', `${base}?${query}`), 422, 'validation_failed');
        });
      },
    },
  ],
};
