import type { ResponseMeta } from './response-meta.js';
import type { components } from './schema.js';
import type { Label, LabelCreate, LabelPatch, List, ListCreate, ListPatch, Todo } from './types.js';

// A typed builder for `POST /v1/batch`: each call adds one operation and returns a handle; a
// create's handle is a reference (`Ref<'list'>`) that later operations take wherever that kind's
// id goes, so a label passed as a `list_id` is a compile error rather than a 422. The kind is
// inferred from `type` alone.

type Schemas = components['schemas'];

/** What a batch operates on. */
export type BatchKind = 'todo' | 'list' | 'label';

/** The object each kind's operations answer with. */
export interface BatchObjects {
  todo: Todo;
  list: List;
  label: Label;
}

declare const kindBrand: unique symbol;


/** An operation added to a batch: pass it to the sent batch's `get` to read its result. */
export interface BatchStep<K extends BatchKind> {
  /** Its place in the batch, from 0. */
  readonly index: number;
  readonly type: K;
  readonly [kindBrand]?: K;
}

/** The object a create of the batch makes, usable as its id by later operations (sent as `@name`). */
export interface Ref<K extends BatchKind> extends BatchStep<K> {
  /** The operation's `ref`. */
  readonly name: string;
}

/** An id of an object of kind K: one you have (a string), or one the batch creates earlier. */
export type IdOf<K extends BatchKind> = string | Ref<K>;

/** IdOf by kind: looked up, never inferred from, so a reference of another kind cannot widen `K`. */
interface IdsByKind {
  todo: IdOf<'todo'>;
  list: IdOf<'list'>;
  label: IdOf<'label'>;
}

/** A single operation's body, with the id fields of `M` (field → kind) also taking references. */
type WithRefs<T, M extends Partial<Record<keyof T, BatchKind>>> = {
  [P in keyof T]: P extends keyof M
    ? M[P] extends BatchKind
      ? NonNullable<T[P]> extends readonly unknown[]
        ? Array<IdOf<M[P]>>
        : Exclude<T[P], string> | IdOf<M[P]>
      : T[P]
    : T[P];
};

type TodoRefs = { list_id: 'list'; parent_id: 'todo'; label_ids: 'label' };

/** `data` of each operation, as the single operation's body, with references where ids go. */
export interface BatchData {
  create: {
    todo: WithRefs<Schemas['TodoCreate'], TodoRefs>;
    list: ListCreate;
    label: LabelCreate;
  };
  update: {
    todo: WithRefs<Schemas['TodoPatch'], TodoRefs>;
    list: ListPatch;
    label: LabelPatch;
  };
  move: {
    todo: WithRefs<Schemas['TodoMove'], TodoRefs & { before_id: 'todo'; after_id: 'todo' }>;
    list: WithRefs<Schemas['ListMove'], { before_id: 'list'; after_id: 'list' }>;
  };
}

export interface BatchCreateOptions {
  /** The operation's `ref` (1 to 40 letters, digits, `_` or `-`, starting with a letter); default `r<index>`. */
  ref?: string;
}

export interface BatchConditionOptions {
  /** The operation's `if_match`: an ETag as received (`'"3"'`, or `'*'`), the object as read, or its version. */
  ifMatch?: string | number | { readonly version: number };
}

/** One operation's result, typed by the step it answers. */
export interface BatchStepResult<K extends BatchKind> {
  status: 200 | 201 | 204;
  /** The object, or `null` for a delete. */
  data: BatchObjects[K] | null;
  etag: string | null;
}

export interface SentBatch extends ResponseMeta {
  /** The answer's body: `data.results`, one result per operation, in order, as the API answered them. */
  data: Schemas['BatchResponse'];
  /** The result of one step, typed by its kind. */
  get<K extends BatchKind>(step: BatchStep<K>): BatchStepResult<K>;
}

