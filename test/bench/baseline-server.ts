import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateKeyBetween } from 'fractional-indexing';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

// The raw baseline: the same routes, SQL shape and checks that matter as the service, with
// node:http and pg only (no framework, no ORM). It is what Node can do on this database, the
// ceiling the service is compared with. Two modes:
// - plain (the default): one statement per request (a move: three; a batch: one per operation), no transaction;
// - BEGIN/COMMIT (BASELINE_TX=1 or --tx): each write (POST, PATCH, DELETE, a move, a batch) runs on one
//   pooled client as BEGIN, its statement(s), COMMIT (ROLLBACK on error), the two extra round
//   trips the service's contract requires of a write. Reads stay one statement without a transaction.
// The bench compares reads with the plain mode and writes with the BEGIN/COMMIT one.
// A bench tool, not part of the app: it reads its few settings from process.env itself.

const PORT = Number(process.env.PORT ?? 3100);
const HOST = process.env.HOST ?? '127.0.0.1';
const SECRET = new TextEncoder().encode(process.env.AUTH_JWT_SECRET ?? '');
const BODY_LIMIT = 102_400;
const USER_CACHE_SIZE = 10_000;
const TX = process.env.BASELINE_TX === '1' || process.argv.includes('--tx');
const NAME = TX ? 'baseline (BEGIN/COMMIT)' : 'baseline';

if (SECRET.length < 32 || !process.env.DATABASE_URL) {
  process.stderr.write('baseline-server needs DATABASE_URL and AUTH_JWT_SECRET (at least 32 characters)\n');
  process.exit(1);
}

// statement_timeout as a start-up parameter costs no round trip (the service sets it per transaction).
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 10),
  connectionTimeoutMillis: 5000,
  idleTimeoutMillis: 10_000,
  statement_timeout: 10_000,
  application_name: TX ? 'todo-bench-baseline-tx' : 'todo-bench-baseline',
});

/** The pool, or the client of a write's transaction. */
interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A write's statements: on the pool in plain mode; in BEGIN/COMMIT mode on one client inside
 * BEGIN ... COMMIT, ROLLBACK when anything throws (a 404 too, as the service rolls back), and the
 * client released (destroyed if even the ROLLBACK failed, so no open transaction goes back to the pool).
 */
async function write<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
  if (!TX) {
    try {
      return await work(pool);
    } catch (error) {
      throw referenceError(error);
    }
  }
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw referenceError(error);
  } finally {
    client.release(broken);
  }
}

const PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'] as const;
const COLUMNS =
  'id, user_id, list_id, parent_id, position, label_ids, subtask_count, open_subtask_count, title, description, completed, completed_at, due_at, priority, version, created_at, updated_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const REQUEST_ID = /^[A-Za-z0-9_=-]{1,128}$/;

// The service's security headers, so both answers weigh the same on the wire.
const COMMON_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'cache-control': 'private, no-store',
};

interface TodoRow {
  id: string;
  user_id: string;
  list_id: string;
  parent_id: string | null;
  position: string;
  label_ids: string[];
  subtask_count: number;
  open_subtask_count: number;
  title: string;
  description: string | null;
  completed: boolean;
  completed_at: Date | null;
  due_at: Date | null;
  priority: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  sort_key?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: Array<{ path: string; message: string }> = [],
  ) {
    super(detail);
  }
}

const invalid = (path: string, message: string) => new HttpError(422, 'validation_failed', 'Request validation failed', [{ path, message }]);

// Ids the database refused (foreign keys, the tree trigger): a 422 on the field, as in the service.
const REFERENCE_PATHS: Record<string, string> = {
  todos_list_fkey: 'body.list_id',
  todos_parent_fkey: 'body.parent_id',
  todos_no_cycle: 'body.parent_id',
  todos_not_own_parent: 'body.parent_id',
  todos_subtask_depth: 'body.parent_id',
  todo_labels_label_fkey: 'body.label_ids',
};

function referenceError(error: unknown): unknown {
  const { code, constraint } = error as { code?: string; constraint?: string };
  const path = (code === '23503' || code === '23514') && constraint ? REFERENCE_PATHS[constraint] : undefined;
  return path ? invalid(path, 'No such id of yours here.') : error;
}

