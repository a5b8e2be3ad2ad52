import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, parseEnv } from '../../src/env.js';
import { envErrorOf } from '../helpers/env-problems.js';

const root = path.resolve(import.meta.dirname, '../..');

const problemsOf = (source: Record<string, string>): string[] => envErrorOf(source).problems;

describe('the documented configuration', () => {
  const documented = (file: string, line: RegExp) =>
    readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .flatMap((l) => line.exec(l)?.[1] ?? []);

  it('.env.example sets every variable the schema reads, and nothing else', () => {
    expect(documented('.env.example', /^([A-Z][A-Z0-9_]*)=/).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it("the README's configuration table has a row for every variable, and nothing else", () => {
    expect(documented('README.md', /^\| `([A-Z][A-Z0-9_]*)` \|/).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it('every variable is a setting of the parsed configuration, even when unset', () => {
    const config = parseEnv({});
    for (const variable of ENV_VARIABLES) {
      const setting = variable.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      expect(Object.hasOwn(config, setting), setting).toBe(true);
    }
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ port: 3000, host: '127.0.0.1', dbPoolMax: 10, migrateOnStart: true, corsOrigins: ['*'] });
    expect(env.databaseUrl).toBeUndefined();
  });

  it('defaults to no CORS and all interfaces in production', () => {
    const env = parseEnv({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'p'.repeat(40) });
    expect(env.corsOrigins).toEqual([]);
    expect(env.host).toBe('0.0.0.0');
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number \(got "abc"\)$/],
    [{ PORT: '70000' }, /^PORT must be at most 65535/],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV must be development, production or test/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a postgres:\/\//],
    [{ DATABASE_SSL: 'maybe' }, /^DATABASE_SSL must be verify-full, require or disable/],
    [{ DB_POOL_MAX: '0' }, /^DB_POOL_MAX must be at least 1/],
    [{ MIGRATE_ON_START: 'perhaps' }, /^MIGRATE_ON_START must be true or false/],
    [{ BODY_LIMIT_BYTES: '1.5' }, /^BODY_LIMIT_BYTES must be a whole number/],
    [{ DATABASE_URL: 'postgres://u:p@db.example.com/app', DATABASE_SSL: 'disable' }, /^DATABASE_SSL=disable is refused for DATABASE_URL/],
    [{ DATABASE_URL_DIRECT: 'postgres://u:p@127.0.0.1/app' }, /^DATABASE_URL_DIRECT is set but DATABASE_URL is not/],
  ])('names the variable and what is allowed: %j', (source, message) => {
    const problems = problemsOf(source);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('never echoes a database URL, which may hold a password', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://app:hunter2@db.example.com/app' });
    expect(problem).not.toContain('hunter2');
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', DB_POOL_MAX: 'y' }).map((p) => p.split(' ')[0])).toEqual(['PORT', 'DB_POOL_MAX']);
  });

  it('allows a plain connection to a loopback database', () => {
    expect(parseEnv({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/app', DATABASE_SSL: 'disable' }).databaseSsl).toBe('disable');
  });

  it('stops start-up with one clear message and no stack trace', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'abc', DB_POOL_MAX: '-1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid configuration:');
    expect(run.stderr).toContain('PORT must be a whole number (got "abc")');
    expect(run.stderr).toContain('DB_POOL_MAX must be at least 1 (got "-1")');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
