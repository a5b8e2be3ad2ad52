import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Env } from '../env.js';
import { devSecretPath, devTokenCommand, loadOrCreateDevSecret } from '../lib/dev-secret.js';
import { isPlausibleEmail } from '../lib/email.js';
import { ApiError } from '../lib/errors.js';
import { logger } from '../lib/logger.js';

/** Who a verified token says the caller is. */
export interface TokenIdentity {
  sub: string;
  /** The `email` claim when it is a plausible address; null when absent or implausible. */
  email: string | null;
}

const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'];
const CLOCK_TOLERANCE_SECONDS = 60;
const JWKS_TIMEOUT_MS = 3000;
// An unknown kid refetches the JWKS at most this often, so forged kids cannot hammer the provider.
const JWKS_COOLDOWN_MS = 5000;
// The users table's limits, in characters (char_length counts code points, as [...s].length does).
export const MAX_SUBJECT_LENGTH = 255;
export const MAX_EMAIL_LENGTH = 320;

// RFC 6750: a Bearer token is a token68 string.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

type Verify = (token: string) => Promise<JWTPayload>;

/** Verifies `Authorization: Bearer <JWT>`; throws 401 for any token it cannot trust, 503 when the JWKS is unreachable. */
export type Authenticate = (authorization: string | undefined) => Promise<TokenIdentity>;

// Tokens already verified, by their exact text: a client sends the same token many times, and
// an HMAC or signature check per request is the costliest step of a read. An entry lives until
// the token expires, at most VERIFIED_TTL_MS (so a revoked key stops working soon after).
const VERIFIED_TTL_MS = 5 * 60 * 1000;
const MAX_VERIFIED = 10_000;

/** The token check for this configuration (built by buildApp); its key source is made on first use. */
export function createAuthenticator(config: Env): Authenticate {
  let verify: Verify | undefined;
  const verified = new Map<string, { identity: TokenIdentity; until: number }>();
  const remember = (token: string, who: TokenIdentity, exp: number | undefined) => {
    const until = Math.min(Date.now() + VERIFIED_TTL_MS, ((exp ?? 0) + CLOCK_TOLERANCE_SECONDS) * 1000);
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.set(token, { identity: who, until });
  };
  return async (authorization) => {
    const token = bearerToken(authorization);
    const known = verified.get(token);
    if (known && known.until > Date.now()) return known.identity;
    verify ??= createVerifier(config);
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      if (error instanceof KeySetUnavailable) {
        throw new ApiError('service_unavailable', {
          detail: "The identity provider's signing keys could not be fetched; retry shortly.",
          cause: error.cause,
        });
      }
      throw unauthorized(rejection(error, config), error);
    }
    const who = identity(payload);
    remember(token, who, payload.exp);
    return who;
  };
}

/** RFC 6750 §3.1: a request with no bearer credentials at all (none, or another scheme) gets the challenge without an error code. */
function noBearerCredentials(detail: string): ApiError {
  return new ApiError('unauthorized', { detail, headers: { 'WWW-Authenticate': 'Bearer' } });
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw noBearerCredentials('This endpoint needs a bearer token: send `Authorization: Bearer <JWT>`.');
  }
  const match = BEARER.exec(authorization);
  if (match) return match[1]!;
  const detail = 'The Authorization header must be `Bearer <JWT>`.';
  throw /^\s*bearer(\s|$)/i.test(authorization) ? unauthorized(detail) : noBearerCredentials(detail);
}

function unauthorized(detail: string, cause?: unknown): ApiError {
  return new ApiError('unauthorized', { detail, cause, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
}

/** Local development: no auth configured, so tokens are checked against the secret in DATA_DIR. */
const usesDevelopmentSecret = (config: Env) => !config.authJwtSecret && !config.authJwksUrl && !config.isProduction;

/** A safe, specific reason for a rejected token: never the token, never a key. */
function rejection(error: unknown, config: Env): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired.';
  if (error instanceof errors.JOSEAlgNotAllowed) return "The token's signing algorithm is not accepted.";
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    // Most often a token made for another DATA_DIR's secret: say which command makes one for this server.
    if (usesDevelopmentSecret(config)) {
      return `The token's signature is not valid. This development server checks tokens against the secret in ${devSecretPath(config.dataDir)}; get one with: ${devTokenCommand(config)}`;
    }
    return "The token's signature is not valid.";
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'The token is not signed by a trusted key.';
  }
  if (error instanceof errors.JWTClaimValidationFailed) return claimRejection(error.claim, error.reason);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'The token is malformed.';
  return 'The token is not valid.';
}

