import { randomBytes } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { env } from '../../src/env.js';

export interface TokenOptions {
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Signs with this secret instead of the configured AUTH_JWT_SECRET. */
  secret?: string;
}

/** A subject no other test uses. */
export const newSubject = (prefix = 'user'): string => `${prefix}|${randomBytes(6).toString('hex')}`;

/** An HS256 token signed with the test process's AUTH_JWT_SECRET (vitest.config.ts). */
export async function signToken(claims: JWTPayload, { expiresIn = 300, secret }: TokenOptions = {}): Promise<string> {
  const key = new TextEncoder().encode(secret ?? env().authJwtSecret ?? '');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + expiresIn).sign(key);
}

export const bearer = (token: string): { headers: Record<string, string> } => ({ headers: { Authorization: `Bearer ${token}` } });

/** Request init carrying a fresh token for these claims. */
export async function as(claims: JWTPayload): Promise<{ headers: Record<string, string> }> {
  return bearer(await signToken(claims));
}
