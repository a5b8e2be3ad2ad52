import type { Migration } from '../src/db/migrator.js';

// How many todos each user has, kept in the user's row by triggers, so that the quota
// (LIMIT_TODOS_PER_USER) and GET /v1/me read one row instead of counting the user's todos.
// Statement-level triggers with transition tables: a statement that inserts or deletes many
// todos updates each user's row once. Every path that adds or removes todos (the API, a cascade,
// SQL run by hand) keeps the count right. A todo never changes owner (no API moves one), so
// UPDATE needs no trigger. The existing rows are counted here, under a lock that keeps writers
// out until the count and its triggers are in place.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;
    LOCK TABLE todos IN SHARE MODE;
    ALTER TABLE users ADD COLUMN todo_count integer NOT NULL DEFAULT 0;
    UPDATE users u SET todo_count = c.n FROM (SELECT user_id, count(*) AS n FROM todos GROUP BY user_id) c WHERE u.id = c.user_id;
    ALTER TABLE users ADD CONSTRAINT users_todo_count_not_negative CHECK (todo_count >= 0);

    CREATE FUNCTION todos_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET todo_count = u.todo_count + c.n
      FROM (SELECT user_id, count(*) AS n FROM inserted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;

    CREATE FUNCTION todos_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET todo_count = u.todo_count - c.n
      FROM (SELECT user_id, count(*) AS n FROM deleted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;

    CREATE TRIGGER todos_count_inserted AFTER INSERT ON todos
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION todos_count_inserted();
    CREATE TRIGGER todos_count_deleted AFTER DELETE ON todos
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION todos_count_deleted();
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TRIGGER todos_count_deleted ON todos;
    DROP TRIGGER todos_count_inserted ON todos;
    DROP FUNCTION todos_count_deleted();
    DROP FUNCTION todos_count_inserted();
    ALTER TABLE users DROP COLUMN todo_count;
  `);
};
