import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/** A fresh 40-character HS256 secret for this run only (the service needs at least 32). */
export const newBenchSecret = (): string => randomBytes(30).toString('base64url');

// Long enough for the full run plus profiling; the services allow 60 s of clock skew anyway.
const LIFETIME_SECONDS = 3 * 60 * 60;

/** One pre-signed HS256 token per subject, with `sub` and `exp` but no email: a known user then costs no query in either server. */
export async function signTokens(secret: string, subjects: string[]): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    subjects.map((sub) =>
      new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + LIFETIME_SECONDS).sign(key),
    ),
  );
}
