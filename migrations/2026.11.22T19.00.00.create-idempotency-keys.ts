import type { Migration } from '../src/db/migrator.js';

// The first response to each (user, Idempotency-Key), stored in the same transaction as the
// write it answered, and replayed for 24 hours. The sweeper deletes expired rows by expires_at.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE idempotency_keys (
      user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      key         text NOT NULL,
      fingerprint text NOT NULL,
      status      smallint NOT NULL,
      headers     jsonb NOT NULL,
      body        text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      expires_at  timestamptz NOT NULL,
      CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, key),
      CONSTRAINT idempotency_keys_key_length CHECK (char_length(key) BETWEEN 1 AND 255),
      CONSTRAINT idempotency_keys_status_range CHECK (status BETWEEN 200 AND 299)
    );
    CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP TABLE idempotency_keys;');
};
