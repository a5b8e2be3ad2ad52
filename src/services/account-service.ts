import { QueryTypes, Transaction, type Model, type ModelStatic } from 'sequelize';
import { database, databaseStatementTimeoutMs, databaseTimeoutsPerSession } from '../db/database.js';
import {
  LABEL_COLUMNS,
  LIST_COLUMNS,
  TODO_COLUMNS,
  WEBHOOK_COLUMNS,
  Label,
  List,
  Todo,
  Webhook,
  type LabelRow,
  type ListRow,
  type TodoRow,
  type WebhookPublicRow,
} from '../db/models/index.js';
import { ownedBy } from '../db/user-scope.js';
import { ApiError } from '../lib/errors.js';
import { logger } from '../lib/logger.js';

// The account export (API.md, Account data): one JSON document of everything a user owns, read
// from one REPEATABLE READ READ ONLY snapshot in keyset pages and written to the response as the
// client takes them, so the server holds about one page whatever the account's size.

/** Rows per statement, and per chunk of the response. */
export const EXPORT_PAGE_SIZE = 1000;

/** Where a section's rows come from: a per-user table (scoped by ownedBy) and the columns its GET mapping reads. */
export interface ExportSource<Row> {
  model: ModelStatic<Model & { user_id: string }>;
  table: string;
  columns: readonly (keyof Row & string)[];
}

export const LISTS: ExportSource<ListRow> = { model: List, table: 'lists', columns: LIST_COLUMNS };
export const LABELS: ExportSource<LabelRow> = { model: Label, table: 'labels', columns: LABEL_COLUMNS };
export const TODOS: ExportSource<TodoRow> = { model: Todo, table: 'todos', columns: TODO_COLUMNS };
/** Webhooks without their secrets: WEBHOOK_COLUMNS lists none of them. */
export const WEBHOOKS: ExportSource<WebhookPublicRow> = { model: Webhook, table: 'webhooks', columns: WEBHOOK_COLUMNS };

/** One array of the document: its name, its rows, and each row as the object a GET returns. */
export interface ExportSection {
  name: string;
  source: ExportSource<never>;
  toJson: (row: never) => unknown;
}

export function exportSection<Row>(name: string, source: ExportSource<Row>, toJson: (row: Row) => unknown): ExportSection {
  return { name, source, toJson };
}

export interface ExportSettings {
  /** EXPORT_TIMEOUT_MS: the whole export, the client's reading included. */
  timeoutMs: number;
  /** EXPORT_CONCURRENCY: exports running at once on this instance. */
  concurrency: number;
  /** The longest the client may leave a chunk untaken (a stuck reader frees its connection long before timeoutMs). */
  stallMs?: number;
}

/** Default of ExportSettings.stallMs. */
export const EXPORT_STALL_MS = 30_000;

export const EXPORT_FORMAT = 'todo-api-export';
export const EXPORT_FORMAT_VERSION = 1;

// Users exporting on this instance: a second export of one user waits for nothing (409), and the
// instance never holds more than `concurrency` connections for exports.
const exporting = new Set<string>();

class ExportAborted extends Error {
  override name = 'ExportAborted';
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

// Promise.withResolvers is Node 22: the same, by hand.
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * A byte stream the export writes to only when the client has taken the previous chunk
 * (highWaterMark 0: the stream asks for a chunk when its reader reads, and the Node adapter reads
 * only once the socket has drained): a slow reader slows the export instead of filling memory.
 */
class PulledStream {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private buffer = '';
  private wanted = deferred<void>();
  private delivered: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly encoder = new TextEncoder();

  constructor(private readonly stallMs: number) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () =>
          new Promise<void>((resolve) => {
            this.delivered = resolve;
            this.wanted.resolve();
          }),
        cancel: () => this.abort(new ExportAborted('The client went away before the export was complete')),
      },
      { highWaterMark: 0 },
    );
  }

  add(text: string): void {
    this.buffer += text;
  }

  /** Hands what was added to the client, once it asks for it. */
  async flush(): Promise<void> {
    const stalled = setTimeout(() => this.abort(new ExportAborted(`The client took no data for ${this.stallMs} ms`)), this.stallMs);
    try {
      await this.wanted.promise;
    } finally {
      clearTimeout(stalled);
    }
    if (this.failure) throw this.failure;
    this.wanted = deferred<void>();
    this.controller.enqueue(this.encoder.encode(this.buffer));
    this.buffer = '';
    this.delivered?.();
  }

  async close(): Promise<void> {
    await this.flush();
    this.controller.close();
  }

  /** Stops the export: a pending or later flush throws, and the client's download fails (never looks complete). */
  abort(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.wanted.reject(error);
    try {
      this.controller.error(error);
    } catch {
      // Already closed.
    }
    this.delivered?.();
  }
}