// ---- responses

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, ...headers, 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown, instance: string): void {
  const e = error instanceof HttpError ? error : new HttpError(500, 'internal_error', 'Something went wrong on our side.');
  if (!(error instanceof HttpError)) process.stderr.write(`${NAME}: ${error instanceof Error ? error.stack : String(error)}\n`);
  const headers: Record<string, string> = e.status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {};
  send(res, e.status, { type: `about:blank#${e.code}`, title: e.code, status: e.status, detail: e.message, instance, code: e.code, errors: e.errors }, headers, 'application/problem+json');
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toTodo(row: TodoRow) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    completed_at: iso(row.completed_at),
    due_at: iso(row.due_at),
    priority: PRIORITIES[row.priority] ?? 'none',
    list_id: row.list_id,
    parent_id: row.parent_id,
    position: row.position,
    label_ids: row.label_ids,
    subtask_count: row.subtask_count,
    open_subtask_count: row.open_subtask_count,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
  };
}

// ---- identity: the same token checks as the service, and the same subject -> user cache

const users = new Map<string, string>();

// Verified tokens by their text, until they expire: the same cache the service keeps, so that the
// baseline stays the ceiling and the comparison measures the framework, not a missing cache.
const verified = new Map<string, { sub: string; until: number }>();

async function authenticate(req: IncomingMessage): Promise<string> {
  const match = BEARER.exec(req.headers.authorization ?? '');
  if (!match) throw new HttpError(401, 'unauthorized', 'This endpoint needs a bearer token.');
  const token = match[1]!;
  const known = verified.get(token);
  if (known && known.until > Date.now()) return userId(known.sub);
  let sub: unknown;
  let exp: number | undefined;
  try {
    ({ payload: { sub, exp } } = await jwtVerify(token, SECRET, { algorithms: ['HS256'], requiredClaims: ['exp'], clockTolerance: 60 }));
  } catch {
    throw new HttpError(401, 'unauthorized', 'The token is not valid.');
  }
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) throw new HttpError(401, 'unauthorized', 'The token needs a subject.');
  if (verified.size >= 10_000) verified.delete(verified.keys().next().value!);
  verified.set(token, { sub, until: Math.min(Date.now() + 300_000, ((exp ?? 0) + 60) * 1000) });
  return userId(sub);
}

async function userId(subject: string): Promise<string> {
  const cached = users.get(subject);
  if (cached) return cached;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO users (id, subject, created_at, updated_at) VALUES ($1, $2, now(), now())
     ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject RETURNING id`,
    [uuidv7(), subject],
  );
  const id = rows[0]!.id;
  users.set(subject, id);
  if (users.size > USER_CACHE_SIZE) users.delete(users.keys().next().value!);
  return id;
}

// ---- request bodies, validated by hand

const codePointsAtMost = (s: string, max: number) => s.length <= max || [...s].length <= max;
const storable = (s: string) => !s.includes('\u0000') && s.isWellFormed();

async function readJson(req: IncomingMessage, types: string[]): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(type)) throw new HttpError(415, 'unsupported_media_type', `Send ${types.join(' or ')}.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new HttpError(413, 'payload_too_large', 'The request body is too large.');
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'malformed_json', 'The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'Must be a JSON object.');
  return body as Record<string, unknown>;
}

interface TodoFields {
  title?: string;
  description?: string | null;
  completed?: boolean;
  due_at?: Date | null;
  priority?: number;
  list_id?: string;
  parent_id?: string | null;
  label_ids?: string[];
}

const FIELDS = new Set(['title', 'description', 'completed', 'due_at', 'priority']);
// Where a new todo goes and its labels: on create only (no bench scenario patches them).
const CREATE_FIELDS = new Set([...FIELDS, 'list_id', 'parent_id', 'label_ids']);

