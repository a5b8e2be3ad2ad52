import type { Migration } from '../src/db/migrator.js';

// Webhooks (API.md, Webhooks): endpoints, and a transactional outbox of their events.
//
// - The outbox is written by statement-level triggers on todos, lists and labels, in the write's
//   transaction (a rollback sends nothing; every writer, cascades included, is covered; no extra
//   round trip). PostgreSQL fires a table's triggers of one event in name order, so
//   <table>_webhooks_* run after <table>_changes_* (migration 2026.12.01T16.00.00) and read the
//   seq that the change feed has just given each row.
// - A statement of a user with no enabled endpoint costs one probe of webhooks_user_idx.
// - One event per changed row (webhook_events: its type and the row before and after, as JSON;
//   the worker renders the body), and one delivery per endpoint that subscribes to it
//   (webhook_deliveries), claimed by workers with FOR UPDATE SKIP LOCKED and a lease.
// - An UPDATE that changes no version (a list's todo_count, a parent's subtask_count) is no event:
//   those are derived counts, in the change feed but not worth a push.
// - webhook_attempts: one row per HTTP attempt, for GET /v1/webhooks/{id}/deliveries.

const TABLES = [
  {
    table: 'todos',
    kind: 'todo',
    // One event per change: completion first, then a move, then any other change of the todo.
    updated: `CASE
        WHEN o.completed IS DISTINCT FROM n.completed THEN CASE WHEN n.completed THEN 'todo.completed' ELSE 'todo.uncompleted' END
        WHEN (o.list_id, o.parent_id, o.position) IS DISTINCT FROM (n.list_id, n.parent_id, n.position) THEN 'todo.moved'
        WHEN o.version <> n.version THEN 'todo.updated'
      END`,
  },
  { table: 'lists', kind: 'list', updated: `CASE WHEN o.version <> n.version THEN 'list.updated' END` },
  { table: 'labels', kind: 'label', updated: `CASE WHEN o.version <> n.version THEN 'label.updated' END` },
] as const;

// The events of the affected rows that some enabled endpoint of their owner subscribes to, and
// their deliveries, in one statement. `affected`: user_id, id, type (NULL: no event), old_row, new_row.
const enqueue = (kind: string, affected: string) => `
  WITH affected AS (${affected}),
  targets AS (
    SELECT a.user_id, a.id, w.id AS webhook_id FROM affected a
    JOIN webhooks w ON w.user_id = a.user_id AND w.enabled AND w.events && ARRAY[a.type, '*']
  ),
  events AS (
    INSERT INTO webhook_events (id, user_id, type, object_type, object_id, change_seq, old_row, new_row, created_at)
    SELECT gen_random_uuid(), a.user_id, a.type, '${kind}', a.id, c.seq, a.old_row, a.new_row, statement_timestamp()
    FROM affected a JOIN changes c ON c.user_id = a.user_id AND c.type = '${kind}' AND c.id = a.id
    WHERE EXISTS (SELECT 1 FROM targets t WHERE t.user_id = a.user_id AND t.id = a.id)
    RETURNING id, user_id, object_id
  )
  INSERT INTO webhook_deliveries (id, event_id, webhook_id, user_id, next_attempt_at, created_at)
  SELECT gen_random_uuid(), e.id, t.webhook_id, e.user_id, statement_timestamp(), statement_timestamp()
  FROM events e JOIN targets t ON t.user_id = e.user_id AND t.id = e.object_id;`;

