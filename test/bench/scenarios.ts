// The request mixes the load generator sends; shared by the orchestrator and the load worker.

export type Operation = 'get' | 'list' | 'create' | 'patch';

export interface Scenario {
  /** Stable name, used in the report and the JSON. */
  name: string;
  /** What a request looks like, for the report. */
  label: string;
  /** Relative weights of the operations a request picks from. */
  weights: Partial<Record<Operation, number>>;
  /** Which user group requests pick their user from (the seeded users unless told). */
  group?: string;
  /** Query string of list requests, without `?`. */
  listQuery?: string;
}

export const MAIN_GROUP = 'main';

export const SCENARIOS: Scenario[] = [
  { name: 'get', label: 'GET /v1/todos/{id}', weights: { get: 1 } },
  { name: 'list', label: 'GET /v1/todos (page of 20)', weights: { list: 1 } },
  { name: 'create', label: 'POST /v1/todos', weights: { create: 1 } },
  { name: 'patch', label: 'PATCH /v1/todos/{id}', weights: { patch: 1 } },
  // 70% reads (50% one todo, 20% a page), 20% updates, 10% creates.
  { name: 'mix', label: 'mix: 50% get, 20% list, 20% patch, 10% create', weights: { get: 50, list: 20, patch: 20, create: 10 } },
];

export interface BenchUser {
  token: string;
  todoIds: string[];
}

export interface BuiltRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const PRIORITY_NAMES = ['none', 'low', 'medium', 'high', 'urgent'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Picks an operation by weight. */
export function operationPicker(weights: Partial<Record<Operation, number>>): () => Operation {
  const entries = Object.entries(weights) as Array<[Operation, number]>;
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let r = Math.random() * total;
    for (const [operation, weight] of entries) {
      r -= weight;
      if (r < 0) return operation;
    }
    return entries.at(-1)![0];
  };
}

/** One request of this operation for a random user (and one of that user's todos). */
export function buildRequest(operation: Operation, users: readonly BenchUser[], listQuery = ''): BuiltRequest {
  const user = pick(users);
  const auth = `Bearer ${user.token}`;
  const n = Math.floor(Math.random() * 1e9);
  switch (operation) {
    case 'get':
      return { method: 'GET', path: `/v1/todos/${pick(user.todoIds)}`, headers: { authorization: auth } };
    case 'list':
      return { method: 'GET', path: listQuery ? `/v1/todos?${listQuery}` : '/v1/todos', headers: { authorization: auth } };
    case 'create':
      return {
        method: 'POST',
        path: '/v1/todos',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Bench created #${n}`, description: 'Written by the load generator', priority: pick(PRIORITY_NAMES), due_at: '2027-01-15T09:00:00Z' }),
      };
    case 'patch':
      // A new title every time, so the patch always changes the row (no "unchanged" re-read).
      return {
        method: 'PATCH',
        path: `/v1/todos/${pick(user.todoIds)}`,
        headers: { authorization: auth, 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ title: `Bench patched #${n}`, completed: Math.random() < 0.5, priority: pick(PRIORITY_NAMES) }),
      };
  }
}
