import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// The local development signing secret: used by the server and `npm run token` when no auth is configured.

export const DEV_SECRET_FILE = 'dev-jwt-secret';

export function devSecretPath(dataDir: string): string {
  return path.join(dataDir, DEV_SECRET_FILE);
}

/** Reads `<dataDir>/dev-jwt-secret`, creating it (48 random bytes, base64url, mode 0600) on first use. */
export function loadOrCreateDevSecret(dataDir: string): string {
  const file = devSecretPath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  createOnce(file, randomBytes(48).toString('base64url'));
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) {
    throw new Error(`The development secret in ${file} is shorter than 32 characters: delete the file and a new one is made.`);
  }
  return secret;
}

/** Writes a complete file under a temporary name, then links it into place: a concurrent reader never sees it half-written. */
function createOnce(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    // EEXIST: the server or the token CLI made it first; theirs wins.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}
