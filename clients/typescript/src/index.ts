import createClient, { type Middleware } from 'openapi-fetch';
import { ApiProblem } from './api-problem.js';
import { batchBuilder, type BatchBuilder } from './batch.js';
import { responseMeta, type ResponseMeta } from './response-meta.js';
import { withTimeout } from './transport.js';
import { withRetries, type Fetch, type RetryOptions } from './retry.js';
import type { paths } from './schema.js';
import type {
  AccountExport,
  ChangeList,
  CurrentUser,
  Label,
  LabelCreate,
  LatestChange,
  LabelList,
  LabelPatch,
  List,
  ListChangesQuery,
  ListCreate,
  ListLabelsQuery,
  ListListsQuery,
  ListMove,
  ListPage,
  ListPatch,
  ListTodosQuery,
  Liveness,
  OpenAPIDocument,
  Readiness,
  Todo,
  TodoCreate,
  TodoFilters,
  TodoList,
  TodoMove,
  TodoPatch,
  Webhook,
  WebhookAttemptList,
  WebhookCreate,
  WebhookList,
  WebhookPatch,
  WebhookTestResult,
  WebhookWithSecret,
  ListWebhooksQuery,
  ListDeliveriesQuery,
} from './types.js';

export { ApiConnectionError, ApiError, ApiProblem, type ApiConnectionErrorCode, type ApiProblemCode, type ApiRequestInfo } from './api-problem.js';
export type {
  BatchBuilder,
  BatchConditionOptions,
  BatchCreateOptions,
  BatchData,
  BatchKind,
  BatchObjects,
  BatchSendOptions,
  BatchStep,
  BatchStepResult,
  IdOf,
  Ref,
  SentBatch,
} from './batch.js';
export type { Middleware } from 'openapi-fetch';
export type { Fetch, RetryOptions } from './retry.js';
export type { RateLimit, ResponseMeta } from './response-meta.js';
export type * from './types.js';
export { WebhookVerificationError, verifyWebhook, type WebhookHeaders } from './verify-webhook.js';

export interface TodoClientOptions {
  /** Where the API is, without `/v1`: `https://todo.example.com`. */
  baseUrl: string;
  /** A bearer token (JWT) sent with every request. */
  token?: string;
  /** Called before every request, for tokens that expire; it wins over `token`. */
  getToken?: () => string | Promise<string>;
  /** Sends the requests; default `globalThis.fetch`. */
  fetch?: Fetch;
  /** How safe requests are retried on network errors, 429 and 503; `false` turns retries off. */
  retry?: RetryOptions | false;
  /** Milliseconds each attempt may take, answer and body included; past it, an ApiConnectionError with code `timeout`. Default: none. */
  timeout?: number;
  /**
   * Hooks around every call: openapi-fetch middleware (`onRequest`, `onResponse`, `onError`), in
   * order, after the client has set `Authorization`. They run once per call: retries re-send the
   * request the hooks produced, and `onResponse` sees the final answer.
   */
  middleware?: Middleware[];
}

export interface CallOptions {
  signal?: AbortSignal;
  /** This call's per-attempt timeout in ms, instead of the client's `timeout`. */
  timeout?: number;
}

export interface GetOptions extends CallOptions {
  /** An ETag from an earlier read: if the todo still has it, the answer is `{ notModified: true }`. */
  ifNoneMatch?: string;
}

export interface WriteOptions extends CallOptions {
  /** Sent as `Idempotency-Key`; default a new random UUID per call, the same on each of its retries. */
  idempotencyKey?: string;
}

/** An ETag as received (`'"3"'`, or `'*'`), the object as read (anything with a numeric `version`), or that version. */
export type IfMatch = string | number | { readonly version: number };

export interface ConditionalWriteOptions extends WriteOptions {
  /** Sent as `If-Match`: change the object only if it is still at this version (else a 412 `precondition_failed`). */
  ifMatch?: IfMatch;
}