function validateFields(body: Record<string, unknown>, create: boolean): TodoFields {
  const fields = create ? CREATE_FIELDS : FIELDS;
  for (const key of Object.keys(body)) if (!fields.has(key)) throw invalid(`body.${key}`, 'Unknown or read-only field.');
  const out: TodoFields = {};
  if (body.title !== undefined) {
    if (typeof body.title !== 'string') throw invalid('body.title', 'Must be a string.');
    const title = body.title.trim();
    if (title.length === 0 || !codePointsAtMost(title, 1024) || !storable(title)) throw invalid('body.title', 'Must be 1 to 1024 characters.');
    out.title = title;
  } else if (create) throw invalid('body.title', 'Required.');
  if (body.description !== undefined) {
    const d = body.description;
    if (d !== null && (typeof d !== 'string' || !codePointsAtMost(d, 8192) || !storable(d))) throw invalid('body.description', 'Must be null or up to 8192 characters.');
    out.description = d;
  }
  if (body.completed !== undefined) {
    if (typeof body.completed !== 'boolean') throw invalid('body.completed', 'Must be a boolean.');
    out.completed = body.completed;
  }
  if (body.due_at !== undefined) out.due_at = body.due_at === null ? null : timestamp(body.due_at, 'body.due_at');
  if (body.priority !== undefined) {
    const rank = PRIORITIES.indexOf(body.priority as (typeof PRIORITIES)[number]);
    if (rank < 0) throw invalid('body.priority', `Must be one of ${PRIORITIES.join(', ')}.`);
    out.priority = rank;
  }
  if (body.list_id !== undefined) out.list_id = uuid(body.list_id, 'body.list_id');
  if (body.parent_id !== undefined) out.parent_id = body.parent_id === null ? null : uuid(body.parent_id, 'body.parent_id');
  if (body.label_ids !== undefined) {
    const ids = body.label_ids;
    if (!Array.isArray(ids) || ids.length > 20) throw invalid('body.label_ids', 'Must be an array of at most 20 label ids.');
    out.label_ids = ids.map((id, i) => uuid(id, `body.label_ids.${i}`));
    if (new Set(out.label_ids.map((id) => id.toLowerCase())).size !== ids.length) throw invalid('body.label_ids', 'Each label at most once.');
  }
  return out;
}

function uuid(value: unknown, path: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid(path, 'Must be a UUID.');
  return value;
}

interface MoveFields {
  list_id?: string;
  parent_id?: string | null;
  before_id?: string;
  after_id?: string;
}

function validateMove(body: Record<string, unknown>): MoveFields {
  const out: MoveFields = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'parent_id') out.parent_id = value === null ? null : uuid(value, 'body.parent_id');
    else if (key === 'list_id' || key === 'before_id' || key === 'after_id') out[key] = uuid(value, `body.${key}`);
    else throw invalid(`body.${key}`, 'Unknown field.');
  }
  if (out.before_id !== undefined && out.after_id !== undefined) throw invalid('body.after_id', 'Send before_id or after_id, not both.');
  return out;
}

function timestamp(value: unknown, path: string): Date {
  if (typeof value !== 'string' || value.length > 64 || !RFC3339.test(value)) throw invalid(path, 'Must be an RFC 3339 timestamp.');
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) throw invalid(path, 'Must be an RFC 3339 timestamp.');
  return date;
}

// ---- handlers: one statement each (a PATCH that changes nothing reads the row, as the service does;
// a move three); a write's run on `db`, the pool or its transaction's client (see write())

async function getTodo(user: string, id: string, db: Queryable = pool): Promise<TodoRow> {
  const { rows } = await db.query<TodoRow>(`SELECT ${COLUMNS} FROM todos WHERE id = $1 AND user_id = $2 LIMIT 1`, [id, user]);
  if (!rows[0]) throw new HttpError(404, 'not_found', 'No todo with this id.');
  return rows[0];
}

// list_id NULL: the default list (the parent's when parent_id is given); position: the end. Both by the todos_defaults trigger, as in the service.
async function createTodo(db: Queryable, user: string, fields: TodoFields): Promise<TodoRow> {
  const now = new Date();
  const completed = fields.completed ?? false;
  const { rows } = await db.query<TodoRow>(
    `INSERT INTO todos (id, user_id, list_id, parent_id, label_ids, title, description, completed, completed_at, due_at, priority, version, created_at, updated_at)
     VALUES ($1, $2, $3::uuid, $4::uuid, $5::uuid[], $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING ${COLUMNS}`,
    [
      uuidv7(), user, fields.list_id ?? null, fields.parent_id ?? null, fields.label_ids ?? [], fields.title, fields.description ?? null,
      completed, completed ? now : null, fields.due_at ?? null, fields.priority ?? 0, now,
    ],
  );
  return rows[0]!;
}

