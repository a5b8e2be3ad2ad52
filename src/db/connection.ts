import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Sequelize } from 'sequelize-typescript';
import { databaseHost, isLoopbackHost, type DatabaseSslMode } from '../env.js';
import { clsNamespace } from './cls.js';
import { isRetryableConnectError } from './db-errors.js';
import { models } from './models/index.js';

// Must run before any Sequelize instance exists: every query then joins the request's transaction.
Sequelize.useCLS(clsNamespace);

export interface ConnectionSettings {
  url: string;
  ssl?: DatabaseSslMode | undefined;
  sslCa?: string | undefined;
  poolMax?: number;
  acquireTimeoutMs?: number;
  applicationName?: string;
  /** Register the application's models on this instance (the migrator's instance does not). */
  withModels?: boolean;
}

export class DatabaseConfigError extends Error {
  override name = 'DatabaseConfigError';
}

/**
 * TLS settings for node-postgres. Sequelize drops `sslmode` from the URL, so TLS is decided
 * here: a host that is not loopback always gets TLS, verified unless DATABASE_SSL=require.
 */
export function tlsOptions(url: string, mode?: DatabaseSslMode, ca?: string): false | ConnectionOptions {
  const host = databaseHost(url);
  const loopback = isLoopbackHost(host);
  const urlMode = new URL(url).searchParams.get('sslmode');
  const effective: DatabaseSslMode = mode ?? (urlMode === 'disable' || loopback ? 'disable' : 'verify-full');
  if (effective === 'disable') {
    if (!loopback) {
      throw new DatabaseConfigError(
        `Refusing a plain connection to database host "${host}": it is not loopback, so TLS is required. ` +
          'Remove sslmode=disable from the URL, or set DATABASE_SSL=verify-full (default) or require.',
      );
    }
    return false;
  }
  if (effective === 'require') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, servername: host, ...(ca ? { ca: readCa(ca) } : {}) };
}

function readCa(ca: string): string {
  if (ca.includes('-----BEGIN')) return ca;
  try {
    return readFileSync(ca, 'utf8');
  } catch {
    throw new DatabaseConfigError(`DATABASE_SSL_CA: cannot read the certificate file "${ca}"`);
  }
}

export function createSequelize(settings: ConnectionSettings): Sequelize {
  const url = new URL(settings.url);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  return new Sequelize({
    dialect: 'postgres',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    database,
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    dialectOptions: {
      ssl: tlsOptions(settings.url, settings.ssl, settings.sslCa),
      application_name: settings.applicationName ?? 'todo-api',
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      // No session SETs on connect: Neon's transaction-mode pooler does not keep them.
      clientMinMessages: 'ignore',
    },
    // Not in the typings, read by the dialect: skip the per-connection SET TIME ZONE.
    ...({ keepDefaultTimezone: true } as object),
    pool: {
      max: settings.poolMax ?? 10,
      min: 0,
      acquire: settings.acquireTimeoutMs ?? 5000,
      idle: 10_000,
      evict: 1000,
    },
    retry: { max: 0 },
    logging: false,
    models: settings.withModels === false ? [] : models,
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first connection, retried with backoff: a Neon compute may still be waking up. */
export async function connectWithRetry(
  sequelize: Sequelize,
  { attempts = 8, firstDelayMs = 250, maxDelayMs = 5000, onRetry = (_e: unknown, _n: number) => {} } = {},
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sequelize.query('SELECT 1');
      return;
    } catch (error) {
      if (attempt >= attempts || !isRetryableConnectError(error)) throw error;
      onRetry(error, attempt);
      await delay(Math.min(maxDelayMs, firstDelayMs * 2 ** (attempt - 1)));
    }
  }
}
