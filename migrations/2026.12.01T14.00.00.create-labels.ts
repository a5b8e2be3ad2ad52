import type { Migration } from '../src/db/migrator.js';

// Labels: per-user names (unique ignoring case) with an optional colour. A todo will refer to a
// label by id, so a rename writes one row. `label_count` on users is kept by statement-level
// triggers, as `todo_count` is (migration 2026.12.01T13.10.00), so the quota
// (LIMIT_LABELS_PER_USER) and GET /v1/me read one row instead of counting.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE labels (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name text NOT NULL CONSTRAINT labels_name_length CHECK (char_length(name) BETWEEN 1 AND 64 AND name = btrim(name)),
      color text NULL CONSTRAINT labels_color_format CHECK (color ~ '^#[0-9a-f]{6}$'),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1 CONSTRAINT labels_version_positive CHECK (version >= 1)
    );
    -- "Unique per user ignoring case" (409 label_exists).
    CREATE UNIQUE INDEX labels_user_name_key ON labels (user_id, lower(name));
    -- The list order: by name ignoring case, ties by id (keyset pagination).
    CREATE INDEX labels_user_name_id_idx ON labels (user_id, lower(name), id);

    ALTER TABLE users ADD COLUMN label_count integer NOT NULL DEFAULT 0;
    ALTER TABLE users ADD CONSTRAINT users_label_count_not_negative CHECK (label_count >= 0);

    CREATE FUNCTION labels_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET label_count = u.label_count + c.n
      FROM (SELECT user_id, count(*) AS n FROM inserted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;

    CREATE FUNCTION labels_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET label_count = u.label_count - c.n
      FROM (SELECT user_id, count(*) AS n FROM deleted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;

    CREATE TRIGGER labels_count_inserted AFTER INSERT ON labels
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION labels_count_inserted();
    CREATE TRIGGER labels_count_deleted AFTER DELETE ON labels
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION labels_count_deleted();
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE labels;
    DROP FUNCTION labels_count_deleted();
    DROP FUNCTION labels_count_inserted();
    ALTER TABLE users DROP COLUMN label_count;
  `);
};