/** `lockOwner`: the user row's lock first, in the statement (the service's OWNER_LOCKED), for a batch's several UPDATEs in one transaction. */
async function patchTodo(db: Queryable, user: string, id: string, fields: TodoFields, lockOwner = false): Promise<TodoRow> {
  const params: unknown[] = [id, user];
  const sets: string[] = [];
  const changed: string[] = [];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
    changed.push(`${column} IS DISTINCT FROM $${params.length}`);
  };
  for (const column of ['title', 'description', 'due_at', 'priority', 'completed'] as const) {
    if (fields[column] !== undefined) set(column, fields[column]);
  }
  if (sets.length === 0) return getTodo(user, id, db);
  const now = new Date();
  params.push(now);
  const nowParam = `$${params.length}::timestamptz`;
  if (fields.completed !== undefined) sets.push(`completed_at = ${fields.completed ? `CASE WHEN completed THEN completed_at ELSE ${nowParam} END` : 'NULL'}`);
  sets.push('version = version + 1', `updated_at = ${nowParam}`);
  const { rows } = await db.query<TodoRow>(
    `UPDATE todos SET ${sets.join(', ')} WHERE ${lockOwner ? 'EXISTS (SELECT 1 FROM users WHERE id = $2 FOR UPDATE) AND ' : ''}id = $1 AND user_id = $2 AND (${changed.join(' OR ')}) RETURNING ${COLUMNS}`,
    params,
  );
  return rows[0] ?? getTodo(user, id, db);
}

interface PlaceRow {
  id: string;
  list_id: string;
  parent_id: string | null;
  position: string;
}

const PLACE = (param: string) =>
  `(SELECT json_build_object('id', id, 'list_id', list_id, 'parent_id', parent_id, 'position', position, 'version', version) FROM todos WHERE user_id = $1 AND id = ${param}::uuid)`;

// The sibling on the other side of the neighbour ($4), leaving out the todo that moves ($2).
const ADJACENT = (after: boolean) =>
  `(SELECT ${after ? 'min' : 'max'}(s.position) FROM todos s, todos n
    WHERE n.user_id = $1 AND n.id = $4::uuid AND s.user_id = $1 AND s.list_id = n.list_id
      AND s.parent_id IS NOT DISTINCT FROM n.parent_id AND s.position ${after ? '>' : '<'} n.position AND s.id <> $2::uuid)`;

/**
 * A move as the service does it: the user row's lock (which serialises the user's moves) reserves the
 * end key; one read of the todo, the parent and the neighbour with its adjacent sibling; the key
 * between them (fractional-indexing); one UPDATE. No renumbering of long keys: a bench run's keys stay short.
 */
