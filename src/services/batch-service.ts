import { v7 as uuidv7 } from 'uuid';
import { ifMatchVersions, parseIfMatch } from '../lib/etag.js';
import { ApiError, type FieldError } from '../lib/errors.js';
import * as labels from './label-service.js';
import * as lists from './list-service.js';
import * as todos from './todo-service.js';

// A batch runs the single operations' services in order, inside the request's one transaction
// (its unit of work): the first that throws rolls every earlier one back. References (`@name`)
// are resolved before anything runs: each create's id is assigned up front, so a reference is
// that id, with no lookup.

export const BATCH_MAX_OPERATIONS = 100;

/** What an operation names its object (`ref`), and how a later one refers to it (`@ref`). */
export const REF_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
export const REF_USE = /^@[A-Za-z][A-Za-z0-9_-]{0,39}$/;

export type Kind = 'todo' | 'list' | 'label';

interface Common {
  type: Kind;
  id?: string | undefined;
  ref?: string | undefined;
  if_match?: string | undefined;
}

/** An operation as the request schema validated it (ids lower-cased, references still `@name`). */
export type BatchOperation = Common &
  (
    | { op: 'create'; type: 'todo'; data: todos.TodoInput }
    | { op: 'update'; type: 'todo'; id: string; data: todos.TodoPatch }
    | { op: 'delete'; type: 'todo'; id: string }
    | { op: 'move'; type: 'todo'; id: string; data: todos.TodoMove }
    | { op: 'create'; type: 'list'; data: lists.ListInput }
    | { op: 'update'; type: 'list'; id: string; data: lists.ListPatch }
    | { op: 'delete'; type: 'list'; id: string }
    | { op: 'move'; type: 'list'; id: string; data: lists.MoveTarget }
    | { op: 'create'; type: 'label'; data: labels.LabelInput }
    | { op: 'update'; type: 'label'; id: string; data: labels.LabelPatch }
    | { op: 'delete'; type: 'label'; id: string }
  );

/** One operation's outcome: the single operation's status and object (null for a delete). */
export type BatchOutcome =
  | { type: 'todo'; status: 200 | 201; row: todos.TodoRow }
  | { type: 'list'; status: 200 | 201; row: lists.ListRow }
  | { type: 'label'; status: 200 | 201; row: labels.LabelRow }
  | { type: Kind; status: 204; row: null };

export interface BatchLimits {
  todos: number;
  lists: number;
  labels: number;
}

/** A place in an operation where an id may be a reference, and the kind of object it must name. */
interface Slot {
  path: Array<string | number>;
  kind: Kind;
  value: unknown;
}

/** Every field of an operation that takes an id, with the kind it takes. */
function slots(op: { op: string; type: Kind; id?: unknown; data?: unknown }): Slot[] {
  const data = (op.data ?? {}) as Record<string, unknown>;
  const out: Slot[] = [];
  if (op.op !== 'create') out.push({ path: ['id'], kind: op.type, value: op.id });
  const field = (name: string, kind: Kind) => {
    if (typeof data[name] === 'string') out.push({ path: ['data', name], kind, value: data[name] });
  };
  if (op.type === 'todo') {
    field('list_id', 'list');
    field('parent_id', 'todo');
    if (Array.isArray(data.label_ids)) data.label_ids.forEach((value, k) => out.push({ path: ['data', 'label_ids', k], kind: 'label', value }));
  }
  if (op.op === 'move') {
    field('before_id', op.type);
    field('after_id', op.type);
  }
  return out;
}

/**
 * What is wrong with the batch's references, as validation issues (path from the body): a ref
 * used twice, a reference to no operation, to a later one (or its own), or to an object of
 * another kind. Pure: checked with the rest of the body, before any connection is taken.
 */
export function referenceIssues(operations: ReadonlyArray<{ op: string; type: Kind; id?: unknown; ref?: unknown; data?: unknown }>): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const named = new Map<string, { index: number; type: Kind }>();
  operations.forEach((op, index) => {
    if (op.op === 'create' && typeof op.ref === 'string' && !named.has(op.ref)) named.set(op.ref, { index, type: op.type });
  });
  const seen = new Set<string>();
  operations.forEach((op, index) => {
    for (const slot of slots(op)) {
      if (typeof slot.value !== 'string' || !slot.value.startsWith('@')) continue;
      const name = slot.value.slice(1);
      const target = named.get(name);
      const path = ['operations', index, ...slot.path];
      if (!target) issues.push({ path, message: `No operation of this batch has ref ${JSON.stringify(name)}: name the create in its ref, then refer to it as @${name}.` });
      else if (target.index >= index) issues.push({ path, message: `@${name} is created by operation ${target.index}, which does not come before this one: an operation can refer only to objects that earlier operations create.` });
      else if (target.type !== slot.kind) issues.push({ path, message: `@${name} is a ${target.type} (operation ${target.index}); this field takes a ${slot.kind}.` });
    }
    if (op.op === 'create' && typeof op.ref === 'string') {
      if (seen.has(op.ref)) issues.push({ path: ['operations', index, 'ref'], message: `Operation ${named.get(op.ref)?.index} already has ref ${JSON.stringify(op.ref)}: each ref names one object of the batch.` });
      seen.add(op.ref);
    }
  });
  return issues;
}

/**
 * The If-Match of each operation, checked as the header is, before any connection is taken: a
 * value that is not a list of quoted entity tags is the single operation's 400 `invalid_if_match`.
 */
export function checkPreconditions(operations: readonly object[]): void {
  operations.forEach((op, index) => {
    try {
      parseIfMatch((op as { if_match?: string }).if_match);
    } catch (error) {
      if (error instanceof ApiError) throw located(error, index);
      throw error;
    }
  });
}

