import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurrentUser } from '../../clients/typescript/src/types.js';
import { env } from '../../src/env.js';
import { devTokenCommand } from '../../src/lib/dev-secret.js';
import { projectRoot } from '../../src/lib/paths.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { checkedFetch } from '../helpers/contract.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, newSubject, signToken } from '../helpers/tokens.js';

// `npm run token`: run as its own process, the way a developer runs it.

const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// No auth settings unless a test gives them: this test process has its own AUTH_JWT_SECRET.
const NO_AUTH = { NODE_ENV: 'development', AUTH_JWT_SECRET: '', AUTH_JWKS_URL: '', AUTH_ISSUER: '', AUTH_AUDIENCE: '' };

async function token(args: string[], vars: Record<string, string>): Promise<CliResult> {
  try {
    const env = { ...process.env, ...NO_AUTH, ...vars };
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/token.ts', ...args], { cwd: projectRoot, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let t: TestApp;
let dataDir: string;
let server: ReturnType<typeof spawnServer>;
let serverUrl: string;

beforeAll(async () => {
  t = await startTestApp();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-token-'));
  // No AUTH_* at all: the server falls back to the development secret in its DATA_DIR.
  server = spawnServer({ ...NO_AUTH, DATABASE_URL: t.db.url, DATA_DIR: dataDir });
  serverUrl = await server.ready;
});

afterAll(async () => {
  await server?.stop();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('with no auth configuration (local development)', () => {
  it('prints a token for the development secret in DATA_DIR that the server accepts', async () => {
    const result = await token(['--email', 'dev.one@example.com'], { DATA_DIR: dataDir, NODE_ENV: 'development' });
    // No request has reached the server yet, so the command makes the secret, and says where (on stderr: $(...) captures only the token).
    expect(result).toMatchObject({ code: 0, stderr: `No development secret in ${dataDir} yet, so a new one was made: only a server with this DATA_DIR accepts the token. A server started with another DATA_DIR prints the command for it.\n` });
    const printed = result.stdout.trim();
    expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const res = await checkedFetch(`${serverUrl}/v1/me`, bearer(printed));
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ email: 'dev.one@example.com' });
    expect(await t.db.query('SELECT subject FROM users WHERE email = $1', ['dev.one@example.com'])).toEqual([{ subject: 'dev|dev.one@example.com' }]);
  });

  it('keeps the secret in DATA_DIR/dev-jwt-secret, 48 random bytes readable only by its owner', () => {
    const file = path.join(dataDir, 'dev-jwt-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')).toHaveLength(48);
  });

  it('gives the same subject for the same email, so repeated calls are the same user', async () => {
    const vars = { DATA_DIR: dataDir, NODE_ENV: 'development' };
    const [a, b] = await Promise.all([token(['--email', 'same@example.com'], vars), token(['--email', 'same@example.com'], vars)]);
    expect([a.stderr, b.stderr]).toEqual(['', '']);
    expect(decodeJwt(a.stdout.trim()).sub).toBe('dev|same@example.com');
    expect(decodeJwt(b.stdout.trim()).sub).toBe('dev|same@example.com');
    const ids = await Promise.all([a, b].map(async (r) => (await json<CurrentUser>(await checkedFetch(`${serverUrl}/v1/me`, bearer(r.stdout.trim())))).id));
    expect(ids[0]).toBe(ids[1]);
  });

  it('takes --sub and --ttl', async () => {
    const result = await token(['--email', 'ttl@example.com', '--sub', 'custom-subject', '--ttl', '30m'], { DATA_DIR: dataDir, NODE_ENV: 'development' });
    const payload = decodeJwt(result.stdout.trim());
    expect(payload).toMatchObject({ sub: 'custom-subject', email: 'ttl@example.com' });
    expect(payload.exp! - payload.iat!).toBe(1800);
    const byDefault = decodeJwt((await token(['--email', 'ttl@example.com'], { DATA_DIR: dataDir, NODE_ENV: 'development' })).stdout.trim());
    expect(byDefault.exp! - byDefault.iat!).toBe(3600);
    expect((await checkedFetch(`${serverUrl}/v1/me`, bearer(result.stdout.trim()))).status).toBe(200);
  });

  it('is not accepted by a server with another DATA_DIR (the secret really is per data folder)', async () => {
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-token-other-'));
    try {
      const result = await token(['--email', 'other@example.com'], { DATA_DIR: otherDir, NODE_ENV: 'development' });
      expect(result.code).toBe(0);
      expect((await checkedFetch(`${serverUrl}/v1/me`, bearer(result.stdout.trim()))).status).toBe(401);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it.each([
    ['no --email or --sub', []],
    ['a bad --ttl', ['--email', 'a@example.com', '--ttl', 'soon']],
    ['an implausible --email', ['--email', 'not-an-email']],
    ['an unknown option', ['--email', 'a@example.com', '--admin']],
  ])('refuses %s with usage help', async (_name, args) => {
    const result = await token(args, { DATA_DIR: dataDir, NODE_ENV: 'development' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/npm run token -- --email/);
  });
});

describe('with AUTH_JWT_SECRET', () => {
  it('signs with the configured secret, and the in-process app accepts the token', async () => {
    const result = await token(['--email', 'shared@example.com'], { DATA_DIR: dataDir, AUTH_JWT_SECRET: env().authJwtSecret! });
    expect(result.code).toBe(0);
    const res = await t.request('/v1/me', bearer(result.stdout.trim()));
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ email: 'shared@example.com' });
  });

  it('includes AUTH_ISSUER and AUTH_AUDIENCE so that a server checking them accepts it', async () => {
    const result = await token(['--email', 'iss@example.com'], { DATA_DIR: dataDir, AUTH_JWT_SECRET: env().authJwtSecret!, AUTH_ISSUER: 'https://auth.local', AUTH_AUDIENCE: 'todo-api' });
    expect(decodeJwt(result.stdout.trim())).toMatchObject({ iss: 'https://auth.local', aud: 'todo-api' });
  });
});

describe('where it must refuse', () => {
  it('refuses in production, even with a secret', async () => {
    const result = await token(['--email', 'prod@example.com'], { DATA_DIR: dataDir, NODE_ENV: 'production', AUTH_JWT_SECRET: env().authJwtSecret! });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/production/);
    expect(result.stderr).not.toContain(env().authJwtSecret!);
  });

  it('refuses in production without auth configuration, saying what to set', async () => {
    const result = await token(['--email', 'prod@example.com'], { DATA_DIR: dataDir, NODE_ENV: 'production' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/AUTH_JWT_SECRET/);
  });

  it('refuses when only a JWKS is configured: such tokens come from the identity provider', async () => {
    const result = await token(['--email', 'jwks@example.com'], { DATA_DIR: dataDir, AUTH_JWKS_URL: 'https://auth.example.com/jwks' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/AUTH_JWKS_URL/);
  });
});

// Issue 11, item 2: the token command has to use the server's DATA_DIR, and the server says how.
describe("the server tells which token command matches its DATA_DIR", () => {
  const TOKEN_COMMAND = () => `DATA_DIR=${dataDir} npm run -s token -- --email you@example.com`;

  it('prints the exact command at start-up, with its DATA_DIR, and that command run as printed makes a token it accepts', async () => {
    const listening = server.logs.find((entry) => String(entry.msg).startsWith('Todo API listening'));
    expect(listening?.msg).toContain(`; get a token with: ${TOKEN_COMMAND()}`);
    expect(listening?.token_command).toBe(TOKEN_COMMAND());
    // Run in a shell exactly as printed, from an environment with no DATA_DIR of its own.
    const shellEnv: Record<string, string | undefined> = { ...process.env, ...NO_AUTH };
    delete shellEnv.DATA_DIR;
    const { stdout } = await run('bash', ['-c', String(listening?.token_command)], { cwd: projectRoot, env: shellEnv });
    const res = await checkedFetch(`${serverUrl}/v1/me`, bearer(stdout.trim()));
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ email: 'you@example.com' });
  });

  it("answers a token signed with another secret with a 401 whose detail names this server's command", async () => {
    const foreign = await signToken({ sub: newSubject('foreign'), email: 'foreign@example.com' }, { secret: 'another-secret-of-at-least-32-characters!' });
    const res = await checkedFetch(`${serverUrl}/v1/me`, bearer(foreign));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await json(res)).toMatchObject({
      code: 'unauthorized',
      detail: `The token's signature is not valid. This development server checks tokens against the secret in ${path.join(dataDir, 'dev-jwt-secret')}; get one with: ${TOKEN_COMMAND()}`,
    });
  });

  it('says nothing about npm run token when the server has a configured secret', async () => {
    const foreign = await signToken({ sub: newSubject('foreign') }, { secret: 'another-secret-of-at-least-32-characters!' });
    const res = await t.request('/v1/me', bearer(foreign));
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ detail: "The token's signature is not valid." });
  });

  it.each([
    ['the default folder', { dataDir: path.join(projectRoot, 'data') }, 'npm run -s token -- --email you@example.com'],
    ['a folder in the project', { dataDir: path.join(projectRoot, 'data-b') }, 'DATA_DIR=data-b npm run -s token -- --email you@example.com'],
    ['a folder elsewhere', { dataDir: '/tmp/x' }, 'DATA_DIR=/tmp/x npm run -s token -- --email you@example.com'],
    ['a folder with a space', { dataDir: "/tmp/my data's" }, "DATA_DIR='/tmp/my data'\\''s' npm run -s token -- --email you@example.com"],
    ['an issuer and an audience', { dataDir: '/tmp/x', authIssuer: 'https://auth.local', authAudience: 'todo api' }, "DATA_DIR=/tmp/x AUTH_ISSUER=https://auth.local AUTH_AUDIENCE='todo api' npm run -s token -- --email you@example.com"],
  ])('the command for %s', (_name, settings, command) => {
    expect(devTokenCommand(settings)).toBe(command);
  });
});