async function moveTodo(db: Queryable, user: string, id: string, move: MoveFields): Promise<TodoRow> {
  const reserved = await db.query<{ position: string }>('UPDATE users SET position_seq = position_seq + 1 WHERE id = $1 RETURNING fractional_key(position_seq) AS position', [user]);
  const end = reserved.rows[0]!.position;
  const after = move.after_id !== undefined;
  const neighbourId = move.after_id ?? move.before_id ?? null;
  const { rows } = await db.query<{ todo: PlaceRow | null; parent: PlaceRow | null; neighbour: PlaceRow | null; adjacent: string | null }>(
    `SELECT ${PLACE('$2')} AS todo, ${PLACE('$3')} AS parent, ${PLACE('$4')} AS neighbour, ${ADJACENT(after)} AS adjacent`,
    [user, id, move.parent_id ?? null, neighbourId],
  );
  const { todo, parent, neighbour, adjacent } = rows[0]!;
  if (!todo) throw new HttpError(404, 'not_found', 'No todo with this id.');
  if (move.parent_id && !parent) throw invalid('body.parent_id', 'No todo of yours in this list has this id.');
  const list = move.list_id ?? parent?.list_id ?? todo.list_id;
  const parentId = move.parent_id !== undefined ? move.parent_id : list === todo.list_id ? todo.parent_id : null;
  if (neighbourId !== null && (!neighbour || neighbour.id === todo.id || neighbour.list_id !== list || neighbour.parent_id !== parentId)) {
    throw invalid(after ? 'body.after_id' : 'body.before_id', 'No todo of yours in the place the todo moves to has this id.');
  }
  const [before, next] = !neighbour ? [null, null] : after ? [neighbour.position, adjacent] : [adjacent, neighbour.position];
  const position = next === null ? end : generateKeyBetween(before, next);
  const updated = await db.query<TodoRow>(
    `UPDATE todos SET list_id = $3::uuid, parent_id = $4::uuid, position = $5, version = version + 1, updated_at = $6
     WHERE user_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [user, id, list, parentId, position, new Date()],
  );
  if (!updated.rows[0]) throw new HttpError(404, 'not_found', 'No todo with this id.');
  return updated.rows[0];
}

async function deleteTodo(db: Queryable, user: string, id: string): Promise<void> {
  const { rowCount } = await db.query('DELETE FROM todos WHERE id = $1 AND user_id = $2', [id, user]);
  if (rowCount === 0) throw new HttpError(404, 'not_found', 'No todo with this id.');
}

// ---- POST /v1/batch: todo creates and updates only (what the bench sends), run in order in one write()

const BATCH_MAX = 100;
type BatchStep = { op: 'create'; fields: TodoFields } | { op: 'update'; id: string; fields: TodoFields };

function validateBatch(body: Record<string, unknown>): BatchStep[] {
  for (const key of Object.keys(body)) if (key !== 'operations') throw invalid(key, 'Unknown field.');
  const operations = body.operations;
  if (!Array.isArray(operations) || operations.length < 1 || operations.length > BATCH_MAX) throw invalid('operations', `Must be 1 to ${BATCH_MAX} operations.`);
  return operations.map((op: unknown, i): BatchStep => {
    const at = `operations/${i}`;
    if (typeof op !== 'object' || op === null || Array.isArray(op)) throw invalid(at, 'Must be an object.');
    const { op: kind, type, id, data, ...rest } = op as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    // ref and if_match too: no bench scenario sends them.
    if (extra !== undefined) throw invalid(`${at}/${extra}`, 'Not taken by the baseline.');
    if (type !== 'todo' || (kind !== 'create' && kind !== 'update')) throw invalid(`${at}/op`, 'The baseline runs todo creates and updates only.');
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid(`${at}/data`, 'Must be an object.');
    const fields = validateFields(data as Record<string, unknown>, kind === 'create');
    if (kind === 'create') {
      if (id !== undefined) throw invalid(`${at}/id`, 'A create takes no id.');
      return { op: 'create', fields };
    }
    return { op: 'update', id: uuid(id, `${at}/id`), fields };
  });
}

async function runBatch(db: Queryable, user: string, steps: BatchStep[]): Promise<Array<{ status: 200 | 201; row: TodoRow }>> {
  const results: Array<{ status: 200 | 201; row: TodoRow }> = [];
  for (const step of steps) {
    if (step.op === 'create') results.push({ status: 201, row: await createTodo(db, user, step.fields) });
    else results.push({ status: 200, row: await patchTodo(db, user, step.id, step.fields, true) });
  }
  return results;
}

// ---- the list: the same filters, sorts and keyset shape as the service

const SORTS: Record<string, { expression: string; cast: string; descending: boolean }> = {};
for (const field of ['created_at', 'due_at', 'priority', 'updated_at', 'position']) {
  const expression = field === 'due_at' ? "COALESCE(due_at, 'infinity'::timestamptz)" : field;
  const cast = field === 'priority' ? 'smallint' : field === 'position' ? 'text' : 'timestamptz';
  SORTS[field] = { expression, cast, descending: false };
  SORTS[`-${field}`] = { expression, cast, descending: true };
}
const LIST_PARAMS = new Set(['limit', 'cursor', 'completed', 'q', 'due_before', 'due_after', 'updated_since', 'priority', 'list_id', 'parent_id', 'label_id', 'sort']);
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

async function listTodos(user: string, query: URLSearchParams): Promise<{ data: unknown[]; next_cursor: string | null }> {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!LIST_PARAMS.has(key) || seen.has(key)) throw invalid(`query.${key}`, 'Unknown or repeated parameter.');
    seen.add(key);
  }
  const limitText = query.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!/^\d{1,3}$/.test(limitText) || limit < 1 || limit > 100) throw invalid('query.limit', 'Must be a whole number from 1 to 100.');
  const sortName = query.get('sort') ?? '-created_at';
  const sort = SORTS[sortName];
  if (!sort) throw invalid('query.sort', 'Unknown sort.');
  const params: unknown[] = [user];
  const where = ['user_id = $1'];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  const completed = query.get('completed');
  if (completed !== null) {
    if (completed !== 'true' && completed !== 'false') throw invalid('query.completed', 'Must be true or false.');
    add((p) => `completed = ${p}`, completed === 'true');
  }
  const q = query.get('q');
  if (q !== null) {
    if (q.length === 0 || q.length > 200 || !storable(q)) throw invalid('query.q', 'Must be 1 to 200 characters.');
    add((p) => `(title ILIKE ${p} OR description ILIKE ${p})`, `%${escapeLike(q)}%`);
  }
  for (const [name, op, column] of [['due_before', '<', 'due_at'], ['due_after', '>', 'due_at'], ['updated_since', '>=', 'updated_at']] as const) {
    const value = query.get(name);
    if (value !== null) add((p) => `${column} ${op} ${p}`, timestamp(value, `query.${name}`));
  }
  const priority = query.get('priority');
  if (priority !== null) {
    const ranks = priority.split(',').map((p) => PRIORITIES.indexOf(p as (typeof PRIORITIES)[number]));
    if (priority.length > 64 || ranks.some((r) => r < 0)) throw invalid('query.priority', 'Must be a comma-separated list of priorities.');
    add((p) => `priority = ANY(${p}::smallint[])`, [...new Set(ranks)]);
  }
  const listId = query.get('list_id');
  if (listId !== null) add((p) => `list_id = ${p}::uuid`, uuid(listId, 'query.list_id'));
  const parentId = query.get('parent_id');
  if (parentId === 'none') where.push('parent_id IS NULL');
  else if (parentId !== null) add((p) => `parent_id = ${p}::uuid`, uuid(parentId, 'query.parent_id'));
  const labelId = query.get('label_id');
  if (labelId !== null) {
    const ids = labelId.split(',').map((id) => uuid(id, 'query.label_id'));
    add((p) => `id IN (SELECT todo_id FROM todo_labels WHERE user_id = $1 AND label_id = ANY (${p}::uuid[]))`, ids);
  }
  const cursor = query.get('cursor');
  if (cursor !== null) {
    const [key, id] = decodeCursor(cursor);
    params.push(key, id);
    where.push(`(${sort.expression}, id) ${sort.descending ? '<' : '>'} ($${params.length - 1}::${sort.cast}, $${params.length}::uuid)`);
  }
  const direction = sort.descending ? 'DESC' : 'ASC';
  params.push(limit + 1);
  const { rows } = await pool.query<TodoRow>(
    `SELECT ${COLUMNS}, (${sort.expression})::text AS sort_key FROM todos WHERE ${where.join(' AND ')}
     ORDER BY ${sort.expression} ${direction}, id ${direction} LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? Buffer.from(JSON.stringify([last.sort_key, last.id])).toString('base64url') : null;
  return { data: page.map(toTodo), next_cursor: next };
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && typeof decoded[0] === 'string' && typeof decoded[1] === 'string' && UUID.test(decoded[1])) {
      return [decoded[0], decoded[1]];
    }
  } catch {
    // falls through to the 422
  }
  throw invalid('query.cursor', 'Not a cursor this server issued.');
}