export interface BatchSendOptions {
  signal?: AbortSignal;
  timeout?: number;
  /** Sent as `Idempotency-Key` (it covers the whole batch); default a new random UUID, the same on each retry. */
  idempotencyKey?: string;
}

export interface BatchBuilder {
  /** Adds a create; the returned reference stands for the new object's id in later operations. */
  create<K extends BatchKind>(type: K, data: BatchData['create'][K], options?: BatchCreateOptions): Ref<K>;
  /** Adds a merge patch of an object (an id, or a reference to one the batch creates). */
  update<K extends BatchKind>(type: K, id: IdsByKind[K], data: BatchData['update'][K], options?: BatchConditionOptions): BatchStep<K>;
  /** Adds a delete. */
  delete<K extends BatchKind>(type: K, id: IdsByKind[K], options?: BatchConditionOptions): BatchStep<K>;
  /** Adds a move of a todo or list (labels have no order). */
  move<K extends keyof BatchData['move']>(type: K, id: IdsByKind[K], data: BatchData['move'][K], options?: BatchConditionOptions): BatchStep<K>;
  /** The operations so far, as the request body will carry them. */
  readonly operations: ReadonlyArray<Schemas['BatchOperation']>;
  /** Runs every operation in one transaction (`POST /v1/batch`): all take effect, or the first failure throws an ApiProblem and none does. */
  send(options?: BatchSendOptions): Promise<SentBatch>;
}

const isRef = (value: unknown): value is Ref<BatchKind> => typeof value === 'object' && value !== null && 'name' in value && 'index' in value;

/** A value as the request carries it: a reference as `@name`, arrays item by item. */
function wire(value: unknown): unknown {
  if (isRef(value)) return `@${value.name}`;
  if (Array.isArray(value)) return value.map(wire);
  return value;
}

function wireData(data: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, wire(value)]));
}

/** A new batch builder; `post` sends the body (index.ts gives it the client's transport). */
export function batchBuilder(
  post: (body: Schemas['BatchRequest'], options: BatchSendOptions) => Promise<{ data: Schemas['BatchResponse'] } & ResponseMeta>,
  ifMatchValue: (ifMatch: NonNullable<BatchConditionOptions['ifMatch']>) => string,
): BatchBuilder {
  const operations: Array<Record<string, unknown>> = [];
  const names = new Set<string>();
  const add = <K extends BatchKind>(type: K, operation: Record<string, unknown>, ifMatch?: BatchConditionOptions['ifMatch']): BatchStep<K> => {
    const index = operations.length;
    operations.push({ ...operation, type, ...(ifMatch === undefined ? {} : { if_match: ifMatchValue(ifMatch) }) });
    return { index, type };
  };
  return {
    create(type, data, options = {}) {
      let name = options.ref ?? `r${operations.length}`;
      // A generated name steps aside for one given earlier; a given one must be new.
      while (options.ref === undefined && names.has(name)) name = `${name}_`;
      if (names.has(name)) throw new TypeError(`batch: ref ${JSON.stringify(name)} is already used in this batch`);
      names.add(name);
      const step = add(type, { op: 'create', ref: name, data: wireData(data) });
      return { ...step, name };
    },
    update: (type, id, data, options = {}) => add(type, { op: 'update', id: wire(id), data: wireData(data) }, options.ifMatch),
    delete: (type, id, options = {}) => add(type, { op: 'delete', id: wire(id) }, options.ifMatch),
    move: (type, id, data, options = {}) => add(type, { op: 'move', id: wire(id), data: wireData(data) }, options.ifMatch),
    get operations() {
      return operations as unknown as Array<Schemas['BatchOperation']>;
    },
    async send(options = {}) {
      const answer = await post({ operations: operations as unknown as Array<Schemas['BatchOperation']> }, options);
      return {
        ...answer,
        get: <K extends BatchKind>(step: BatchStep<K>) => {
          const result = answer.data.results[step.index];
          if (!result) throw new RangeError(`batch: no result ${step.index}`);
          return result as BatchStepResult<K>;
        },
      };
    },
  };
}
