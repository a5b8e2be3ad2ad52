import type { Sequelize } from 'sequelize-typescript';
import { connectWithRetry, createSequelize, type ConnectionSettings } from './connection.js';
import { createMigrator } from './migrator.js';
import { loadServiceSecrets } from './service-secret.js';
import { applySessionDefaults } from './session-defaults.js';

// The application's Sequelize instance: one per process, opened at start-up.

let instance: Sequelize | undefined;
let statementTimeoutMs = 10_000;
let timeoutsPerSession = false;

export interface OpenDatabaseOptions extends ConnectionSettings {
  statementTimeoutMs?: number;
  /** Migrate at start-up; DATABASE_URL_DIRECT (Neon's unpooled endpoint) is used for it when given. */
  migrate?: boolean;
  directUrl?: string | undefined;
  onRetry?: (error: unknown, attempt: number) => void;
  onMigrated?: (names: string[]) => void;
  /** Set the timeouts as defaults of the role (default); false: in every transaction. */
  roleTimeouts?: boolean;
}

/**
 * Waits for the database (with retries), migrates, and sets the role's session timeouts on a
 * short-lived connection; only then opens the application's pool, whose sessions all start
 * with those timeouts.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Sequelize> {
  if (instance) throw new Error('The database is already open');
  statementTimeoutMs = options.statementTimeoutMs ?? statementTimeoutMs;
  const bootstrap = createSequelize({ ...options, poolMax: 1, withModels: false, applicationName: 'todo-api-bootstrap' });
  try {
    await connectWithRetry(bootstrap, { onRetry: options.onRetry });
    if (options.migrate) {
      const applied = await migrate({ ...options, url: options.directUrl ?? options.url });
      options.onMigrated?.(applied);
    }
    await loadServiceSecrets(bootstrap);
    timeoutsPerSession = options.roleTimeouts !== false && (await applySessionDefaults(bootstrap, statementTimeoutMs));
  } finally {
    await bootstrap.close();
  }
  instance = createSequelize(options);
  return instance;
}

/** Runs every pending migration on its own short-lived connection; returns the names applied. */
export async function migrate(settings: ConnectionSettings): Promise<string[]> {
  const sequelize = createSequelize({ ...settings, poolMax: 2, withModels: false, applicationName: 'todo-api-migrate' });
  try {
    await connectWithRetry(sequelize);
    const applied = await createMigrator(sequelize).up();
    return applied.map((m) => m.name);
  } finally {
    await sequelize.close();
  }
}

export function database(): Sequelize {
  if (!instance) throw new Error('The database is not open: call openDatabase() first');
  return instance;
}

export function databaseStatementTimeoutMs(): number {
  return statementTimeoutMs;
}

/** True when every session has the timeouts already; false when each transaction must set them. */
export function databaseTimeoutsPerSession(): boolean {
  return timeoutsPerSession;
}

export async function closeDatabase(): Promise<void> {
  const current = instance;
  instance = undefined;
  await current?.close();
}