// ---- the change feed: the service's statement (change-service.ts) and its HMAC cursors (cursor.ts)

// The key the service signs cursors with, from the same database (service_secrets), read once.
const CURSOR_SECRET = (await pool.query<{ secret: Buffer }>("SELECT secret FROM service_secrets WHERE name = 'cursor'")).rows[0]?.secret;
if (!CURSOR_SECRET) throw new Error('baseline-server: no cursor secret in service_secrets (migrations not run?)');

const LIST_COLUMNS = ['id', 'user_id', 'name', 'color', 'position', 'is_default', 'archived', 'todo_count', 'open_todo_count', 'version', 'created_at', 'updated_at'];
const LABEL_COLUMNS = ['id', 'user_id', 'name', 'color', 'version', 'created_at', 'updated_at'];
const FEED_TABLES = [
  { type: 'todo', table: 'todos', alias: 't', columns: COLUMNS.split(', ') },
  { type: 'list', table: 'lists', alias: 'l', columns: LIST_COLUMNS },
  { type: 'label', table: 'labels', alias: 'b', columns: LABEL_COLUMNS },
] as const;
const FEED_PAGE = `SELECT u.change_seq::text AS latest_seq, ($4::boolean AND $2::bigint < u.changes_purged_through) AS expired,
    c.seq::text AS seq, c.type, c.op, c.id, c.version, c.changed_at, ${FEED_TABLES.flatMap(({ alias, columns }) => columns.map((c) => `${alias}.${c} AS ${alias}_${c}`)).join(', ')}
  FROM users u
  LEFT JOIN LATERAL (
    SELECT ch.seq, ch.type, ch.op, ch.id, ch.version, ch.changed_at FROM changes ch
    WHERE ch.user_id = $1 AND ch.seq > $2::bigint AND NOT ($4::boolean AND $2::bigint < u.changes_purged_through)
    ORDER BY ch.seq LIMIT $3
  ) c ON true
  ${FEED_TABLES.map(({ type, table, alias }) => `LEFT JOIN ${table} ${alias} ON c.type = '${type}' AND ${alias}.user_id = $1 AND ${alias}.id = c.id`).join('\n  ')}
  WHERE u.id = $1
  ORDER BY c.seq`;
