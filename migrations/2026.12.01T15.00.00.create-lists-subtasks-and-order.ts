import type { Migration } from '../src/db/migrator.js';

// Lists, subtasks, labels on todos and manual order (API.md v1.1), with the rules kept by the
// database itself, so that every path that writes (the API, a batch, a cascade, SQL by hand)
// keeps them:
//
// - Every user has exactly one default list ("Inbox"), made by a trigger when the user row is
//   inserted (existing users get theirs here; their todos move into it, in creation order).
// - A todo's list is the user's (foreign key (list_id, user_id) to lists); its parent is in the
//   same list (foreign key (parent_id, list_id) to todos (id, list_id)). ON UPDATE CASCADE of that
//   key is what moves a todo's subtasks with it to another list; ON DELETE CASCADE deletes a
//   list's todos and a todo's subtasks. A subtask whose list changed that way gets a new version.
// - Subtasks at most 4 levels deep, and no cycles: a trigger walks the tree after locking the
//   owner's row, which every structural write of that user takes, so concurrent moves of a parent
//   and its child see each other (a trigger's queries see what committed before they run).
// - Positions are fractional-indexing keys (text compared bytewise, COLLATE "C"). "The end" of a
//   list or of a parent's subtasks is fractional_key(n) of a per-user counter in the user's row,
//   bumped under its row lock: such keys only grow, so an end key is past every key the user has,
//   needs no read of the siblings, and two concurrent creates never get the same one. A key
//   between two neighbours is computed by the service (the fractional-indexing package) while it
//   holds the same lock.
// - Labels on a todo: `label_ids` (in the order given) is the copy the API reads and writes; the
//   todo_labels join, kept from it by a trigger, is what the foreign key to labels (label_id,
//   user_id) checks (another user's label is a violation) and what deletes follow: deleting a
//   label removes it from its todos and bumps their versions.
// - Counts (todo_count, open_todo_count on lists; subtask_count, open_subtask_count on todos)
//   are kept by triggers, so a page of lists or todos carries them without counting.

