import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths.js';

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

/** A value as one shell word: as is when it is plain, else single-quoted. */
const shellWord = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

/**
 * The exact `npm run token` command whose tokens a development server with these settings accepts:
 * it carries the server's DATA_DIR (where the secret is) unless it is the default that `npm run`
 * resolves from the project root, and the issuer and audience the server checks.
 */
export function devTokenCommand(
  settings: { dataDir: string; authIssuer?: string | undefined; authAudience?: string | undefined },
  email = 'you@example.com',
): string {
  const relative = path.relative(projectRoot, settings.dataDir);
  const dataDir = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? settings.dataDir : relative;
  const variables = [
    ...(dataDir === 'data' ? [] : [`DATA_DIR=${shellWord(dataDir)}`]),
    ...(settings.authIssuer ? [`AUTH_ISSUER=${shellWord(settings.authIssuer)}`] : []),
    ...(settings.authAudience ? [`AUTH_AUDIENCE=${shellWord(settings.authAudience)}`] : []),
  ];
  return [...variables, 'npm run -s token -- --email', shellWord(email)].join(' ');
}
