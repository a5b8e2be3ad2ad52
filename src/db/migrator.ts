import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Sequelize } from 'sequelize-typescript';
import { SequelizeStorage, Umzug, type MigrateDownOptions, type MigrateUpOptions } from 'umzug';
import { migrationsDir, migrationsSourceDir } from '../lib/paths.js';

export interface MigrationContext {
  sequelize: Sequelize;
}

/** Any number that is the same in every instance: it names the migration lock. */
const MIGRATION_LOCK_ID = 727_370_001;

const TEMPLATE = `import type { Migration } from '../src/db/migrator.js';

// Migrations use SQL, never the application's models: they must keep working as the models change.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(\`\`);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(\`\`);
};
`;

/**
 * umzug over the versioned files in migrations/. `up` and `down` each run in one transaction
 * that first takes a PostgreSQL advisory lock, so instances that start together migrate once
 * and a failed migration leaves nothing half-done.
 */
class LockedUmzug extends Umzug<MigrationContext> {
  constructor(private readonly sequelize: Sequelize) {
    super({
      migrations: {
        glob: ['*.{js,ts}', { cwd: migrationsDir, ignore: ['*.d.ts'] }],
        resolve: ({ name, path: file, context }) => ({
          // The same name whether the file runs as .ts (tsx) or .js (built).
          name: name.replace(/\.(ts|js)$/, ''),
          path: file,
          up: async () => (await loadMigration(file!)).up({ name, path: file, context }),
          down: async () => (await loadMigration(file!)).down({ name, path: file, context }),
        }),
      },
      context: { sequelize },
      storage: new SequelizeStorage({ sequelize, tableName: MIGRATIONS_TABLE }),
      logger: undefined,
      create: {
        folder: migrationsSourceDir,
        template: (file) => [[file.endsWith('.ts') ? file : `${file}.ts`, TEMPLATE]],
      },
    });
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return this.sequelize.transaction(async () => {
      await this.sequelize.query('SELECT pg_advisory_xact_lock($1)', { bind: [MIGRATION_LOCK_ID] });
      return work();
    });
  }

  override up(options?: MigrateUpOptions) {
    return this.locked(() => super.up(options));
  }

  override down(options?: MigrateDownOptions) {
    return this.locked(() => super.down(options));
  }
}

type MigrationModule = {
  up: (params: { name: string; path?: string | undefined; context: MigrationContext }) => Promise<unknown>;
  down: (params: { name: string; path?: string | undefined; context: MigrationContext }) => Promise<unknown>;
};

async function loadMigration(file: string): Promise<MigrationModule> {
  return (await import(pathToFileURL(path.resolve(file)).href)) as MigrationModule;
}

export function createMigrator(sequelize: Sequelize) {
  return new LockedUmzug(sequelize);
}

export type Migrator = ReturnType<typeof createMigrator>;
export type Migration = Migrator['_types']['migration'];

/** The names of every migration this build ships, in order. */
export function shippedMigrationNames(): string[] {
  return readdirSync(migrationsDir)
    .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => file.replace(/\.(ts|js)$/, ''))
    .sort();
}

export const MIGRATIONS_TABLE = 'schema_migrations';
