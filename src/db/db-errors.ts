import { ConnectionAcquireTimeoutError, ConnectionError, TimeoutError } from 'sequelize';

interface DriverError {
  code?: string;
  message?: string;
}

/** The driver's error behind a Sequelize error (Sequelize keeps it in `parent` or `original`). */
function driverError(error: unknown): DriverError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { parent?: unknown; original?: unknown; code?: unknown };
  if (e.parent && typeof e.parent === 'object') return e.parent;
  if (e.original && typeof e.original === 'object') return e.original;
  if (typeof e.code === 'string') return e as DriverError;
  return undefined;
}

export function sqlState(error: unknown): string | undefined {
  return driverError(error)?.code;
}

const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

// 08*: connection exceptions; 57P01-57P03: shutdown or not yet accepting; 53300: too many connections.
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300)$/;

/** True when the database cannot serve right now: the caller should retry later (503). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionAcquireTimeoutError || error instanceof ConnectionError) return true;
  if (error instanceof TimeoutError) return true;
  const code = sqlState(error);
  if (code && (TRANSIENT_NETWORK.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  // A statement cancelled by statement_timeout (57014) is a load problem, not a bug.
  if (code === '57014') return true;
  const message = driverError(error)?.message ?? (error instanceof Error ? error.message : '');
  return /Connection terminated|connection is closed|Client has encountered a connection error/i.test(message);
}

/** Worth retrying the very first connection: the server may still be starting or waking up. */
export function isRetryableConnectError(error: unknown): boolean {
  const code = sqlState(error);
  if (code && (TRANSIENT_NETWORK.has(code) || /^(57P03|53300)$/.test(code))) return true;
  const message = driverError(error)?.message ?? '';
  return /Connection terminated|timeout/i.test(message);
}

/** A one-line, secret-free description of a database error for start-up messages and logs. */
export function describeDatabaseError(error: unknown): string {
  const d = driverError(error);
  const message = d?.message ?? (error instanceof Error ? error.message : String(error));
  const code = d?.code ? ` (${d.code})` : '';
  return `${message}${code}`;
}

/** A serialization failure or deadlock: the transaction did nothing, and the whole request may be re-run. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = sqlState(error);
  return code === '40001' || code === '40P01';
}
