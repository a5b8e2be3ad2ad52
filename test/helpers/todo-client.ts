import { expect } from 'vitest';
import type { paths } from '../../clients/typescript/src/schema.js';
import type { Todo } from '../../clients/typescript/src/types.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';
import { newSubject, signToken } from './tokens.js';

/** The JSON body of one response of the generated contract (`undefined` for a 204 or 304). */
type BodyOf<R> = R extends { content: infer C } ? (C extends Record<string, infer B> ? B : undefined) : undefined;

/** One answer of an operation, as a union discriminated by status: narrow it with `expectStatus`. */
export type CallOf<O extends { responses: object }> = {
  [S in keyof O['responses'] & number]: { status: S; headers: Headers; body: BodyOf<O['responses'][S]> };
}[keyof O['responses'] & number];

export type CreateCall = CallOf<paths['/v1/todos']['post']>;
export type ListCall = CallOf<paths['/v1/todos']['get']>;
export type GetCall = CallOf<paths['/v1/todos/{id}']['get']>;
export type PatchCall = CallOf<paths['/v1/todos/{id}']['patch']>;
export type DeleteCall = CallOf<paths['/v1/todos/{id}']['delete']>;
export type MoveCall = CallOf<paths['/v1/todos/{id}/move']['post']>;
export type MeCall = CallOf<paths['/v1/me']['get']>;
/** An answer of a request the contract types do not describe (`raw`): give `raw` a type to narrow it. */
export interface Call {
  status: number;
  headers: Headers;
  body: unknown;
}

/** `C` narrowed to status `S`: its member for that status, or (for an untyped `Call`) just the status. */
type WithStatus<C, S> = [Extract<C, { status: S }>] extends [never] ? C & { status: S } : Extract<C, { status: S }>;

/** Asserts the status (showing `label` and the body when it differs) and narrows the answer to that status's body. */
export function expectStatus<C extends Call, S extends C['status']>(call: C, status: S, label?: string): asserts call is WithStatus<C, S> {
  expect(call.status, `${label ? `${label}: ` : ''}answered ${call.status}: ${JSON.stringify(call.body)}`).toBe(status);
}

/** A 422's one field error (where, and what to send instead): fails unless the answer is a 422 naming exactly one. */
export function fieldErrorOf(res: Call): { path: string; message: string } {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  const errors = (res.body as { errors: Array<{ path: string; message: string }> }).errors;
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

async function call<C extends Call>(t: TestApp, token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<C> {
  const init: RequestInit = {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  };
  const res = await t.request(path, init);
  const text = await res.text();
  // The app checked the response against the contract (t.request): its type is the contract's.
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined } as C;
}

/** The todo operations as one user calls them, through the app's fetch handler. */
export function todoClient(t: TestApp, token?: string) {
  return {
    token,
    raw: <C extends Call = Call>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => call<C>(t, token, method, path, body, headers),
    create: (body: unknown, headers?: Record<string, string>) => call<CreateCall>(t, token, 'POST', '/v1/todos', body, headers),
    get: (id: string, headers?: Record<string, string>) => call<GetCall>(t, token, 'GET', `/v1/todos/${id}`, undefined, headers),
    patch: (id: string, body: unknown, headers?: Record<string, string>) => call<PatchCall>(t, token, 'PATCH', `/v1/todos/${id}`, body, headers),
    remove: (id: string, headers?: Record<string, string>) => call<DeleteCall>(t, token, 'DELETE', `/v1/todos/${id}`, undefined, headers),
    move: (id: string, body: unknown, headers?: Record<string, string>) => call<MoveCall>(t, token, 'POST', `/v1/todos/${id}/move`, body, headers),
    me: () => call<MeCall>(t, token, 'GET', '/v1/me'),
    list: (query: Record<string, string | number | boolean> = {}) =>
      call<ListCall>(t, token, 'GET', `/v1/todos?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`),
    /** Every page of a listing, following next_cursor. */
    async listAll(query: Record<string, string | number | boolean> = {}): Promise<Todo[]> {
      const rows: Todo[] = [];
      let cursor: string | null = null;
      do {
        const page: ListCall = await this.list(cursor ? { ...query, cursor } : query);
        if (page.status !== 200) throw new Error(`list answered ${page.status}: ${JSON.stringify(page.body)}`);
        rows.push(...page.body.data);
        cursor = page.body.next_cursor;
      } while (cursor);
      return rows;
    },
    /** Creates a todo that a test needs as a starting point; anything but a 201 fails the test. */
    async created(body: unknown, headers?: Record<string, string>): Promise<Todo> {
      const res = await this.create(body, headers);
      expectStatus(res, 201);
      return res.body;
    },
  };
}

export type TodoClient = ReturnType<typeof todoClient>;

/** A new user (a subject no one else has) and a client acting as them. */
export async function newUser(t: TestApp, claims: { email?: string } = {}): Promise<TodoClient> {
  return todoClient(t, await signToken({ sub: newSubject(), ...claims }));
}

/** The product app on its own database, and a user acting on it. */
export async function startAppWithUser(options?: TestAppOptions): Promise<{ t: TestApp; me: TodoClient }> {
  const t = await startTestApp(options);
  return { t, me: await newUser(t) };
}
