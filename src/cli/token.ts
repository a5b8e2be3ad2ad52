import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { env, type Env } from '../env.js';
import { devSecretPath, loadOrCreateDevSecret } from '../lib/dev-secret.js';
import { isPlausibleEmail } from '../lib/email.js';

// `npm run token -- --email you@example.com [--sub id] [--ttl 1h]`: a development token for
// AUTH_JWT_SECRET, or else the local secret in DATA_DIR (the one the server uses too).

const USAGE = `Usage: npm run token -- --email you@example.com [--sub <subject>] [--ttl 1h]
  --email  the token's email claim
  --sub    the token's subject (default: dev|<email>, so the same email is the same user)
  --ttl    lifetime: a number with s, m, h or d (default 1h)
Signs with AUTH_JWT_SECRET, or else the development secret in DATA_DIR (default ./data): run it
with the server's DATA_DIR, as the server prints at start-up (DATA_DIR=... npm run -s token -- ...).`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

class UsageError extends Error {}

interface Request {
  sub: string;
  email: string | undefined;
  ttlSeconds: number;
}

function parseRequest(argv: string[]): Request {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { email: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { email, sub, ttl = '1h' } = values;
  if (email === undefined && sub === undefined) throw new UsageError('Give --email (or --sub).');
  // values.email, not email: isPlausibleEmail's type guard narrows `email` to never in the message.
  if (email !== undefined && !isPlausibleEmail(email)) throw new UsageError(`"${values.email}" is not an email address.`);
  if (sub !== undefined && (sub.length === 0 || sub.length > 255)) throw new UsageError('--sub must be 1 to 255 characters.');
  const match = /^(\d+)([smhd])$/.exec(ttl);
  if (!match || Number(match[1]) === 0) throw new UsageError(`--ttl "${ttl}" is not a lifetime like 30m, 1h or 7d.`);
  return { sub: sub ?? `dev|${email}`, email, ttlSeconds: Number(match[1]) * UNIT_SECONDS[match[2]!]! };
}

/** Refuses where a development token makes no sense. */
function assertDevelopmentSigning(config: Env): void {
  if (config.isProduction) {
    throw new Error('npm run token is for development and refuses NODE_ENV=production: production tokens come from your auth server.');
  }
  if (config.authJwksUrl) {
    throw new Error('AUTH_JWKS_URL is set: the service accepts only tokens from that identity provider, which this command cannot sign. Get a token from the provider, or unset AUTH_JWKS_URL for local development.');
  }
}

async function signToken(config: Env, request: Request, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(request.email ? { email: request.email } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + request.ttlSeconds);
  // The server checks these when they are configured, so the token must carry them.
  if (config.authIssuer) jwt.setIssuer(config.authIssuer);
  if (config.authAudience) jwt.setAudience(config.authAudience);
  return jwt.sign(new TextEncoder().encode(secret));
}

try {
  const config = env();
  assertDevelopmentSigning(config);
  const request = parseRequest(process.argv.slice(2));
  const fresh = !config.authJwtSecret && !existsSync(devSecretPath(config.dataDir));
  const secret = config.authJwtSecret ?? loadOrCreateDevSecret(config.dataDir);
  // On stderr, so that TOKEN=$(npm run -s token ...) still captures just the token.
  if (fresh) {
    process.stderr.write(
      `No development secret in ${config.dataDir} yet, so a new one was made: only a server with this DATA_DIR accepts the token. A server started with another DATA_DIR prints the command for it.\n`,
    );
  }
  process.stdout.write(`${await signToken(config, request, secret)}\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(error instanceof UsageError ? `${message}\n${USAGE}\n` : `${message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