const CLAIM_NAMES: Record<string, string> = { iss: 'issuer', aud: 'audience', exp: 'expiry', nbf: 'start time', iat: 'issue time' };

function claimRejection(claim: string, reason: string): string {
  if (claim === 'nbf' && reason === 'check_failed') return 'The token is not valid yet.';
  const name = `${CLAIM_NAMES[claim] ?? 'claim'} (\`${claim}\`)`;
  return reason === 'missing' ? `The token has no ${name}.` : `The token's ${name} is not accepted.`;
}

/**
 * Text PostgreSQL stores exactly as sent, within the column's limit. It cannot store NUL (and
 * Sequelize's postgres dialect rewrites NUL to the two characters `\0`, even in bind parameters),
 * and an unpaired surrogate reaches it as U+FFFD: either way two different claims would become one value.
 */
export function isStorableText(value: string, maxLength: number): boolean {
  return value.isWellFormed() && !value.includes('\0') && [...value].length <= maxLength;
}

function identity(payload: JWTPayload): TokenIdentity {
  const { sub, email } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || !isStorableText(sub, MAX_SUBJECT_LENGTH)) {
    throw unauthorized(
      `The token needs a subject (\`sub\`): a string of 1 to ${MAX_SUBJECT_LENGTH} characters, with no NUL and no unpaired surrogate.`,
    );
  }
  // Refused, not ignored like an implausible address: NUL, a lone surrogate or 321+ characters is a crafted token, like such a sub.
  if (typeof email === 'string' && !isStorableText(email, MAX_EMAIL_LENGTH)) {
    throw unauthorized(
      `The token's \`email\` claim cannot be stored as sent: at most ${MAX_EMAIL_LENGTH} characters, with no NUL and no unpaired surrogate.`,
    );
  }
  // An odd but storable email claim is no reason to lock a signed-in user out: it is ignored instead.
  return { sub, email: isPlausibleEmail(email) ? email : null };
}

/** The verifier for the configured token source: a JWKS, the shared secret, or the local development secret. */
function createVerifier(config: Env): Verify {
  const claims: JWTVerifyOptions = {
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    issuer: config.authIssuer,
    audience: config.authAudience,
  };
  if (config.authJwksUrl) {
    const keys = remoteKeySet(new URL(config.authJwksUrl));
    return async (token) => (await jwtVerify(token, keys, { ...claims, algorithms: JWKS_ALGORITHMS })).payload;
  }
  const secret = new TextEncoder().encode(config.authJwtSecret ?? developmentSecret(config));
  return async (token) => (await jwtVerify(token, secret, { ...claims, algorithms: SECRET_ALGORITHMS })).payload;
}

function developmentSecret(config: Env): string {
  const secret = loadOrCreateDevSecret(config.dataDir);
  logger.warn(
    { secret_file: devSecretPath(config.dataDir) },
    `No AUTH_JWT_SECRET or AUTH_JWKS_URL: verifying tokens with the local development secret; \`${devTokenCommand(config)}\` prints one`,
  );
  return secret;
}

/** The JWKS could not be fetched or used: the provider's problem, not the caller's (503, not 401). */
class KeySetUnavailable extends Error {
  override name = 'KeySetUnavailable';
}

/** jose's cached remote JWKS (refetched on an unknown kid), with fetch failures told apart from bad tokens. */
function remoteKeySet(url: URL): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url, { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS });
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      const tokenProblem =
        error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported;
      if (tokenProblem) throw error;
      throw new KeySetUnavailable(`JWKS at ${url.origin}${url.pathname} is unavailable`, { cause: error });
    }
  };
}
