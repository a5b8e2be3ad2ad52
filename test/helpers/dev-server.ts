import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { expect } from 'vitest';
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

export interface WalkthroughRun {
  stdout: string;
  /** What the one command matching `pattern` printed (trimmed); fails unless exactly one command matches. */
  output: (pattern: RegExp) => string;
  /** That output as JSON: the whole of it, or else its first line (a JSON answer is one line), showing the output when neither parses. */
  jsonOf: <T>(pattern: RegExp) => T;
}

export interface WalkthroughOptions {
  /** Where the script is written, and (without `cwd`) where it runs. */
  work: string;
  cwd?: string;
  /** Shell lines before the commands (a `cd`, a function). */
  prelude?: string[];
  /** Each command as it is run: the dev server's address instead of the README's. */
  edit?: (command: string) => string;
  /** Lines printed in the background (a receiver), left out of every command's output. */
  background?: RegExp;
  timeoutMs?: number;
}

const exec = promisify(execFile);

/** Runs README commands in one `set -eu` shell, as a reader pastes them, and splits what each printed. */
export async function runWalkthrough(server: DevServer, commands: string[], options: WalkthroughOptions): Promise<WalkthroughRun> {
  const edit = options.edit ?? ((command: string) => command);
  const script = [
    'set -eu',
    ...(options.prelude ?? []),
    ...commands.flatMap((command, i) => [`printf '\\n@@@ %s\\n' ${i}`, edit(command.replace(/^API=\S+/, `API=${server.base}`))]),
  ].join('\n');
  writeFileSync(path.join(options.work, 'walkthrough.sh'), script);
  const { stdout } = await exec('bash', [path.join(options.work, 'walkthrough.sh')], {
    cwd: options.cwd ?? options.work,
    env: readerEnv(server),
    timeout: options.timeoutMs ?? 60_000,
  });
  const lines = stdout.split('\n').filter((line) => !options.background?.test(line));
  const outputs = new Map<string, string>();
  for (const part of lines.join('\n').split('\n@@@ ').slice(1)) {
    const newline = part.indexOf('\n');
    outputs.set(commands[Number(part.slice(0, newline))]!, newline < 0 ? '' : part.slice(newline + 1).trim());
  }
  const output = (pattern: RegExp) => {
    const matching = commands.filter((c) => pattern.test(c));
    expect(matching, `one command matching ${pattern}`).toHaveLength(1);
    return outputs.get(matching[0]!)!;
  };
  const jsonOf = <T>(pattern: RegExp): T => {
    const text = output(pattern);
    for (const candidate of [text, text.split('\n')[0]!]) {
      try {
        return JSON.parse(candidate) as T;
      } catch {
        // the next candidate
      }
    }
    throw new Error(`the output of the command matching ${pattern} is not JSON: ${JSON.stringify(text)}`);
  };
  return { stdout, output, jsonOf };
}
