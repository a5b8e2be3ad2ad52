// The request mixes the load generator sends; shared by the orchestrator and the load worker.

export type Operation = 'get' | 'list' | 'create' | 'create-in-list' | 'patch' | 'move' | 'feed' | 'batch-create' | 'batch-update';

/** Operations in one POST /v1/batch of the batch scenarios (issue 14: "a batch of 20 creates and a batch of 20 updates"). */
export const BATCH_SIZE = 20;

export interface Scenario {
  /** Stable name, used in the report and the JSON. */
  name: string;
  /** What a request looks like, for the report. */
  label: string;
  /** Relative weights of the operations a request picks from. */
  weights: Partial<Record<Operation, number>>;
  /** Which user group requests pick their user from (the seeded users unless told). */
  group?: string;
  /** Query string of list requests, without `?`; `{list_id}` stands for the id of the user's list. */
  listQuery?: string;
  /**
   * false: measured with the change feed's and the webhooks' triggers disabled on the bench database
   * (todos, lists, labels), to show what they cost a write; re-enabled right after.
   */
  feedTriggers?: boolean;
  /**
   * A POST /v1/batch scenario: `size` operations per request, each the request of the single-request
   * scenario `single` (its operations per second are what the batch is compared with, in the same run).
   */
  batch?: { size: number; single: string };
}

export const MAIN_GROUP = 'main';
/** Users with enough changes for a feed page of 100 (seed.ts, seedFeedUsers); nothing writes to them during the scenarios. */
export const FEED_GROUP = 'feed';
/** Changes a feed request asks for, and how many follow each feed user's cursor. */
export const FEED_PAGE = 100;

export const SCENARIOS: Scenario[] = [
  { name: 'get', label: 'GET /v1/todos/{id}', weights: { get: 1 } },
  { name: 'list', label: 'GET /v1/todos (page of 20)', weights: { list: 1 } },
  { name: 'list-position', label: 'GET /v1/todos?list_id=…&sort=position (page of 20)', weights: { list: 1 }, listQuery: 'list_id={list_id}&sort=position' },
  { name: 'create', label: 'POST /v1/todos', weights: { create: 1 } },
  // create and patch again with the feed's and webhooks' triggers off, right after them (the same data): the difference is what the feed costs a write.
  { name: 'create-no-feed', label: 'POST /v1/todos, feed and webhook triggers off', weights: { create: 1 }, feedTriggers: false },
  { name: 'create-in-list', label: 'POST /v1/todos with list_id', weights: { 'create-in-list': 1 } },
  { name: 'patch', label: 'PATCH /v1/todos/{id}', weights: { patch: 1 } },
  { name: 'patch-no-feed', label: 'PATCH /v1/todos/{id}, feed and webhook triggers off', weights: { patch: 1 }, feedTriggers: false },
  { name: 'move', label: 'POST /v1/todos/{id}/move (after_id)', weights: { move: 1 } },
  // 70% reads (50% one todo, 20% a page), 20% updates, 10% creates.
  { name: 'mix', label: 'mix: 50% get, 20% list, 20% patch, 10% create', weights: { get: 50, list: 20, patch: 20, create: 10 } },
  { name: 'feed', label: `GET /v1/changes?cursor=…&limit=${FEED_PAGE} (${FEED_PAGE} changes)`, weights: { feed: 1 }, group: FEED_GROUP },
  // Last, so their creates (20 a request) grow the users' default lists only after every other scenario ran.
  { name: 'batch-create', label: `POST /v1/batch, ${BATCH_SIZE} todo creates`, weights: { 'batch-create': 1 }, batch: { size: BATCH_SIZE, single: 'create' } },
  { name: 'batch-update', label: `POST /v1/batch, ${BATCH_SIZE} todo updates`, weights: { 'batch-update': 1 }, batch: { size: BATCH_SIZE, single: 'patch' } },
];

export interface BenchUser {
  token: string;
  /** Every todo of the user (get, patch). */
  todoIds: string[];
  /** The user's list that list-position, move and create-in-list use, with its seeded todos. */
  list?: { id: string; todoIds: string[] } | undefined;
  /** A feed cursor (issued by the service) with FEED_PAGE changes after it (feed users only). */
  feedCursor?: string | undefined;
}

export interface BuiltRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const PRIORITY_NAMES = ['none', 'low', 'medium', 'high', 'urgent'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function listOf(user: BenchUser): NonNullable<BenchUser['list']> {
  if (!user.list) throw new Error('this scenario needs users with a list (BenchUser.list)');
  return user.list;
}

// The bodies of a single create and patch; a batch's operations carry the same, so per operation they do the same work.
const createData = (n: number, extra: Record<string, unknown> = {}) => ({
  title: `Bench created #${n}`,
  description: 'Written by the load generator',
  priority: pick(PRIORITY_NAMES),
  due_at: '2027-01-15T09:00:00Z',
  ...extra,
});
// A new title every time, so the patch always changes the row (no "unchanged" re-read).
const patchData = (n: number) => ({ title: `Bench patched #${n}`, completed: Math.random() < 0.5, priority: pick(PRIORITY_NAMES) });

/** `count` distinct items, in random order (a partial Fisher-Yates shuffle). */
function pickDistinct<T>(items: readonly T[], count: number): T[] {
  if (items.length < count) throw new Error(`a batch needs ${count} distinct todos of a user, who has ${items.length}`);
  const copy = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

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
    case 'list': {
      const query = listQuery.includes('{list_id}') ? listQuery.replaceAll('{list_id}', listOf(user).id) : listQuery;
      return { method: 'GET', path: query ? `/v1/todos?${query}` : '/v1/todos', headers: { authorization: auth } };
    }
    case 'create':
      return { method: 'POST', path: '/v1/todos', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(createData(n)) };
    case 'create-in-list':
      return { method: 'POST', path: '/v1/todos', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(createData(n, { list_id: listOf(user).id })) };
    case 'patch':
      return {
        method: 'PATCH',
        path: `/v1/todos/${pick(user.todoIds)}`,
        headers: { authorization: auth, 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify(patchData(n)),
      };
    case 'batch-create': {
      const operations = Array.from({ length: BATCH_SIZE }, (_, k) => ({ op: 'create', type: 'todo', data: createData(n + k) }));
      return { method: 'POST', path: '/v1/batch', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ operations }) };
    }
    case 'batch-update': {
      // Distinct todos and no if_match: concurrent batches of one user wait for each other (the user row's lock) but never 412.
      const operations = pickDistinct(user.todoIds, BATCH_SIZE).map((id, k) => ({ op: 'update', type: 'todo', id, data: patchData(n + k) }));
      return { method: 'POST', path: '/v1/batch', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ operations }) };
    }
    case 'feed': {
      if (!user.feedCursor) throw new Error('the feed scenario needs users with a feed cursor (BenchUser.feedCursor)');
      return { method: 'GET', path: `/v1/changes?cursor=${encodeURIComponent(user.feedCursor)}&limit=${FEED_PAGE}`, headers: { authorization: auth } };
    }
    case 'move': {
      // Just after another todo of the same list: between it and the next (the end after the last).
      const ids = listOf(user).todoIds;
      const i = Math.floor(Math.random() * ids.length);
      const j = (i + 1 + Math.floor(Math.random() * (ids.length - 1))) % ids.length;
      return {
        method: 'POST',
        path: `/v1/todos/${ids[i]}/move`,
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ after_id: ids[j] }),
      };
    }
  }
}
