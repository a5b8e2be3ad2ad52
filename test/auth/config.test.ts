import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/env.js';
import { envErrorOf } from '../helpers/env-problems.js';
import { loadOrCreateDevSecret } from '../../src/lib/dev-secret.js';

// The auth settings of src/env.ts, and the development secret both the server and the CLI use.

const SECRET = 'a-shared-secret-of-at-least-32-characters!';

const problemsOf = (source: Record<string, string>): string => envErrorOf(source).message;

describe('auth configuration', () => {
  it('reads the secret byte for byte, and the issuer and audience', () => {
    const config = parseEnv({ AUTH_JWT_SECRET: ` ${SECRET}`, AUTH_ISSUER: 'https://auth.example.com', AUTH_AUDIENCE: 'todo-api' });
    expect(config).toMatchObject({ authJwtSecret: ` ${SECRET}`, authJwksUrl: undefined, authIssuer: 'https://auth.example.com', authAudience: 'todo-api' });
  });

  it('reads a JWKS URL', () => {
    expect(parseEnv({ AUTH_JWKS_URL: 'https://auth.example.com/api/auth/jwks' }).authJwksUrl).toBe('https://auth.example.com/api/auth/jwks');
  });

  it('refuses a secret shorter than 32 characters, naming the variable and not echoing the value', () => {
    const message = problemsOf({ AUTH_JWT_SECRET: 'short-secret-value' });
    expect(message).toMatch(/AUTH_JWT_SECRET must be at least 32 characters/);
    expect(message).not.toContain('short-secret-value');
  });

  it('refuses a JWKS URL that is not http(s)', () => {
    expect(problemsOf({ AUTH_JWKS_URL: 'ftp://auth.example.com/jwks' })).toMatch(/AUTH_JWKS_URL must be an http:\/\/ or https:\/\/ URL/);
    expect(problemsOf({ AUTH_JWKS_URL: 'https://auth example.com/jwks' })).toMatch(/AUTH_JWKS_URL must be an http:\/\/ or https:\/\/ URL/);
  });

  it('refuses both a secret and a JWKS URL', () => {
    const message = problemsOf({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://auth.example.com/jwks' });
    expect(message).toMatch(/AUTH_JWT_SECRET and AUTH_JWKS_URL are both set/);
    expect(message).not.toContain(SECRET);
  });

  it('refuses production without any, saying what to set', () => {
    const message = problemsOf({ NODE_ENV: 'production' });
    expect(message).toMatch(/set AUTH_JWT_SECRET .* or AUTH_JWKS_URL/);
  });

  it('refuses a plain-http JWKS on a remote host in production, allows it on loopback', () => {
    expect(problemsOf({ NODE_ENV: 'production', AUTH_JWKS_URL: 'http://auth.example.com/jwks' })).toMatch(/AUTH_JWKS_URL must use https in production/);
    expect(parseEnv({ NODE_ENV: 'production', AUTH_JWKS_URL: 'http://127.0.0.1:9000/jwks' }).authJwksUrl).toBe('http://127.0.0.1:9000/jwks');
  });

  it('accepts production with either one', () => {
    expect(parseEnv({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).authJwtSecret).toBe(SECRET);
    expect(parseEnv({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://auth.example.com/jwks' }).authJwksUrl).toBeDefined();
  });

  it('accepts neither outside production (the development secret stands in)', () => {
    expect(parseEnv({ NODE_ENV: 'development' })).toMatchObject({ authJwtSecret: undefined, authJwksUrl: undefined });
    expect(parseEnv({ NODE_ENV: 'test', AUTH_JWT_SECRET: '  ' }).authJwtSecret).toBeUndefined();
  });
});

describe('the development secret', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-secret-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('is created on first use: 48 random bytes, base64url, mode 0600, in a folder that may not exist yet', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const secret = loadOrCreateDevSecret(dir);
    const file = path.join(dir, 'dev-jwt-secret');
    expect(readFileSync(file, 'utf8')).toBe(secret);
    expect(secret).toMatch(/^[\w-]{64}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(48);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('is the same on every later use, and differs between folders', () => {
    const dir = tempDir();
    const first = loadOrCreateDevSecret(dir);
    expect(loadOrCreateDevSecret(dir)).toBe(first);
    expect(loadOrCreateDevSecret(tempDir())).not.toBe(first);
  });

  it('leaves no temporary files behind', () => {
    const dir = tempDir();
    loadOrCreateDevSecret(dir);
    loadOrCreateDevSecret(dir);
    expect(readdirSync(dir)).toEqual(['dev-jwt-secret']);
  });
});
