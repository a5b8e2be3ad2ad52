import { QueryTypes, type Sequelize } from 'sequelize';
import { ApiError } from '../lib/errors.js';

// The secrets in the service_secrets table (migrations/2026.12.01T12.00.00.create-service-secrets.ts):
// generated once into the database, so every instance on it signs and checks with the same key.

let secrets = new Map<string, Buffer>();

/**
 * Reads every service secret, once at start-up (openDatabase, after migrating). A database whose
 * migrations have not run has no table: nothing is loaded, opening still succeeds (readiness
 * reports the pending migrations), and using a secret is a 503 until a reopen after migrating.
 */
export async function loadServiceSecrets(sequelize: Sequelize): Promise<void> {
  secrets = new Map();
  const [table] = await sequelize.query<{ present: boolean }>("SELECT to_regclass('service_secrets') IS NOT NULL AS present", {
    type: QueryTypes.SELECT,
  });
  if (!table?.present) return;
  const rows = await sequelize.query<{ name: string; secret: Buffer }>('SELECT name, secret FROM service_secrets WHERE octet_length(secret) >= $1', {
    bind: [32],
    type: QueryTypes.SELECT,
  });
  secrets = new Map(rows.map((row) => [row.name, row.secret]));
}

/** The key of list cursors' HMAC; a 503 when the database had none when it was opened. */
export function cursorSecret(): Buffer {
  const secret = secrets.get('cursor');
  if (!secret) {
    throw new ApiError('service_unavailable', { detail: 'The cursor signing key is not in the database yet: its migrations have not run.' });
  }
  return secret;
}
