import path from 'node:path';
import { z } from 'zod';

// The one place that reads process.env: every setting is parsed and checked here, once.

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

// A secret is used byte for byte (never trimmed); empty means unset.
const secretText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const isHttpUrl = (v: string) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol);

const httpUrl = optionalText.refine((v) => v === undefined || isHttpUrl(v), 'must be an http:// or https:// URL');

const databaseUrl = optionalText.refine(
  (v) => v === undefined || /^postgres(ql)?:\/\/[^/]+/.test(v),
  'must be a postgres:// or postgresql:// URL',
);

/** The largest request body by default: the spec's 413 example shows it (src/lib/problems.ts). */
export const DEFAULT_BODY_LIMIT_BYTES = 102_400;

const variables = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'must be development, production or test' })
    .default('development'),
  PORT: int(3000, 0, 65535),
  HOST: optionalText,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  DATABASE_URL: databaseUrl,
  DATABASE_URL_DIRECT: databaseUrl,
  DATABASE_SSL: z
    .enum(['verify-full', 'require', 'disable'], { error: 'must be verify-full, require or disable' })
    .optional(),
  DATABASE_SSL_CA: optionalText,
  DB_POOL_MAX: int(10, 1, 1000),
  DB_POOL_ACQUIRE_TIMEOUT_MS: int(5000, 100, 600_000),
  DB_STATEMENT_TIMEOUT_MS: int(10_000, 100, 3_600_000),
  DB_SEARCH_STATEMENT_TIMEOUT_MS: int(2000, 100, 3_600_000),
  MIGRATE_ON_START: bool(true),
  DB_ROLE_TIMEOUTS: bool(true),
  DATA_DIR: z.string().default('data'),
  CORS_ORIGINS: optionalText,
  BODY_LIMIT_BYTES: int(DEFAULT_BODY_LIMIT_BYTES, 1024, 100 * 1024 * 1024),
  BODY_TIMEOUT_MS: int(10_000, 100, 600_000),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
  DB_TRANSACTION_RETRIES: int(2, 0, 10),
  RATE_LIMIT_ENABLED: bool(true),
  RATE_LIMIT_REQUESTS: int(600, 1, 1_000_000),
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 86_400),
  LIMIT_TODOS_PER_USER: int(100_000, 1, 100_000_000),
  LIMIT_LISTS_PER_USER: int(1000, 1, 1_000_000),
  LIMIT_LABELS_PER_USER: int(500, 1, 1_000_000),
  LIMIT_WEBHOOKS_PER_USER: int(10, 1, 10_000),
  CHANGES_RETENTION_DAYS: int(30, 1, 3650),
  EXPORT_TIMEOUT_MS: int(300_000, 1000, 3_600_000),
  EXPORT_CONCURRENCY: int(2, 1, 1000),
  EXPORT_RATE_LIMIT_COST: int(60, 1, 1_000_000),
  USER_CACHE_TTL_MS: int(60_000, 0, 3_600_000),
  WEBHOOK_WORKER: bool(true),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 60_000),
  WEBHOOK_POLL_INTERVAL_MS: int(500, 10, 60_000),
  WEBHOOK_CONCURRENCY: int(8, 1, 256),
  AUTH_JWT_SECRET: secretText.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  AUTH_JWKS_URL: httpUrl,
  AUTH_ISSUER: optionalText,
  AUTH_AUDIENCE: optionalText,
});

// Variables whose value must never be echoed in an error message.
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'DATABASE_URL_DIRECT', 'AUTH_JWT_SECRET']);

export type DatabaseSslMode = 'verify-full' | 'require' | 'disable';

/** `DB_POOL_MAX` -> `dbPoolMax`: each variable's setting is named after it, by rule rather than by a second list. */
type SettingName<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Lowercase<Head>}${Capitalize<SettingName<Tail>>}` : Lowercase<S>;

const settingName = (variable: string) => variable.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

type Settings<T> = { [K in keyof T & string as SettingName<K>]: T[K] };

/**
 * The one schema of the configuration: every variable, its check and default. Its output is the
 * `Env` the service is built with (each variable as a camel-case setting, plus `isProduction`,
 * and the defaults that depend on NODE_ENV filled in).
 */
export const envSchema = variables.transform((e) => {
  // Every variable, set or not, so that an unset one reads as `undefined` rather than missing.
  const settings = Object.fromEntries(Object.keys(variables.shape).map((k) => [settingName(k), e[k as keyof typeof e]])) as Settings<typeof e>;
  const isProduction = e.NODE_ENV === 'production';
  const cors = e.CORS_ORIGINS ?? (isProduction ? '' : '*');
  return {
    ...settings,
    isProduction,
    host: e.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
    /** Local webhook targets (loopback, private): allowed outside production unless set. */
    webhookAllowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? !isProduction,
    dataDir: path.resolve(e.DATA_DIR),
    /** '*' or a list of exact origins; empty means no CORS headers at all. */
    corsOrigins: cors
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  };
});

export type Env = z.output<typeof envSchema>;

/** Every variable the service reads: .env.example and the README document each one. */
export const ENV_VARIABLES = Object.keys(variables.shape);

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

export function databaseHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const given = SECRET_VARIABLES.has(name) ? undefined : source[name];
      return `${name} ${issue.message}${given === undefined ? '' : ` (got "${given}")`}`;
    });
    throw new EnvError(problems);
  }
  const e = result.data;
  const problems: string[] = [];
  for (const [name, url] of [['DATABASE_URL', e.databaseUrl], ['DATABASE_URL_DIRECT', e.databaseUrlDirect]] as const) {
    if (url && e.databaseSsl === 'disable' && !isLoopbackHost(databaseHost(url))) {
      problems.push(
        `DATABASE_SSL=disable is refused for ${name}: its host "${databaseHost(url)}" is not loopback; use verify-full (default) or require`,
      );
    }
  }
  if (e.databaseUrlDirect && !e.databaseUrl) {
    problems.push('DATABASE_URL_DIRECT is set but DATABASE_URL is not: set both, or neither for the embedded database');
  }
  problems.push(...authProblems(e));
  if (problems.length > 0) throw new EnvError(problems);
  return e;
}

/**
 * Exactly one token source: a secret or a JWKS, never both (which one would a token be checked
 * against?). Production must name one; elsewhere the local development secret stands in.
 */
function authProblems(e: Env): string[] {
  const isProduction = e.isProduction;
  if (e.authJwtSecret && e.authJwksUrl) {
    return ['AUTH_JWT_SECRET and AUTH_JWKS_URL are both set: set only one (the HS256 secret shared with your auth server, or the JWKS URL of your identity provider)'];
  }
  if (isProduction && !e.authJwtSecret && !e.authJwksUrl) {
    return [
      'No authentication is configured: set AUTH_JWT_SECRET (the HS256 secret, at least 32 characters, shared with your auth server) or AUTH_JWKS_URL (the JWKS URL of your identity provider, e.g. https://auth.example.com/api/auth/jwks)',
    ];
  }
  const host = e.authJwksUrl ? databaseHost(e.authJwksUrl) : '';
  if (isProduction && e.authJwksUrl?.startsWith('http:') && !isLoopbackHost(host)) {
    return [`AUTH_JWKS_URL must use https in production: over plain http anyone on the path could swap the keys (host "${host}")`];
  }
  return [];
}

/** The process configuration: read by the entry points (src/index.ts, src/cli/*) only, which pass it on. */
export function env(): Env {
  return parseEnv(process.env);
}