const SEQ = /^(0|[1-9]\d{0,18})$/;

// The service's cursor format: base64url(JSON [seq, user id]) '.' base64url(HMAC-SHA256 over it and its binding, 16 bytes).
const feedMac = (payload: string, user: string) =>
  createHmac('sha256', CURSOR_SECRET).update(payload).update('\n').update(JSON.stringify([user, 'seq', []])).digest().subarray(0, 16);

function encodeFeedCursor(user: string, seq: string): string {
  const payload = Buffer.from(JSON.stringify([seq, user])).toString('base64url');
  return `${payload}.${feedMac(payload, user).toString('base64url')}`;
}

function decodeFeedCursor(user: string, cursor: string): string {
  const bad = () => invalid('query.cursor', 'Not a cursor this service issued for these filters and sort; start again without a cursor.');
  const [payload, tag, extra] = cursor.split('.');
  if (!payload || !tag || extra !== undefined) throw bad();
  const expected = feedMac(payload, user);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || given.toString('base64url') !== tag) throw bad();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw bad();
  const [seq, id] = decoded as unknown[];
  if (typeof seq !== 'string' || typeof id !== 'string' || !UUID.test(id) || !SEQ.test(seq) || BigInt(seq) > 9_223_372_036_854_775_807n) throw bad();
  return seq;
}

type FeedRow = Record<string, unknown> & { latest_seq: string; expired: boolean; seq: string | null; type: 'todo' | 'list' | 'label'; op: string; id: string; version: number; changed_at: Date };

function objectOf(row: FeedRow, alias: string, columns: readonly string[]): Record<string, unknown> | null {
  if (row[`${alias}_id`] === null || row[`${alias}_id`] === undefined) return null;
  return Object.fromEntries(columns.map((c) => [c, row[`${alias}_${c}`]]));
}

// The contract's mappings of a list and a label (toTodo above for a todo).
const toList = (r: Record<string, unknown>) => ({
  id: r.id, name: r.name, color: r.color, position: r.position, is_default: r.is_default, archived: r.archived, todo_count: r.todo_count,
  open_todo_count: r.open_todo_count, created_at: (r.created_at as Date).toISOString(), updated_at: (r.updated_at as Date).toISOString(), version: r.version,
});
const toLabel = (r: Record<string, unknown>) => ({ id: r.id, name: r.name, color: r.color, created_at: (r.created_at as Date).toISOString(), updated_at: (r.updated_at as Date).toISOString(), version: r.version });
const FEED_MAPPINGS = { todo: (r: Record<string, unknown>) => toTodo(r as unknown as TodoRow), list: toList, label: toLabel };

async function listChanges(user: string, query: URLSearchParams): Promise<{ data: unknown[]; next_cursor: string; has_more: boolean }> {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if ((key !== 'limit' && key !== 'cursor') || seen.has(key)) throw invalid(`query.${key}`, 'Unknown or repeated parameter.');
    seen.add(key);
  }
  const limitText = query.get('limit') ?? '100';
  const limit = Number(limitText);
  if (!/^\d{1,4}$/.test(limitText) || limit < 1 || limit > 1000) throw invalid('query.limit', 'Must be a whole number from 1 to 1000.');
  const cursor = query.get('cursor');
  if (cursor !== null && cursor.length > 1024) throw invalid('query.cursor', 'At most 1024 characters.');
  const after = cursor === null ? '0' : decodeFeedCursor(user, cursor);
  const { rows } = await pool.query<FeedRow>(FEED_PAGE, [user, after, limit + 1, cursor !== null]);
  const first = rows[0];
  if (!first) throw new Error('the user row of an authenticated caller is missing');
  if (first.expired) throw new HttpError(410, 'cursor_expired', 'This cursor is older than the deletions the service still keeps.');
  const found = rows.filter((row) => row.seq !== null);
  const page = found.slice(0, limit);
  const hasMore = found.length > limit;
  const resume = hasMore ? page.at(-1)!.seq! : BigInt(first.latest_seq) > BigInt(after) ? first.latest_seq : after;
  const data = page.map((row) => {
    const base = { seq: Number(row.seq), op: row.op, id: row.id, version: row.version, changed_at: row.changed_at.toISOString() };
    const table = FEED_TABLES.find(({ type }) => type === row.type)!;
    const object = row.op === 'upsert' ? objectOf(row, table.alias, table.columns) : null;
    return object === null ? { ...base, op: 'delete', type: row.type, data: null } : { ...base, type: row.type, data: FEED_MAPPINGS[row.type](object) };
  });
  return { data, next_cursor: encodeFeedCursor(user, resume), has_more: hasMore };
}