// Cheap way out first: no enabled endpoint for any of the statement's users.
const anyEndpoint = (rows: string) =>
  `IF NOT EXISTS (SELECT 1 FROM ${rows} r JOIN webhooks w ON w.user_id = r.user_id AND w.enabled) THEN RETURN NULL; END IF;`;

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    SET LOCAL statement_timeout = 0;

    CREATE TABLE webhooks (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      url text NOT NULL CONSTRAINT webhooks_url_length CHECK (char_length(url) BETWEEN 1 AND 2048),
      events text[] NOT NULL CONSTRAINT webhooks_events_some CHECK (cardinality(events) BETWEEN 1 AND 32),
      description text NULL CONSTRAINT webhooks_description_length CHECK (char_length(description) <= 500),
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text NULL,
      secret text NOT NULL,
      previous_secret text NULL,
      previous_secret_expires_at timestamptz NULL,
      -- The first failed attempt since the last success: 3 days of failure disable the endpoint.
      failing_since timestamptz NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1 CONSTRAINT webhooks_version_positive CHECK (version >= 1)
    );
    -- The list (in creation order) and the triggers' probe for a user's endpoints.
    CREATE INDEX webhooks_user_idx ON webhooks (user_id, created_at, id);

    ALTER TABLE users ADD COLUMN webhook_count integer NOT NULL DEFAULT 0;
    ALTER TABLE users ADD CONSTRAINT users_webhook_count_not_negative CHECK (webhook_count >= 0);
    CREATE FUNCTION webhooks_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE users u SET webhook_count = u.webhook_count + c.n FROM (SELECT user_id, count(*) AS n FROM inserted GROUP BY user_id) c WHERE u.id = c.user_id;
      ELSE
        UPDATE users u SET webhook_count = u.webhook_count - c.n FROM (SELECT user_id, count(*) AS n FROM deleted GROUP BY user_id) c WHERE u.id = c.user_id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER webhooks_count_inserted AFTER INSERT ON webhooks
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION webhooks_count();
    CREATE TRIGGER webhooks_count_deleted AFTER DELETE ON webhooks
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION webhooks_count();

    CREATE TABLE webhook_events (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      type text NOT NULL,
      object_type text NOT NULL CONSTRAINT webhook_events_object_type_known CHECK (object_type IN ('todo', 'list', 'label', 'webhook')),
      object_id uuid NOT NULL,
      -- The change feed's seq of the object after this change (NULL for webhook.test).
      change_seq bigint NULL,
      old_row jsonb NULL,
      new_row jsonb NULL,
      created_at timestamptz NOT NULL
    );
    -- The retention sweep.
    CREATE INDEX webhook_events_created_at_idx ON webhook_events (created_at);

    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
      webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_deliveries_status_known CHECK (status IN ('pending', 'succeeded', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      -- When it is due; while a worker holds it, when its lease ends (then any worker may take it again).
      next_attempt_at timestamptz NOT NULL,
      lease uuid NULL,
      created_at timestamptz NOT NULL,
      finished_at timestamptz NULL,
      CONSTRAINT webhook_deliveries_once UNIQUE (event_id, webhook_id)
    );
    -- The workers' claim: the due deliveries, oldest first.
    CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id) WHERE status = 'pending';

    CREATE TABLE webhook_attempts (
      id uuid PRIMARY KEY,
      -- Its only foreign key: a worker writing an attempt then locks nothing but the delivery it
      -- holds (a key-share lock on the webhook or user row could deadlock with their deletion,
      -- which locks them, then the deliveries). Webhook and user deletions reach it by cascade.
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      webhook_id uuid NOT NULL,
      user_id uuid NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      attempt integer NOT NULL,
      status text NOT NULL CONSTRAINT webhook_attempts_status_known CHECK (status IN ('succeeded', 'failed')),
      response_status integer NULL,
      error text NULL,
      duration_ms integer NOT NULL,
      next_attempt_at timestamptz NULL,
      created_at timestamptz NOT NULL
    );
    -- GET /v1/webhooks/{id}/deliveries: newest first.
    CREATE INDEX webhook_attempts_webhook_idx ON webhook_attempts (webhook_id, created_at, id);
    CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id);
    CREATE INDEX webhook_attempts_created_at_idx ON webhook_attempts (created_at);

    ${TABLES.map(
      ({ table, kind, updated }) => `
    CREATE FUNCTION ${table}_webhook_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${anyEndpoint('inserted')}
        ${enqueue(kind, `SELECT n.user_id, n.id, '${kind}.created'::text AS type, NULL::jsonb AS old_row, to_jsonb(n) AS new_row FROM inserted n`)}
      ELSIF TG_OP = 'UPDATE' THEN
        ${anyEndpoint('updated_new')}
        ${enqueue(
          kind,
          `SELECT * FROM (SELECT n.user_id, n.id, (${updated})::text AS type, to_jsonb(o) AS old_row, to_jsonb(n) AS new_row
           FROM updated_new n JOIN updated_old o ON o.id = n.id) u WHERE u.type IS NOT NULL`,
        )}
      ELSE
        ${anyEndpoint('deleted')}
        ${enqueue(kind, `SELECT o.user_id, o.id, '${kind}.deleted'::text AS type, to_jsonb(o) AS old_row, NULL::jsonb AS new_row FROM deleted o`)}
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER ${table}_webhooks_inserted AFTER INSERT ON ${table}
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${table}_webhook_events();
    CREATE TRIGGER ${table}_webhooks_updated AFTER UPDATE ON ${table}
      REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new FOR EACH STATEMENT EXECUTE FUNCTION ${table}_webhook_events();
    CREATE TRIGGER ${table}_webhooks_deleted AFTER DELETE ON ${table}
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION ${table}_webhook_events();`,
    ).join('\n')}
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${TABLES.map(
      ({ table }) => `
    DROP TRIGGER ${table}_webhooks_deleted ON ${table};
    DROP TRIGGER ${table}_webhooks_updated ON ${table};
    DROP TRIGGER ${table}_webhooks_inserted ON ${table};
    DROP FUNCTION ${table}_webhook_events();`,
    ).join('\n')}
    DROP TABLE webhook_attempts;
    DROP TABLE webhook_deliveries;
    DROP TABLE webhook_events;
    DROP TABLE webhooks;
    DROP FUNCTION webhooks_count();
    ALTER TABLE users DROP COLUMN webhook_count;
  `);
};