export interface PaginateOptions extends CallOptions {
  /** A `next_cursor` to resume from (with the same filters); default the first page. */
  from?: string | null;
}

export interface CollectOptions extends PaginateOptions {
  /** Stop once this many items are collected (whole pages: it may be up to a page more); default every item. */
  max?: number;
}

/**
 * What every call resolves with. `data` is what the API answered: the object, a page's items, the
 * document or text; `null` when the answer has no body (a delete's 204, a 304). Beside it, what the
 * answer said: its `requestId` and `rateLimit`, and, where the answer has them, `etag`, `location`,
 * `next_cursor` and `has_more`, or `notModified`.
 */
export interface ApiResult<T> extends ResponseMeta {
  data: T;
}

/** An object and its current ETag (pass either as `ifMatch`). */
export interface Tagged<T> extends ApiResult<T> {
  etag: string;
}

/** A new object, its ETag and its URL. */
export interface Created<T> extends Tagged<T> {
  /** The URL of the new object. */
  location: string;
}

/** An object as read: `notModified: false` tells it from a 304. */
export interface Fetched<T> extends Tagged<T> {
  notModified: false;
}

/** The object still has the ETag sent in `ifNoneMatch`: no body came, so `data` is `null`. */
export interface NotModified extends ApiResult<null> {
  notModified: true;
  etag: string;
}

/** A delete (or an erasure) took effect: the answer was a 204, so `data` is `null`. */
export type Deleted = ApiResult<null>;

/** A page of a listing: its body (`data`, the items, and `next_cursor`, and `has_more` for the change feed) and its answer's metadata. */
export type Page<P> = P & ResponseMeta;

/** What `collect` gathered (`data`), where to go on, and the last page's answer's metadata. */
export interface Collected<T> extends ApiResult<T[]> {
  /** The cursor to resume from (pass it as `from`), or `null` when every item was collected. */
  next_cursor: string | null;
}

export type TaggedTodo = Tagged<Todo>;
export type CreatedTodo = Created<Todo>;
export type FetchedTodo = Fetched<Todo>;
export type TaggedLabel = Tagged<Label>;
export type CreatedLabel = Created<Label>;
export type FetchedLabel = Fetched<Label>;
export type TaggedList = Tagged<List>;
export type CreatedList = Created<List>;
export type FetchedList = Fetched<List>;
/** A webhook and its current ETag (never its secret). */
export type TaggedWebhook = Tagged<Webhook>;
export type FetchedWebhook = Fetched<Webhook>;
/** A webhook with its signing secret: what `create` and `rotateSecret` answer, and nothing else does. */
export type WebhookWithSecretResult = Tagged<WebhookWithSecret>;
export type CreatedWebhook = Created<WebhookWithSecret>;

