import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';
import { newSubject, signToken } from './tokens.js';

export interface Call {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(t: TestApp, token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> {
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
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** The todo operations as one user calls them, through the app's fetch handler. */
export function todoClient(t: TestApp, token?: string) {
  return {
    token,
    raw: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(t, token, method, path, body, headers),
    create: (body: unknown, headers?: Record<string, string>) => call(t, token, 'POST', '/v1/todos', body, headers),
    get: (id: string, headers?: Record<string, string>) => call(t, token, 'GET', `/v1/todos/${id}`, undefined, headers),
    patch: (id: string, body: unknown, headers?: Record<string, string>) => call(t, token, 'PATCH', `/v1/todos/${id}`, body, headers),
    remove: (id: string, headers?: Record<string, string>) => call(t, token, 'DELETE', `/v1/todos/${id}`, undefined, headers),
    list: (query: Record<string, string | number | boolean> = {}) =>
      call(t, token, 'GET', `/v1/todos?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`),
    /** Every page of a listing, following next_cursor. */
    async listAll(query: Record<string, string | number | boolean> = {}) {
      const rows = [];
      let cursor: string | null = null;
      do {
        const page: Call = await this.list(cursor ? { ...query, cursor } : query);
        if (page.status !== 200) throw new Error(`list answered ${page.status}: ${JSON.stringify(page.body)}`);
        rows.push(...page.body.data);
        cursor = page.body.next_cursor;
      } while (cursor);
      return rows;
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