/** Where the single operation's field errors are in the batch: `body.title` → `operations/3/data/title`, `path.id` → `operations/3/id`. */
function locatedPath(path: string, index: number): string {
  const [part, ...rest] = path.split('.');
  const base = `operations/${index}`;
  if (part === 'body') return [base, 'data', ...rest].join('/');
  if (part === 'path') return [base, ...rest].join('/');
  if (part === 'header' && rest.join('.') === 'if-match') return `${base}/if_match`;
  return [base, ...rest].join('/');
}

/** The field a problem without field errors is about, in an operation. */
const PROBLEM_FIELD: Partial<Record<ApiError['code'], string>> = {
  not_found: 'id',
  precondition_failed: 'if_match',
  invalid_if_match: 'if_match',
  default_list: 'id',
  label_exists: 'data/name',
};

/** The single operation's problem, as the batch's: the same code and status, its detail and paths located in operation `index`. */
function located(error: ApiError, index: number): ApiError {
  // The operation's precondition is its `if_match` field, not a header of the request.
  const said = (error.detail ?? error.message).replaceAll('If-Match', 'if_match');
  const detail = `Operation ${index}: ${said}${said.includes('Nothing was changed') ? '' : ' Nothing was changed.'}`;
  const field = PROBLEM_FIELD[error.code];
  const errors: FieldError[] | undefined = error.errors
    ? error.errors.map((e) => ({ path: locatedPath(e.path, index), message: e.message }))
    : [{ path: field ? `operations/${index}/${field}` : `operations/${index}`, message: said }];
  return new ApiError(error.code, { detail, errors, headers: error.headers, cause: error });
}

/** The batch with every `@name` replaced by the id assigned to the create that named it, and each create's id. */
function resolve(operations: readonly BatchOperation[]): Array<{ op: BatchOperation; createdId: string | undefined }> {
  const created = operations.map((op) => (op.op === 'create' ? uuidv7() : undefined));
  const ids = new Map<string, string>();
  operations.forEach((op, index) => {
    if (op.op === 'create' && op.ref !== undefined && !ids.has(op.ref)) ids.set(op.ref, created[index]!);
  });
  const id = (value: string) => (value.startsWith('@') ? ids.get(value.slice(1))! : value);
  const opt = <T extends string | null | undefined>(value: T): T => (typeof value === 'string' ? (id(value) as T) : value);
  return operations.map((op, index) => {
    const resolved = { ...op, ...(op.id === undefined ? {} : { id: id(op.id) }) };
    if ('data' in resolved && resolved.type === 'todo') {
      const data = resolved.data as todos.TodoPatch & todos.TodoMove;
      resolved.data = {
        ...data,
        ...(data.list_id === undefined ? {} : { list_id: opt(data.list_id) }),
        ...(data.parent_id === undefined ? {} : { parent_id: opt(data.parent_id) }),
        ...(data.label_ids === undefined ? {} : { label_ids: data.label_ids.map(id) }),
        ...(data.before_id === undefined ? {} : { before_id: opt(data.before_id) }),
        ...(data.after_id === undefined ? {} : { after_id: opt(data.after_id) }),
      };
    } else if (resolved.op === 'move' && resolved.type === 'list') {
      resolved.data = { ...resolved.data, before_id: opt(resolved.data.before_id), after_id: opt(resolved.data.after_id) };
    }
    return { op: resolved, createdId: created[index] };
  });
}

/** One operation, by the single operation's service. */
async function runOne(userId: string, op: BatchOperation, createdId: string | undefined, limits: BatchLimits): Promise<BatchOutcome> {
  const expected = ifMatchVersions(op.if_match);
  switch (op.type) {
    case 'todo':
      if (op.op === 'create') return { type: 'todo', status: 201, row: await todos.createTodo(userId, op.data, limits.todos, createdId) };
      if (op.op === 'update') return { type: 'todo', status: 200, row: await todos.updateTodo(userId, op.id, op.data, expected) };
      if (op.op === 'move') return { type: 'todo', status: 200, row: await todos.moveTodo(userId, op.id, op.data, expected) };
      await todos.deleteTodo(userId, op.id, expected);
      return { type: 'todo', status: 204, row: null };
    case 'list':
      if (op.op === 'create') return { type: 'list', status: 201, row: await lists.createList(userId, op.data, limits.lists, createdId) };
      if (op.op === 'update') return { type: 'list', status: 200, row: await lists.updateList(userId, op.id, op.data, expected) };
      if (op.op === 'move') return { type: 'list', status: 200, row: await lists.moveList(userId, op.id, op.data, expected) };
      await lists.deleteList(userId, op.id, expected);
      return { type: 'list', status: 204, row: null };
    case 'label':
      if (op.op === 'create') return { type: 'label', status: 201, row: await labels.createLabel(userId, op.data, limits.labels, createdId) };
      if (op.op === 'update') return { type: 'label', status: 200, row: await labels.updateLabel(userId, op.id, op.data, expected) };
      await labels.deleteLabel(userId, op.id, expected);
      return { type: 'label', status: 204, row: null };
  }
}

/**
 * Runs the operations in order in the caller's current transaction (the request's unit of work,
 * which rolls it all back when this throws). The first operation that fails throws its single
 * operation's problem, located in the batch (`operations/3/data/title`); nothing after it runs.
 * References must have been checked (referenceIssues) and If-Match values parsed (checkPreconditions).
 */
export async function runBatch(userId: string, operations: readonly BatchOperation[], limits: BatchLimits): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  for (const [index, { op, createdId }] of resolve(operations).entries()) {
    try {
      outcomes.push(await runOne(userId, op, createdId, limits));
    } catch (error) {
      if (error instanceof ApiError) throw located(error, index);
      throw error;
    }
  }
  return outcomes;
}