// ---- routing

async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { pathname } = url;
  if (pathname === '/health/live' && req.method === 'GET') return send(res, 200, { status: 'ok' });
  if (pathname === '/v1/changes') {
    if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'Use GET.');
    return send(res, 200, await listChanges(await authenticate(req), url.searchParams));
  }
  if (pathname === '/v1/batch') {
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Use POST.');
    const user = await authenticate(req);
    const steps = validateBatch(await readJson(req, ['application/json']));
    const results = await write((db) => runBatch(db, user, steps));
    return send(res, 200, { results: results.map(({ status, row }) => ({ status, data: toTodo(row), etag: `"${row.version}"` })) });
  }
  if (pathname !== '/v1/todos' && !pathname.startsWith('/v1/todos/')) throw new HttpError(404, 'not_found', 'No such route.');
  const user = await authenticate(req);
  if (pathname === '/v1/todos') {
    if (req.method === 'GET') return send(res, 200, await listTodos(user, url.searchParams));
    if (req.method === 'POST') {
      const fields = validateFields(await readJson(req, ['application/json']), true);
      const todo = await write((db) => createTodo(db, user, fields));
      return send(res, 201, toTodo(todo), { location: `/v1/todos/${todo.id}`, etag: `"${todo.version}"` });
    }
    throw new HttpError(405, 'method_not_allowed', 'Use GET or POST.');
  }
  const [id = '', action, ...rest] = pathname.slice('/v1/todos/'.length).split('/');
  if (!UUID.test(id)) throw invalid('path.id', 'Must be a UUID.');
  if (action !== undefined) {
    if (action !== 'move' || rest.length > 0) throw new HttpError(404, 'not_found', 'No such route.');
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Use POST.');
    const move = validateMove(await readJson(req, ['application/json']));
    const todo = await write((db) => moveTodo(db, user, id, move));
    return send(res, 200, toTodo(todo), { etag: `"${todo.version}"` });
  }
  if (req.method === 'GET') {
    const todo = await getTodo(user, id);
    const etag = `"${todo.version}"`;
    if (req.headers['if-none-match'] === etag) return send(res, 304, undefined, { etag });
    return send(res, 200, toTodo(todo), { etag });
  }
  if (req.method === 'PATCH') {
    // null title, completed or priority fails their type checks: only description and due_at clear.
    const fields = validateFields(await readJson(req, ['application/json', 'application/merge-patch+json']), false);
    const todo = await write((db) => patchTodo(db, user, id, fields));
    return send(res, 200, toTodo(todo), { etag: `"${todo.version}"` });
  }
  if (req.method === 'DELETE') {
    await write((db) => deleteTodo(db, user, id));
    return send(res, 204, undefined);
  }
  throw new HttpError(405, 'method_not_allowed', 'Use GET, PATCH or DELETE.');
}

const server = createServer((req, res) => {
  const given = req.headers['x-request-id'];
  res.setHeader('x-request-id', typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID());
  const url = new URL(req.url ?? '/', 'http://localhost');
  route(req, res, url).catch((error: unknown) => {
    // The load generator hangs up mid-request when a run stops: nobody is left to answer. (Not
    // req.destroyed: reading the body with for await destroys the request stream, and an error
    // after that, a 404 or 422 of a write, must still be answered.)
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
    sendError(res, error, url.pathname);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, HOST);

function shutdown(signal: NodeJS.Signals): void {
  // Said out loud: a bench run that fails with ECONNREFUSED should show who stopped the server.
  process.stderr.write(`${NAME}: ${signal}, shutting down\n`);
  server.close(() => void pool.end().finally(() => process.exit(0)));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
