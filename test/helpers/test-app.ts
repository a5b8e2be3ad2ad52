import { buildApp } from '../../src/app.js';
import { closeDatabase, database, openDatabase } from '../../src/db/database.js';
import { parseEnv, type Env } from '../../src/env.js';
import type { AppOpenAPI } from '../../src/lib/types.js';
import { unitOfWork } from '../../src/middleware/unit-of-work.js';
import { assertResponseMatchesSpec } from './contract.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestApp {
  app: AppOpenAPI;
  config: Env;
  db: TestDatabase;
  /** A request through the app's fetch handler, as a client would send it; the response is checked against the spec. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra routes that only this test mounts. */
  mount?: (app: AppOpenAPI) => void;
  poolMax?: number;
  acquireTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** Start on an empty, unmigrated database. */
  empty?: boolean;
  /** Use this database instead of a new copy of the template (it must be migrated). */
  database?: TestDatabase;
  /** false: timeouts set in every transaction instead of as role defaults. */
  roleTimeouts?: boolean;
  /** Settings for this app, as environment variables over the test process's (vitest.config.ts). */
  env?: Record<string, string>;
}

/** The product app on a fresh database of its own. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.database ?? (await createTestDatabase({ empty: options.empty }));
  await openDatabase({
    url: db.url,
    poolMax: options.poolMax ?? 10,
    acquireTimeoutMs: options.acquireTimeoutMs ?? 5000,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
    roleTimeouts: options.roleTimeouts,
  });
  const config = parseEnv({ ...process.env, ...options.env });
  const app = buildApp({ config, mount: options.mount });
  return {
    app,
    config,
    db,
    request: async (path, init) => {
      const response = await app.request(path, init);
      // Routes that only a test mounts are not in the product's contract.
      if (!path.startsWith('/__test/')) await assertResponseMatchesSpec(init?.method ?? 'GET', path, response);
      return response;
    },
    close: async () => {
      await closeDatabase();
      await db.drop();
    },
  };
}

/**
 * A response body as JSON. `T` is the body the test expects (a contract type such as
 * `components['schemas']['Problem']`, already checked against the spec by `request`); without
 * one it is `unknown`, which only `expect(...)` takes.
 */
export const json = <T = unknown>(res: Response): Promise<T> => res.json() as Promise<T>;

/** A test-only route that holds a pooled connection for `seconds`, behind the product's transaction middleware. */
export function mountSlowRoute(app: AppOpenAPI, { method, seconds }: { method: 'get' | 'post'; seconds: number }): void {
  app[method](
    '/__test/slow',
    unitOfWork(async (c) => {
      await database().query('SELECT pg_sleep($1)', { bind: [seconds] });
      return c.json({ ok: true }, 200);
    }),
  );
}