// Newest first, ties by id, as keyset pages: the order of todos_user_created_at_idx, so each page
// is an index range scan that stops after its rows (ascending, stale statistics after a bulk
// load made the planner sort the rest of the account for every page); lists and labels are few.
// The key goes back as PostgreSQL printed it (::text), so no microsecond is lost on the way.
const pageSql = (source: ExportSource<never>) => `SELECT ${source.columns.join(', ')}, created_at::text AS export_key FROM ${source.table}
  WHERE user_id = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)
  ORDER BY created_at DESC, id DESC
  LIMIT $4`;

async function writeSection(out: PulledStream, userId: string, section: ExportSection): Promise<void> {
  out.add(`,${JSON.stringify(section.name)}:[`);
  const sql = pageSql(section.source);
  let after = { key: 'infinity', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
  let first = true;
  for (;;) {
    const rows = await ownedBy(section.source.model, userId).rows<{ id: string; export_key: string }>(sql, [after.key, after.id, EXPORT_PAGE_SIZE]);
    for (const row of rows) {
      out.add(`${first ? '' : ','}${JSON.stringify(section.toJson(row as never))}`);
      first = false;
    }
    const last = rows.at(-1);
    if (rows.length < EXPORT_PAGE_SIZE || !last) break;
    after = { key: last.export_key, id: last.id };
    await out.flush();
  }
  out.add(']');
}

/**
 * Starts the caller's export and returns its body once the snapshot is taken: `{ "format",
 * "format_version", "exported_at", ...head(), then one array per section }`. `head` runs in the
 * snapshot (the user's own record). Refuses, before anything is sent, a second export of the same
 * user (409, on any instance: an advisory lock) and one export too many on this instance (503).
 * The transaction stays open while the client reads, and ends (read only: nothing to commit)
 * when the document is complete, the client goes away or `timeoutMs` passes; the last two cut
 * the download off.
 */
export async function startExport(
  userId: string,
  head: () => Promise<Record<string, unknown>>,
  sections: readonly ExportSection[],
  settings: ExportSettings,
): Promise<ReadableStream<Uint8Array>> {
  if (exporting.has(userId)) throw inProgress();
  if (exporting.size >= settings.concurrency) {
    throw new ApiError('service_unavailable', {
      detail: 'This instance is already running as many exports as it allows (EXPORT_CONCURRENCY). Nothing was read; retry shortly.',
      headers: { 'Retry-After': '5' },
    });
  }
  exporting.add(userId);
  const out = new PulledStream(Math.min(settings.stallMs ?? EXPORT_STALL_MS, settings.timeoutMs));
  const timer = setTimeout(() => out.abort(new ExportAborted(`The export took longer than ${settings.timeoutMs} ms (EXPORT_TIMEOUT_MS)`)), settings.timeoutMs);
  const ready = deferred<void>();
  let answering = false;
  const sequelize = database();
  const work = sequelize
    .transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, async () => {
      await sequelize.query('SET TRANSACTION READ ONLY');
      // The session may sit idle while the client reads: PostgreSQL must not end it before the deadline does.
      // Without role defaults (databaseTimeoutsPerSession), every transaction sets its statement timeout itself.
      const statementTimeout = databaseTimeoutsPerSession() ? '' : ", set_config('statement_timeout', $3, true)";
      const [started] = await sequelize.query<{ locked: boolean; exported_at: Date }>(
        `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked, now() AS exported_at,
           set_config('idle_in_transaction_session_timeout', $2, true)${statementTimeout}`,
        {
          bind: [`export:${userId}`, `${settings.timeoutMs + 5000}ms`, ...(statementTimeout ? [`${databaseStatementTimeoutMs()}ms`] : [])],
          type: QueryTypes.SELECT,
        },
      );
      if (!started?.locked) throw inProgress();
      out.add(`{"format":"${EXPORT_FORMAT}","format_version":${EXPORT_FORMAT_VERSION},"exported_at":${JSON.stringify(started.exported_at.toISOString())}`);
      for (const [name, value] of Object.entries(await head())) out.add(`,${JSON.stringify(name)}:${JSON.stringify(value)}`);
      answering = true;
      ready.resolve();
      for (const section of sections) await writeSection(out, userId, section);
      out.add('}\n');
    })
    // The document ends only after the snapshot and its lock are released: a client that read it all may export again at once.
    .then(async () => {
      exporting.delete(userId);
      await out.close();
    })
    .catch((error: unknown) => {
      ready.reject(error);
      // After the answer started: the download is cut off, and the reason logged.
      const reason = error instanceof Error ? error : new Error(String(error));
      if (answering) logger.warn({ err: reason, user_id: userId }, 'export stopped before the document was complete');
      out.abort(reason);
    })
    .finally(() => {
      clearTimeout(timer);
      exporting.delete(userId);
    });
  void work;
  await ready.promise;
  return out.stream;
}

function inProgress(): ApiError {
  return new ApiError('export_in_progress', {
    detail: 'An export of your account is already running. Wait for it to finish (or for EXPORT_TIMEOUT_MS), then retry.',
  });
}
