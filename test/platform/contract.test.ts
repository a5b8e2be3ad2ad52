import { describe, expect, it } from 'vitest';
import { assertResponseMatchesSpec, ContractViolation } from '../helpers/contract.js';

// The checker that every test's responses pass through must itself catch a lying response.

const problem = { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'x', instance: '/v1/todos/1', code: 'not_found', request_id: 'r' };
const todo = {
  id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f',
  title: 't',
  description: null,
  completed: false,
  completed_at: null,
  due_at: null,
  priority: 'none',
  list_id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d0001',
  parent_id: null,
  position: 'a1',
  label_ids: [],
  subtask_count: 0,
  open_subtask_count: 0,
  created_at: '2026-11-22T09:30:00.000Z',
  updated_at: '2026-11-22T09:30:00.000Z',
  version: 1,
};
const id = todo.id;
const jsonResponse = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'x-request-id': 'r', ...headers } });
const ok = { 'cache-control': 'private, no-store', etag: '"1"' };

describe('the response checker', () => {
  it('accepts a response that matches the spec', async () => {
    await expect(assertResponseMatchesSpec('GET', `/v1/todos/${id}`, jsonResponse(todo, 200, ok))).resolves.toBeUndefined();
  });

  it.each([
    ['an undeclared status', jsonResponse(todo, 202, ok), /status 202 is not declared/],
    ['a missing required header', jsonResponse(todo, 200, { 'cache-control': 'private, no-store' }), /required header ETag is missing/],
    ['a body off the schema', jsonResponse({ ...todo, priority: 'meh' }, 200, ok), /does not match the spec/],
    ['a missing field', jsonResponse({ ...todo, version: undefined }, 200, ok), /does not match the spec/],
    ['an undeclared content type', new Response('x', { status: 200, headers: { 'content-type': 'text/plain', 'x-request-id': 'r', ...ok } }), /content type "text\/plain" is not declared/],
    ['a problem sent as plain JSON', jsonResponse(problem, 404, { 'cache-control': 'private, no-store' }), /content type "application\/json" is not declared/],
  ])('rejects %s', async (_name, response, message) => {
    const error = await assertResponseMatchesSpec('GET', `/v1/todos/${id}`, response).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolation);
    expect((error as Error).message).toMatch(message);
  });

  it('requires a Problem body for requests that match no operation', async () => {
    const error = await assertResponseMatchesSpec('GET', '/nowhere', jsonResponse({ oops: true }, 404)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolation);
  });

  it('rejects a success for a route the spec does not have', async () => {
    const error = await assertResponseMatchesSpec('GET', '/secret-admin', jsonResponse({}, 200)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no operation in the spec/);
  });
});