const FRACTIONAL_KEY = `
  -- The n-th integer key of fractional-indexing (n >= 0): a0..az, b00..bzz, c000.. (a head letter
  -- for the length, then base-62 digits), exactly what its generateKeyBetween(key(n - 1), null)
  -- returns; test/platform/fractional-key.test.ts compares the two.
  CREATE FUNCTION fractional_key(n bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
  DECLARE
    digits constant text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    len int := 1;
    span numeric := 62;
    rest numeric := n;
    out text := '';
  BEGIN
    IF n < 0 THEN RAISE EXCEPTION 'fractional_key needs n >= 0, got %', n; END IF;
    WHILE rest >= span LOOP
      rest := rest - span;
      len := len + 1;
      span := span * 62;
    END LOOP;
    FOR i IN 1..len LOOP
      out := substr(digits, (rest % 62)::int + 1, 1) || out;
      rest := div(rest, 62);
    END LOOP;
    RETURN chr(ascii('a') + len - 1) || out;
  END $$;

  -- A UUIDv7 (time-ordered, like the ids the service makes) for rows made by SQL: uuidv7() is
  -- PostgreSQL 18 only, and Neon runs 14 to 17.
  CREATE FUNCTION todo_api_uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
      substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
  $$;
`;

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;
    LOCK TABLE users, todos, labels IN EXCLUSIVE MODE;
    ${FRACTIONAL_KEY}

    ALTER TABLE users ADD COLUMN position_seq bigint NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN list_count integer NOT NULL DEFAULT 0;
    ALTER TABLE users ADD CONSTRAINT users_list_count_not_negative CHECK (list_count >= 0);

    CREATE TABLE lists (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name text NOT NULL CONSTRAINT lists_name_length CHECK (char_length(name) BETWEEN 1 AND 255 AND name = btrim(name)),
      color text NULL CONSTRAINT lists_color_format CHECK (color ~ '^#[0-9a-f]{6}$'),
      position text COLLATE "C" NOT NULL CONSTRAINT lists_position_format CHECK (position ~ '^[0-9A-Za-z]+$' AND char_length(position) BETWEEN 2 AND 256),
      is_default boolean NOT NULL DEFAULT false,
      archived boolean NOT NULL DEFAULT false,
      todo_count integer NOT NULL DEFAULT 0 CONSTRAINT lists_todo_count_not_negative CHECK (todo_count >= 0),
      open_todo_count integer NOT NULL DEFAULT 0 CONSTRAINT lists_open_todo_count_not_negative CHECK (open_todo_count >= 0),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1 CONSTRAINT lists_version_positive CHECK (version >= 1),
      CONSTRAINT lists_default_not_archived CHECK (NOT (is_default AND archived)),
      -- The target of todos' (list_id, user_id): a todo's list is its owner's.
      CONSTRAINT lists_id_user_key UNIQUE (id, user_id)
    );
    -- Exactly one default list a user (the trigger below makes it; this forbids a second).
    CREATE UNIQUE INDEX lists_user_default_key ON lists (user_id) WHERE is_default;
    -- GET /v1/lists: the user's lists, archived or not, in position order (keyset).
    CREATE INDEX lists_user_position_idx ON lists (user_id, archived, position, id);

    CREATE FUNCTION lists_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET list_count = u.list_count + c.n
      FROM (SELECT user_id, count(*) AS n FROM inserted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;
    CREATE FUNCTION lists_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET list_count = u.list_count - c.n
      FROM (SELECT user_id, count(*) AS n FROM deleted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER lists_count_inserted AFTER INSERT ON lists
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION lists_count_inserted();
    CREATE TRIGGER lists_count_deleted AFTER DELETE ON lists
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION lists_count_deleted();

    -- Every new user gets a default list, positioned first (the counter's first key).
    CREATE FUNCTION users_default_list() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE key text;
    BEGIN
      UPDATE users SET position_seq = position_seq + 1 WHERE id = NEW.id RETURNING fractional_key(position_seq) INTO key;
      INSERT INTO lists (id, user_id, name, position, is_default, created_at, updated_at)
        VALUES (todo_api_uuid_v7(), NEW.id, 'Inbox', key, true, NEW.created_at, NEW.created_at);
      RETURN NULL;
    END $$;
    CREATE TRIGGER users_default_list AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_default_list();

    -- Existing users: their default list, then their todos in it, in creation order.
    UPDATE users SET position_seq = 1;
    INSERT INTO lists (id, user_id, name, position, is_default, created_at, updated_at)
      SELECT todo_api_uuid_v7(), id, 'Inbox', fractional_key(1), true, created_at, created_at FROM users;

    ALTER TABLE todos
      ADD COLUMN list_id uuid,
      ADD COLUMN parent_id uuid,
      ADD COLUMN position text COLLATE "C",
      ADD COLUMN label_ids uuid[] NOT NULL DEFAULT '{}',
      ADD COLUMN subtask_count integer NOT NULL DEFAULT 0,
      ADD COLUMN open_subtask_count integer NOT NULL DEFAULT 0;
    UPDATE todos t SET list_id = l.id, position = fractional_key(1 + o.n)
      FROM (SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY created_at, id) AS n FROM todos) o, lists l
      WHERE o.id = t.id AND l.user_id = t.user_id AND l.is_default;
    UPDATE users u SET position_seq = 1 + c.n FROM (SELECT user_id, count(*) AS n FROM todos GROUP BY user_id) c WHERE u.id = c.user_id;
    UPDATE lists l SET todo_count = c.n, open_todo_count = c.open
      FROM (SELECT list_id, count(*) AS n, count(*) FILTER (WHERE NOT completed) AS open FROM todos GROUP BY list_id) c
      WHERE l.id = c.list_id;

    ALTER TABLE todos
      ALTER COLUMN list_id SET NOT NULL,
      ALTER COLUMN position SET NOT NULL,
      ADD CONSTRAINT todos_position_format CHECK (position ~ '^[0-9A-Za-z]+$' AND char_length(position) BETWEEN 2 AND 256),
      ADD CONSTRAINT todos_label_ids_at_most_20 CHECK (cardinality(label_ids) <= 20),
      ADD CONSTRAINT todos_not_own_parent CHECK (parent_id <> id),
      ADD CONSTRAINT todos_subtask_count_not_negative CHECK (subtask_count >= 0 AND open_subtask_count >= 0),
      ADD CONSTRAINT todos_list_fkey FOREIGN KEY (list_id, user_id) REFERENCES lists (id, user_id) ON DELETE CASCADE,
      ADD CONSTRAINT todos_id_list_key UNIQUE (id, list_id);
    ALTER TABLE todos
      ADD CONSTRAINT todos_parent_fkey FOREIGN KEY (parent_id, list_id) REFERENCES todos (id, list_id) ON DELETE CASCADE ON UPDATE CASCADE;
    -- One list in position order (list_id=…&sort=position), and a list's deletion (every statement
    -- names user_id, so it leads).
    CREATE INDEX todos_list_position_idx ON todos (user_id, list_id, position, id);
    -- A list (and a parent) belongs to one user: without this the planner multiplies the
    -- selectivities, expects a few rows of a list, and sorts it instead of reading the index in order.
    CREATE STATISTICS todos_list_user_dependency (dependencies) ON user_id, list_id, parent_id FROM todos;
    -- A parent's subtasks in position order (parent_id=…), and what its cascades look up. It
    -- holds subtasks only: a top-level todo's writes do not maintain it.
    CREATE INDEX todos_parent_position_idx ON todos (parent_id, position, id) WHERE parent_id IS NOT NULL;

    ALTER TABLE labels ADD CONSTRAINT labels_id_user_key UNIQUE (id, user_id);
    CREATE TABLE todo_labels (
      todo_id uuid NOT NULL REFERENCES todos (id) ON DELETE CASCADE,
      label_id uuid NOT NULL,
      user_id uuid NOT NULL,
      PRIMARY KEY (todo_id, label_id),
      CONSTRAINT todo_labels_label_fkey FOREIGN KEY (label_id, user_id) REFERENCES labels (id, user_id) ON DELETE CASCADE
    );
    -- label_id=… filters, and a label's deletion.
    CREATE INDEX todo_labels_label_idx ON todo_labels (label_id, todo_id);

    -- A todo inserted without a list goes to its parent's list, else to the default list; without
    -- a position, to the end (the counter's next key). That is one UPDATE of the owner's row per
    -- row: a bulk load in SQL gives list_id and position (fractional_key(n)) itself.
    CREATE FUNCTION todos_defaults() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.list_id IS NULL AND NEW.parent_id IS NOT NULL THEN
        SELECT list_id INTO NEW.list_id FROM todos WHERE id = NEW.parent_id AND user_id = NEW.user_id;
      END IF;
      IF NEW.list_id IS NULL THEN
        SELECT id INTO NEW.list_id FROM lists WHERE user_id = NEW.user_id AND is_default;
      END IF;
      IF NEW.position IS NULL THEN
        UPDATE users SET position_seq = position_seq + 1 WHERE id = NEW.user_id RETURNING fractional_key(position_seq) INTO NEW.position;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER todos_defaults BEFORE INSERT ON todos FOR EACH ROW
      WHEN (NEW.list_id IS NULL OR NEW.position IS NULL) EXECUTE FUNCTION todos_defaults();

    -- At most 4 levels, no cycles. The owner's row lock serialises one user's structural writes,
    -- and each query below sees what committed before it ran (READ COMMITTED, volatile function).
    CREATE FUNCTION todos_check_tree() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      above int;
      below int := 0;
      cycle boolean;
    BEGIN
      PERFORM 1 FROM users WHERE id = NEW.user_id FOR UPDATE;
      -- Only the owner's rows: another user's todo as a parent must be refused (by the foreign
      -- key) exactly like one that does not exist, not by a depth that would tell it exists.
      WITH RECURSIVE up (id, parent_id, n) AS (
        SELECT id, parent_id, 1 FROM todos WHERE id = NEW.parent_id AND user_id = NEW.user_id
        UNION ALL
        SELECT t.id, t.parent_id, up.n + 1 FROM todos t JOIN up ON t.id = up.parent_id
          WHERE t.user_id = NEW.user_id AND up.n < 5 AND up.id <> NEW.id
      )
      SELECT coalesce(max(n), 0), coalesce(bool_or(id = NEW.id), false) INTO above, cycle FROM up;
      IF cycle THEN
        RAISE EXCEPTION 'todo % cannot be a subtask of its own subtask %', NEW.id, NEW.parent_id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'todos_no_cycle';
      END IF;
      IF TG_OP = 'UPDATE' THEN
        WITH RECURSIVE down (id, n) AS (
          SELECT id, 1 FROM todos WHERE parent_id = NEW.id
          UNION ALL
          SELECT t.id, down.n + 1 FROM todos t JOIN down ON t.parent_id = down.id WHERE down.n < 4
        )
        SELECT coalesce(max(n), 0) INTO below FROM down;
      END IF;
      IF above + 1 + below > 4 THEN
        RAISE EXCEPTION 'todo % would be % levels deep', NEW.id, above + 1 + below
          USING ERRCODE = 'check_violation', CONSTRAINT = 'todos_subtask_depth';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER todos_check_tree_inserted BEFORE INSERT ON todos FOR EACH ROW
      WHEN (NEW.parent_id IS NOT NULL) EXECUTE FUNCTION todos_check_tree();
    CREATE TRIGGER todos_check_tree_updated BEFORE UPDATE OF parent_id ON todos FOR EACH ROW
      WHEN (NEW.parent_id IS NOT NULL AND NEW.parent_id IS DISTINCT FROM OLD.parent_id) EXECUTE FUNCTION todos_check_tree();

    -- A subtask moved to another list with its parent (the cascade) changed: a new version.
    CREATE FUNCTION todos_cascaded_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.version := OLD.version + 1;
      NEW.updated_at := now();
      RETURN NEW;
    END $$;
    CREATE TRIGGER todos_cascaded_version BEFORE UPDATE OF list_id ON todos FOR EACH ROW
      WHEN (OLD.list_id IS DISTINCT FROM NEW.list_id AND OLD.version = NEW.version) EXECUTE FUNCTION todos_cascaded_version();

    -- label_ids -> todo_labels (whose foreign key checks each label is the owner's).
    CREATE FUNCTION todos_sync_labels() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM todo_labels WHERE todo_id = NEW.id AND label_id <> ALL (NEW.label_ids);
      END IF;
      INSERT INTO todo_labels (todo_id, label_id, user_id)
        SELECT NEW.id, l, NEW.user_id FROM unnest(NEW.label_ids) AS l
        ON CONFLICT (todo_id, label_id) DO NOTHING;
      RETURN NULL;
    END $$;
    CREATE TRIGGER todos_sync_labels_inserted AFTER INSERT ON todos FOR EACH ROW
      WHEN (cardinality(NEW.label_ids) > 0) EXECUTE FUNCTION todos_sync_labels();
    CREATE TRIGGER todos_sync_labels_updated AFTER UPDATE OF label_ids ON todos FOR EACH ROW
      WHEN (OLD.label_ids IS DISTINCT FROM NEW.label_ids) EXECUTE FUNCTION todos_sync_labels();

    -- A deleted label leaves its todos (each gets a new version); a todo's own deletion, or a
    -- label_ids change that already removed it, matches nothing here.
    CREATE FUNCTION todo_labels_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE todos t SET label_ids = ARRAY(SELECT x FROM unnest(t.label_ids) WITH ORDINALITY AS a(x, o) WHERE x <> ALL (d.gone) ORDER BY o),
          version = t.version + 1, updated_at = now()
        FROM (SELECT todo_id, array_agg(label_id) AS gone FROM deleted GROUP BY todo_id) d
        WHERE t.id = d.todo_id AND t.label_ids && d.gone;
      RETURN NULL;
    END $$;
    CREATE TRIGGER todo_labels_deleted AFTER DELETE ON todo_labels
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION todo_labels_deleted();

    -- Counts of lists, in the statement-level triggers that already count a user's todos.
    CREATE OR REPLACE FUNCTION todos_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET todo_count = u.todo_count + c.n
      FROM (SELECT user_id, count(*) AS n FROM inserted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      UPDATE lists l SET todo_count = l.todo_count + c.n, open_todo_count = l.open_todo_count + c.open
      FROM (SELECT list_id, count(*) AS n, count(*) FILTER (WHERE NOT completed) AS open FROM inserted GROUP BY list_id) c
      WHERE l.id = c.list_id;
      RETURN NULL;
    END $$;
    CREATE OR REPLACE FUNCTION todos_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET todo_count = u.todo_count - c.n
      FROM (SELECT user_id, count(*) AS n FROM deleted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      UPDATE lists l SET todo_count = l.todo_count - c.n, open_todo_count = l.open_todo_count - c.open
      FROM (SELECT list_id, count(*) AS n, count(*) FILTER (WHERE NOT completed) AS open FROM deleted GROUP BY list_id) c
      WHERE l.id = c.list_id;
      RETURN NULL;
    END $$;
    -- Row-level for updates, so that a patch that changes neither list nor completion runs nothing.
    CREATE FUNCTION todos_list_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE lists SET todo_count = todo_count - 1, open_todo_count = open_todo_count - (NOT OLD.completed)::int WHERE id = OLD.list_id;
      UPDATE lists SET todo_count = todo_count + 1, open_todo_count = open_todo_count + (NOT NEW.completed)::int WHERE id = NEW.list_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER todos_list_counts_updated AFTER UPDATE OF list_id, completed ON todos FOR EACH ROW
      WHEN (OLD.list_id IS DISTINCT FROM NEW.list_id OR OLD.completed IS DISTINCT FROM NEW.completed)
      EXECUTE FUNCTION todos_list_counts_updated();

    -- Subtask counts in the parent's row.
    CREATE FUNCTION todos_subtask_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.parent_id IS NOT NULL THEN
        UPDATE todos SET subtask_count = subtask_count - 1, open_subtask_count = open_subtask_count - (NOT OLD.completed)::int
          WHERE id = OLD.parent_id;
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.parent_id IS NOT NULL THEN
        UPDATE todos SET subtask_count = subtask_count + 1, open_subtask_count = open_subtask_count + (NOT NEW.completed)::int
          WHERE id = NEW.parent_id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER todos_subtask_counts_inserted AFTER INSERT ON todos FOR EACH ROW
      WHEN (NEW.parent_id IS NOT NULL) EXECUTE FUNCTION todos_subtask_counts();
    CREATE TRIGGER todos_subtask_counts_deleted AFTER DELETE ON todos FOR EACH ROW
      WHEN (OLD.parent_id IS NOT NULL) EXECUTE FUNCTION todos_subtask_counts();
    CREATE TRIGGER todos_subtask_counts_updated AFTER UPDATE OF parent_id, completed ON todos FOR EACH ROW
      WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id OR (OLD.completed IS DISTINCT FROM NEW.completed AND NEW.parent_id IS NOT NULL))
      EXECUTE FUNCTION todos_subtask_counts();
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;
    DROP STATISTICS todos_list_user_dependency;
    DROP TRIGGER todos_subtask_counts_updated ON todos;
    DROP TRIGGER todos_subtask_counts_deleted ON todos;
    DROP TRIGGER todos_subtask_counts_inserted ON todos;
    DROP FUNCTION todos_subtask_counts();
    DROP TRIGGER todos_list_counts_updated ON todos;
    DROP FUNCTION todos_list_counts_updated();
    CREATE OR REPLACE FUNCTION todos_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET todo_count = u.todo_count + c.n
      FROM (SELECT user_id, count(*) AS n FROM inserted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;
    CREATE OR REPLACE FUNCTION todos_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users u SET todo_count = u.todo_count - c.n
      FROM (SELECT user_id, count(*) AS n FROM deleted GROUP BY user_id) c
      WHERE u.id = c.user_id;
      RETURN NULL;
    END $$;
    DROP TABLE todo_labels;
    DROP FUNCTION todo_labels_deleted();
    ALTER TABLE labels DROP CONSTRAINT labels_id_user_key;
    DROP TRIGGER todos_sync_labels_updated ON todos;
    DROP TRIGGER todos_sync_labels_inserted ON todos;
    DROP FUNCTION todos_sync_labels();
    DROP TRIGGER todos_cascaded_version ON todos;
    DROP FUNCTION todos_cascaded_version();
    DROP TRIGGER todos_check_tree_updated ON todos;
    DROP TRIGGER todos_check_tree_inserted ON todos;
    DROP FUNCTION todos_check_tree();
    DROP TRIGGER todos_defaults ON todos;
    DROP FUNCTION todos_defaults();
    -- Subtasks become todos of their own; every todo stays, whatever list it was in.
    ALTER TABLE todos
      DROP CONSTRAINT todos_parent_fkey,
      DROP CONSTRAINT todos_list_fkey,
      DROP CONSTRAINT todos_id_list_key,
      DROP COLUMN list_id,
      DROP COLUMN parent_id,
      DROP COLUMN position,
      DROP COLUMN label_ids,
      DROP COLUMN subtask_count,
      DROP COLUMN open_subtask_count;
    DROP TRIGGER users_default_list ON users;
    DROP FUNCTION users_default_list();
    DROP TABLE lists;
    DROP FUNCTION lists_count_deleted();
    DROP FUNCTION lists_count_inserted();
    ALTER TABLE users DROP COLUMN list_count, DROP COLUMN position_seq;
    DROP FUNCTION todo_api_uuid_v7();
    DROP FUNCTION fractional_key(bigint);
  `);
};
