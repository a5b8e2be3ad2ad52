import type { Sequelize } from 'sequelize-typescript';
import { connectWithRetry, createSequelize, type ConnectionSettings } from './connection.js';
import { createMigrator } from './migrator.js';

// The application's Sequelize instance: one per process, opened at start-up.

let instance: Sequelize | undefined;
let statementTimeoutMs = 10_000;

export interface OpenDatabaseOptions extends ConnectionSettings {
  statementTimeoutMs?: number;
  /** Migrate at start-up; DATABASE_URL_DIRECT (Neon's unpooled endpoint) is used for it when given. */
  migrate?: boolean;
  directUrl?: string | undefined;
  onRetry?: (error: unknown, attempt: number) => void;
  onMigrated?: (names: string[]) => void;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Sequelize> {
  if (instance) throw new Error('The database is already open');
  const sequelize = createSequelize(options);
  statementTimeoutMs = options.statementTimeoutMs ?? statementTimeoutMs;
  try {
    await connectWithRetry(sequelize, { onRetry: options.onRetry });
    if (options.migrate) {
      const applied = await migrate({ ...options, url: options.directUrl ?? options.url });
      options.onMigrated?.(applied);
    }
  } catch (error) {
    await sequelize.close().catch(() => {});
    throw error;
  }
  instance = sequelize;
  return sequelize;
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

export async function closeDatabase(): Promise<void> {
  const current = instance;
  instance = undefined;
  await current?.close();
}
