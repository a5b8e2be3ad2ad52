import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/db/database.js';
import { startEmbeddedDatabase } from '../src/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A maintenance database URL on the test server: tests create their databases through it. */
    adminUrl: string;
    /** A migrated database that each test file copies with CREATE DATABASE ... TEMPLATE. */
    templateDatabase: string;
  }
}

/**
 * One real PostgreSQL for the whole run: the embedded one, or TEST_DATABASE_URL's server
 * (its user must be allowed to create databases). The schema is migrated once into a template.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let cleanup = async () => {};
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-test-'));
    chmodSync(dataDir, 0o755);
    const embedded = await startEmbeddedDatabase({ dataDir, database: 'postgres' });
    adminUrl = embedded.adminUrl;
    cleanup = async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const templateDatabase = `todo_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${templateDatabase}`;
  await migrate({ url: templateUrl.toString() });

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  return cleanup;
}
