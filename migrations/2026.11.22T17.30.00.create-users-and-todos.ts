import type { Migration } from '../src/db/migrator.js';

// Migrations use SQL, never the application's models: they must keep working as the models change.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE users (
      id         uuid PRIMARY KEY,
      subject    text NOT NULL,
      email      text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT users_subject_key UNIQUE (subject),
      CONSTRAINT users_email_key UNIQUE (email),
      CONSTRAINT users_subject_length CHECK (char_length(subject) BETWEEN 1 AND 255),
      CONSTRAINT users_email_length CHECK (email IS NULL OR char_length(email) BETWEEN 3 AND 320)
    );

    CREATE TABLE todos (
      id           uuid PRIMARY KEY,
      user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      title        text NOT NULL,
      description  text,
      completed    boolean NOT NULL DEFAULT false,
      completed_at timestamptz,
      due_at       timestamptz,
      priority     smallint NOT NULL DEFAULT 0,
      version      integer NOT NULL DEFAULT 1,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT todos_title_length CHECK (char_length(title) BETWEEN 1 AND 1024 AND title = btrim(title)),
      CONSTRAINT todos_description_length CHECK (description IS NULL OR char_length(description) <= 8192),
      CONSTRAINT todos_priority_range CHECK (priority BETWEEN 0 AND 4),
      CONSTRAINT todos_version_positive CHECK (version >= 1),
      CONSTRAINT todos_completed_at_matches CHECK ((completed AND completed_at IS NOT NULL) OR (NOT completed AND completed_at IS NULL))
    );

    -- Serves the default list order (newest first, ties by id) for one user, and user_id lookups.
    CREATE INDEX todos_user_created_at_idx ON todos (user_id, created_at DESC, id DESC);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE todos;
    DROP TABLE users;
  `);
};