export interface TodoClient {
  me: {
    /** The caller (`GET /v1/me`). */
    (options?: CallOptions): Promise<ApiResult<CurrentUser>>;
    /**
     * Everything the caller owns, from one snapshot (`GET /v1/me/export`), parsed: an incomplete
     * download throws instead of resolving. Give it a `timeout` that fits the account's size.
     */
    export(options?: CallOptions): Promise<ApiResult<AccountExport>>;
    /** Erases the caller and everything they own (`DELETE /v1/me`); the same token then starts a fresh, empty account. */
    delete(options?: CallOptions): Promise<Deleted>;
  };
  todos: {
    /** One page of the caller's todos (`GET /v1/todos`). */
    list(query?: ListTodosQuery, options?: CallOptions): Promise<Page<TodoList>>;
    /** Every todo that matches, page after page, following `next_cursor`. */
    iterate(filters?: TodoFilters, options?: CallOptions): AsyncGenerator<Todo, void, undefined>;
    /** Every page that matches, from `from` (a `next_cursor` of an earlier page) or the start, following `next_cursor`. */
    paginate(filters?: TodoFilters, options?: PaginateOptions): AsyncGenerator<Page<TodoList>, void, undefined>;
    /** Every todo that matches (from `from`, up to `max`), and the cursor to resume from: `null` once there is no more. */
    collect(filters?: TodoFilters, options?: CollectOptions): Promise<Collected<Todo>>;
    /** `POST /v1/todos`. */
    create(body: TodoCreate, options?: WriteOptions): Promise<CreatedTodo>;
    /** `GET /v1/todos/{id}`. */
    get(id: string, options?: CallOptions & { ifNoneMatch?: undefined }): Promise<FetchedTodo>;
    /** `GET /v1/todos/{id}` with `If-None-Match`: `{ notModified: true }` when the todo is unchanged. */
    get(id: string, options: GetOptions): Promise<FetchedTodo | NotModified>;
    /** `PATCH /v1/todos/{id}` as a JSON Merge Patch: absent fields stay, `null` clears. */
    update(id: string, patch: TodoPatch, options?: ConditionalWriteOptions): Promise<TaggedTodo>;
    /** `DELETE /v1/todos/{id}`. */
    delete(id: string, options?: ConditionalWriteOptions): Promise<Deleted>;
    /** `POST /v1/todos/{id}/move`: to another list or parent, before or after a neighbour, or (with none) to the end. */
    move(id: string, to: TodoMove, options?: ConditionalWriteOptions): Promise<TaggedTodo>;
  };
  labels: {
    /** One page of the caller's labels, by name ignoring case (`GET /v1/labels`). */
    list(query?: ListLabelsQuery, options?: CallOptions): Promise<Page<LabelList>>;
    /** Every label, page after page, following `next_cursor`. */
    iterate(query?: Omit<ListLabelsQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<Label, void, undefined>;
    /** `POST /v1/labels`; a name the caller has already (ignoring case) throws a 409 `label_exists`. */
    create(body: LabelCreate, options?: WriteOptions): Promise<CreatedLabel>;
    /** `GET /v1/labels/{id}`. */
    get(id: string, options?: CallOptions & { ifNoneMatch?: undefined }): Promise<FetchedLabel>;
    /** `GET /v1/labels/{id}` with `If-None-Match`: `{ notModified: true }` when the label is unchanged. */
    get(id: string, options: GetOptions): Promise<FetchedLabel | NotModified>;
    /** `PATCH /v1/labels/{id}` as a JSON Merge Patch: absent fields stay, `null` clears `color`. */
    update(id: string, patch: LabelPatch, options?: ConditionalWriteOptions): Promise<TaggedLabel>;
    /** `DELETE /v1/labels/{id}`. */
    delete(id: string, options?: ConditionalWriteOptions): Promise<Deleted>;
  };
  lists: {
    /** One page of the caller's lists in position order (`GET /v1/lists`); archived ones only with `archived: true`. */
    list(query?: ListListsQuery, options?: CallOptions): Promise<Page<ListPage>>;
    /** Every list that matches, page after page, following `next_cursor`. */
    iterate(query?: Omit<ListListsQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<List, void, undefined>;
    /** `POST /v1/lists`: a new list at the end; past `limits.lists` it throws a 409 `limit_reached`. */
    create(body: ListCreate, options?: WriteOptions): Promise<CreatedList>;
    /** `GET /v1/lists/{id}`. */
    get(id: string, options?: CallOptions & { ifNoneMatch?: undefined }): Promise<FetchedList>;
    /** `GET /v1/lists/{id}` with `If-None-Match`: `{ notModified: true }` when the list's own fields are unchanged (its counts may have moved). */
    get(id: string, options: GetOptions): Promise<FetchedList | NotModified>;
    /** `PATCH /v1/lists/{id}` as a JSON Merge Patch: absent fields stay, `null` clears `color`; archiving the default list throws a 409 `default_list`. */
    update(id: string, patch: ListPatch, options?: ConditionalWriteOptions): Promise<TaggedList>;
    /** `DELETE /v1/lists/{id}`, with its todos; the default list throws a 409 `default_list`. */
    delete(id: string, options?: ConditionalWriteOptions): Promise<Deleted>;
    /** `POST /v1/lists/{id}/move`: `{ before_id }`, `{ after_id }`, or `{}` for the end. */
    move(id: string, target: ListMove, options?: ConditionalWriteOptions): Promise<TaggedList>;
  };
  webhooks: {
    /** One page of the caller's webhook endpoints, in the order they were registered (`GET /v1/webhooks`); no secrets. */
    list(query?: ListWebhooksQuery, options?: CallOptions): Promise<Page<WebhookList>>;
    /** Every webhook, page after page, following `next_cursor`. */
    iterate(query?: Omit<ListWebhooksQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<Webhook, void, undefined>;
    /** `POST /v1/webhooks`: registers an endpoint; `data.secret` is its signing secret, shown only here (store it). A refused URL throws a 422 on `body.url`, past `limits.webhooks` a 409 `limit_reached`. */
    create(body: WebhookCreate, options?: WriteOptions): Promise<CreatedWebhook>;
    /** `GET /v1/webhooks/{id}`. */
    get(id: string, options?: CallOptions & { ifNoneMatch?: undefined }): Promise<FetchedWebhook>;
    /** `GET /v1/webhooks/{id}` with `If-None-Match`: `{ notModified: true }` while the webhook is unchanged (poll it to learn cheaply that the service disabled it). */
    get(id: string, options: GetOptions): Promise<FetchedWebhook | NotModified>;
    /** `PATCH /v1/webhooks/{id}` as a JSON Merge Patch: `enabled: true` re-enables (clearing `disabled_reason`), `null` clears `description`. */
    update(id: string, patch: WebhookPatch, options?: ConditionalWriteOptions): Promise<TaggedWebhook>;
    /** `DELETE /v1/webhooks/{id}`, with its pending deliveries and its log. */
    delete(id: string, options?: ConditionalWriteOptions): Promise<Deleted>;
    /** `POST /v1/webhooks/{id}/rotate-secret`: a new secret in `data.secret`; the old one keeps signing beside it for 24 hours. */
    rotateSecret(id: string, options?: ConditionalWriteOptions): Promise<WebhookWithSecretResult>;
    /** `POST /v1/webhooks/{id}/test`: queues a `webhook.test` event for this endpoint; a disabled one throws a 409 `webhook_disabled`. */
    test(id: string, options?: WriteOptions): Promise<ApiResult<WebhookTestResult>>;
    /** One page of the endpoint's delivery attempts, newest first (`GET /v1/webhooks/{id}/deliveries`). */
    deliveries(id: string, query?: ListDeliveriesQuery, options?: CallOptions): Promise<Page<WebhookAttemptList>>;
  };
  changes: {
    /** One page of the change feed after `query.cursor` (from the start without one): `GET /v1/changes`. */
    list(query?: ListChangesQuery, options?: CallOptions): Promise<Page<ChangeList>>;
    /** `GET /v1/changes/latest`: "now", `data.cursor`, the cursor to follow the feed from after a full listing. */
    latest(options?: CallOptions): Promise<ApiResult<LatestChange>>;
    /**
     * Every page after `cursor`, following `next_cursor` until `has_more` is false (a 410
     * `cursor_expired` throws: start over). It yields pages, not changes, so that you store each
     * page's `next_cursor` after applying its changes; the last page's is where to poll from next.
     */
    iterate(cursor?: string, query?: Omit<ListChangesQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<Page<ChangeList>, void, undefined>;
  };
  /**
   * A new batch (`POST /v1/batch`): add up to 100 operations, then `send()` runs them in one
   * transaction. `create` returns a typed reference to pass where that kind's id goes later.
   */
  batch(): BatchBuilder;
  health: {
    /** `GET /health/live`. */
    live(options?: CallOptions): Promise<ApiResult<Liveness>>;
    /** `GET /health/ready`; a 503 (not ready) throws an ApiProblem. */
    ready(options?: CallOptions): Promise<ApiResult<Readiness>>;
  };
  /** The OpenAPI document the server serves (`GET /openapi.json`). */
  openapi(options?: CallOptions): Promise<ApiResult<OpenAPIDocument>>;
  /** The same document as YAML text (`GET /openapi.yaml`), byte for byte the repository's `openapi/openapi.yaml`. */
  openapiYaml(options?: CallOptions): Promise<ApiResult<string>>;
  docs: {
    /** The Swagger UI page (`GET /docs`), as HTML. */
    page(options?: CallOptions): Promise<ApiResult<string>>;
    /** A file of that page (`GET /docs/{asset}`, e.g. `swagger-ui.css`), as a Blob whose `type` is its content type. */
    asset(name: string, options?: CallOptions): Promise<ApiResult<Blob>>;
    /** The HTML page of a problem type (`GET /problems/{slug}`): pass an ApiProblem's `type` or its last segment. */
    problem(type: string, options?: CallOptions): Promise<ApiResult<string>>;
  };
}

/** What openapi-fetch resolves with. */
interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The request each final response answers, for the errors' `method` and `url`. */
const requests = new WeakMap<Response, Request>();

/** The body of a successful answer; any other answer is thrown as an ApiProblem. */
function ok<D>({ data, error, response }: FetchResult<D>): D {
  if (!response.ok) {
    const request = requests.get(response);
    throw new ApiProblem(response, error, request && { method: request.method, url: request.url });
  }
  return data as D;
}

/** A successful answer's body as `data`, with the answer's request id and rate limit. */
function result<D>(answer: FetchResult<D>): ApiResult<D> {
  return { data: ok(answer), ...responseMeta(answer.response) };
}

/** A listing's page: its body's fields (`data`, `next_cursor`…) beside the answer's metadata. */
function page<D extends object>(answer: FetchResult<D>): Page<D> {
  return { ...ok(answer), ...responseMeta(answer.response) };
}

/** An object and the ETag it came with. */
function tagged<D>(answer: FetchResult<D>): Tagged<D> {
  return { ...result(answer), etag: requiredHeader(answer.response, 'ETag') };
}

/** A 201: the new object, its ETag and its Location. */
function created<D>(answer: FetchResult<D>): Created<D> {
  return { ...tagged(answer), location: requiredHeader(answer.response, 'Location') };
}

/** A read that may be a 304 (it was sent with `If-None-Match`). */
function fetched<D>(answer: FetchResult<D>, ifNoneMatch: string | undefined): Fetched<D> | NotModified {
  if (answer.response.status === 304) return { notModified: true, data: null, etag: answer.response.headers.get('ETag') ?? ifNoneMatch ?? '', ...responseMeta(answer.response) };
  return { notModified: false, ...tagged(answer) };
}

/** A 204. */
function deleted(answer: FetchResult<unknown>): Deleted {
  ok(answer);
  return { data: null, ...responseMeta(answer.response) };
}

/** `If-None-Match`, left out when undefined. */
const ifNoneMatchHeader = ({ ifNoneMatch }: GetOptions) => (ifNoneMatch === undefined ? undefined : { 'if-none-match': ifNoneMatch });

/** Every item of a cursor-paginated listing, page after page, following `next_cursor`. */
async function* items<T, Q extends object>(list: (query: Q & { cursor?: string }, options: CallOptions) => Promise<{ data: T[]; next_cursor: string | null }>, query: Q, options: CallOptions) {
  let cursor: string | null = null;
  do {
    const page: { data: T[]; next_cursor: string | null } = await list(cursor === null ? query : { ...query, cursor }, options);
    yield* page.data;
    cursor = page.next_cursor;
  } while (cursor !== null);
}

function requiredHeader(response: Response, name: string): string {
  const value = response.headers.get(name);
  if (value === null) throw new Error(`The ${response.status} answer lacks the ${name} header that the API contract promises`);
  return value;
}

/** The spec's query: array filters joined by commas, as `GET /v1/todos` reads them. */
function todosQuery({ priority, label_id, ...rest }: ListTodosQuery): NonNullable<paths['/v1/todos']['get']['parameters']['query']> {
  const joined = (value: string | readonly string[] | undefined) => (typeof value === 'object' ? value.join(',') : value);
  return { ...rest, priority: joined(priority), label_id: joined(label_id) };
}

/** Every write carries an Idempotency-Key, so it is safe to retry. */
const idempotencyKey = (options: WriteOptions): string => options.idempotencyKey ?? crypto.randomUUID();

/** The If-Match value: a string as it is, a version (or an object's) as its ETag `"<version>"`. */
function ifMatchHeader(ifMatch: IfMatch): string {
  if (typeof ifMatch === 'string') return ifMatch;
  const version = typeof ifMatch === 'number' ? ifMatch : ifMatch.version;
  // Versions are whole numbers from 1: anything else would only earn a 400 or a 412 later.
  if (!Number.isSafeInteger(version) || version < 1) throw new TypeError(`ifMatch: ${String(version)} is not a version (a whole number from 1)`);
  return `"${version}"`;
}

/** A write that names no object: its Idempotency-Key. */
const writeParams = (options: WriteOptions) => ({ header: { 'idempotency-key': idempotencyKey(options) } });

/** If-Match is left out when undefined. */
const conditionalHeaders = (options: ConditionalWriteOptions) => ({
  'idempotency-key': idempotencyKey(options),
  'if-match': options.ifMatch === undefined ? undefined : ifMatchHeader(options.ifMatch),
});

/** A typed client of the Todo API. */
export function createTodoClient(options: TodoClientOptions): TodoClient {
  const { baseUrl, token, fetch = (request: Request) => globalThis.fetch(request), retry = {} } = options;
  const getToken = options.getToken ?? (token === undefined ? undefined : () => token);
  const transport = (timeoutMs: number | undefined): Fetch => {
    const send = withRetries(withTimeout(fetch, timeoutMs), retry);
    return async (request) => {
      const response = await send(request);
      requests.set(response, request);
      return response;
    };
  };
  const byDefault = transport(options.timeout);
  /** What every call passes to openapi-fetch: its signal, and a transport with its timeout. */
  const send = ({ signal, timeout }: CallOptions) => ({ signal, fetch: timeout === undefined ? byDefault : transport(timeout) });
  const api = createClient<paths>({ baseUrl, fetch: byDefault });
  if (getToken) {
    api.use({
      onRequest: async ({ request }) => {
        request.headers.set('Authorization', `Bearer ${await getToken()}`);
      },
    });
  }
  if (options.middleware && options.middleware.length > 0) api.use(...options.middleware);

  const list = async (query: ListTodosQuery = {}, options: CallOptions = {}) => page(await api.GET('/v1/todos', { params: { query: todosQuery(query) }, ...send(options) }));

  async function* paginate(filters: TodoFilters = {}, { from = null, ...options }: PaginateOptions = {}) {
    let cursor = from;
    do {
      const page: Page<TodoList> = await list(cursor === null ? filters : { ...filters, cursor }, options);
      yield page;
      cursor = page.next_cursor;
    } while (cursor !== null);
  }

  async function* iterate(filters: TodoFilters = {}, options: CallOptions = {}) {
    for await (const page of paginate(filters, options)) yield* page.data;
  }

  async function collect(filters: TodoFilters = {}, { max = Number.POSITIVE_INFINITY, ...options }: CollectOptions = {}): Promise<Collected<Todo>> {
    const data: Todo[] = [];
    let last: Page<TodoList> | undefined;
    for await (const page of paginate(filters, options)) {
      data.push(...page.data);
      last = page;
      if (data.length >= max) break;
    }
    // paginate yields at least one page (or throws): `last` is set.
    const { next_cursor, requestId, rateLimit } = last!;
    return { data, next_cursor, requestId, rateLimit };
  }

  const headers = { 'Content-Type': 'application/merge-patch+json' };
  const byId = (id: string, options: ConditionalWriteOptions) => ({ path: { id }, header: conditionalHeaders(options) });

  const listLabels = async (query: ListLabelsQuery = {}, options: CallOptions = {}) => page(await api.GET('/v1/labels', { params: { query }, ...send(options) }));
  const listLists = async (query: ListListsQuery = {}, options: CallOptions = {}) => page(await api.GET('/v1/lists', { params: { query }, ...send(options) }));
  const listWebhooks = async (query: ListWebhooksQuery = {}, options: CallOptions = {}) => page(await api.GET('/v1/webhooks', { params: { query }, ...send(options) }));
  const listChanges = async (query: ListChangesQuery = {}, options: CallOptions = {}) => page(await api.GET('/v1/changes', { params: { query }, ...send(options) }));

  async function* iterateChanges(cursor?: string, query: Omit<ListChangesQuery, 'cursor'> = {}, options: CallOptions = {}) {
    let page: Page<ChangeList>;
    do {
      page = await listChanges(cursor === undefined ? query : { ...query, cursor }, options);
      yield page;
      cursor = page.next_cursor;
    } while (page.has_more);
  }

  const batch = () =>
    batchBuilder(async (body, options) => result(await api.POST('/v1/batch', { params: writeParams(options), body, ...send(options) })), ifMatchHeader);

  const client: TodoClient = {
    me: Object.assign(async (options: CallOptions = {}) => result(await api.GET('/v1/me', send(options))), {
      export: async (options: CallOptions = {}) => result(await api.GET('/v1/me/export', send(options))),
      delete: async (options: CallOptions = {}) => deleted(await api.DELETE('/v1/me', send(options))),
    }),
    batch,
    todos: {
      list,
      iterate,
      paginate,
      collect,
      create: async (body: TodoCreate, options: WriteOptions = {}) => created(await api.POST('/v1/todos', { params: writeParams(options), body, ...send(options) })),
      get: (async (id: string, options: GetOptions = {}) =>
        fetched(await api.GET('/v1/todos/{id}', { params: { path: { id }, header: ifNoneMatchHeader(options) }, ...send(options) }), options.ifNoneMatch)) as TodoClient['todos']['get'],
      update: async (id: string, patch: TodoPatch, options: ConditionalWriteOptions = {}) => tagged(await api.PATCH('/v1/todos/{id}', { params: byId(id, options), body: patch, headers, ...send(options) })),
      delete: async (id: string, options: ConditionalWriteOptions = {}) => deleted(await api.DELETE('/v1/todos/{id}', { params: byId(id, options), ...send(options) })),
      move: async (id: string, to: TodoMove, options: ConditionalWriteOptions = {}) => tagged(await api.POST('/v1/todos/{id}/move', { params: byId(id, options), body: to, ...send(options) })),
    },
    labels: {
      list: listLabels,
      iterate: (query = {}, options = {}) => items(listLabels, query, options),
      create: async (body: LabelCreate, options: WriteOptions = {}) => created(await api.POST('/v1/labels', { params: writeParams(options), body, ...send(options) })),
      get: (async (id: string, options: GetOptions = {}) =>
        fetched(await api.GET('/v1/labels/{id}', { params: { path: { id }, header: ifNoneMatchHeader(options) }, ...send(options) }), options.ifNoneMatch)) as TodoClient['labels']['get'],
      update: async (id: string, patch: LabelPatch, options: ConditionalWriteOptions = {}) => tagged(await api.PATCH('/v1/labels/{id}', { params: byId(id, options), body: patch, headers, ...send(options) })),
      delete: async (id: string, options: ConditionalWriteOptions = {}) => deleted(await api.DELETE('/v1/labels/{id}', { params: byId(id, options), ...send(options) })),
    },
    lists: {
      list: listLists,
      iterate: (query = {}, options = {}) => items(listLists, query, options),
      create: async (body: ListCreate, options: WriteOptions = {}) => created(await api.POST('/v1/lists', { params: writeParams(options), body, ...send(options) })),
      get: (async (id: string, options: GetOptions = {}) =>
        fetched(await api.GET('/v1/lists/{id}', { params: { path: { id }, header: ifNoneMatchHeader(options) }, ...send(options) }), options.ifNoneMatch)) as TodoClient['lists']['get'],
      update: async (id: string, patch: ListPatch, options: ConditionalWriteOptions = {}) => tagged(await api.PATCH('/v1/lists/{id}', { params: byId(id, options), body: patch, headers, ...send(options) })),
      delete: async (id: string, options: ConditionalWriteOptions = {}) => deleted(await api.DELETE('/v1/lists/{id}', { params: byId(id, options), ...send(options) })),
      move: async (id: string, target: ListMove, options: ConditionalWriteOptions = {}) => tagged(await api.POST('/v1/lists/{id}/move', { params: byId(id, options), body: target, ...send(options) })),
    },
    webhooks: {
      list: listWebhooks,
      iterate: (query = {}, options = {}) => items(listWebhooks, query, options),
      create: async (body: WebhookCreate, options: WriteOptions = {}) => created(await api.POST('/v1/webhooks', { params: writeParams(options), body, ...send(options) })),
      get: (async (id: string, options: GetOptions = {}) =>
        fetched(await api.GET('/v1/webhooks/{id}', { params: { path: { id }, header: ifNoneMatchHeader(options) }, ...send(options) }), options.ifNoneMatch)) as TodoClient['webhooks']['get'],
      update: async (id: string, patch: WebhookPatch, options: ConditionalWriteOptions = {}) => tagged(await api.PATCH('/v1/webhooks/{id}', { params: byId(id, options), body: patch, headers, ...send(options) })),
      delete: async (id: string, options: ConditionalWriteOptions = {}) => deleted(await api.DELETE('/v1/webhooks/{id}', { params: byId(id, options), ...send(options) })),
      rotateSecret: async (id: string, options: ConditionalWriteOptions = {}) => tagged(await api.POST('/v1/webhooks/{id}/rotate-secret', { params: byId(id, options), ...send(options) })),
      test: async (id: string, options: WriteOptions = {}) =>
        result(await api.POST('/v1/webhooks/{id}/test', { params: { path: { id }, ...writeParams(options) }, ...send(options) })),
      deliveries: async (id: string, query: ListDeliveriesQuery = {}, options: CallOptions = {}) => page(await api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id }, query }, ...send(options) })),
    },
    changes: {
      list: listChanges,
      latest: async (options = {}) => result(await api.GET('/v1/changes/latest', send(options))),
      iterate: iterateChanges,
    },
    health: {
      live: async (options = {}) => result(await api.GET('/health/live', send(options))),
      ready: async (options = {}) => result(await api.GET('/health/ready', send(options))),
    },
    openapi: async (options = {}) => result(await api.GET('/openapi.json', send(options))),
    openapiYaml: async (options = {}) => result(await api.GET('/openapi.yaml', { parseAs: 'text', ...send(options) })),
    docs: {
      page: async (options = {}) => result(await api.GET('/docs', { parseAs: 'text', ...send(options) })),
      asset: async (name, options = {}) => result(await api.GET('/docs/{asset}', { params: { path: { asset: name } }, parseAs: 'blob', ...send(options) })),
      // A problem's `type` is a URI such as `/problems/not-found`: its last segment is the slug.
      problem: async (type, options = {}) => result(await api.GET('/problems/{slug}', { params: { path: { slug: type.slice(type.lastIndexOf('/') + 1) } }, parseAs: 'text', ...send(options) })),
    },
  };
  return client;
}
