import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { projectRoot } from '../../src/lib/paths.js';
import { startTestApp, type TestApp } from './test-app.js';

/** A local development server on loopback, as a README reader runs one: no auth configured, so tokens are checked against DATA_DIR's secret. */
export interface DevServer {
  t: TestApp;
  base: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startDevServer(name: string): Promise<DevServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `todo-api-${name}-`));
  const t = await startTestApp({ env: { NODE_ENV: 'development', AUTH_JWT_SECRET: '', DATA_DIR: dataDir } });
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await once(server, 'listening');
  return {
    t,
    dataDir,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The commands of the first ```sh block under `heading` in README.md, one per entry: continuation lines joined, comments and blank lines left out. */
export function readmeCommands(heading: string): string[] {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)));
  if (!block) throw new Error(`README: no \`\`\`sh block under "${heading}"`);
  return block[1]!
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The environment a README command runs in against the dev server: its DATA_DIR, and no AUTH_* (the test process has a secret of its own). */
export const readerEnv = (server: DevServer, extra: Record<string, string> = {}) => ({
  ...process.env,
  ...extra,
  DATA_DIR: server.dataDir,
  NODE_ENV: 'development',
  AUTH_JWT_SECRET: '',
  AUTH_JWKS_URL: '',
  LOG_LEVEL: 'silent',
});
