import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inconsistencies, insertTodo, insertUser, refusal, TODO_FIELDS, type TodoRow } from '../helpers/schema-rows.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// Concurrent writers of one user's tree, each in its own transaction on its own connection: the
// tree trigger takes the owner's row lock, so the second writer waits for the first and then
// sees what it committed (migration 2026.12.01T15.00.00).

describe('concurrent writes to one user\'s todos', () => {
  let db: TestDatabase;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(() => db.drop());

  const connect = async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // A wait that never ends fails the test instead of hanging it.
    await client.query("SET lock_timeout = '10s'");
    clients.push(client);
    return client;
  };

  /** Resolves once the backend is waiting for a lock (the owner's row, here). */
  const waitingForLock = async (pid: number) => {
    for (let i = 0; i < 200; i += 1) {
      const [row] = await db.query<{ wait_event_type: string | null }>('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (row?.wait_event_type === 'Lock') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`backend ${pid} never waited for a lock`);
  };

  const pidOf = async (client: pg.Client) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

  /** BEGIN, one statement, COMMIT; ROLLBACK and rethrow when the statement fails. */
  const inTransaction = async (client: pg.Client, sql: string, params: unknown[]) => {
    await client.query('BEGIN');
    try {
      await client.query(sql, params);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  };

  const parentOf = async (id: string) => (await db.query<{ parent_id: string | null }>('SELECT parent_id FROM todos WHERE id = $1', [id]))[0]!.parent_id;

  it('X under Y and Y under X, at once: the second waits on the owner\'s row lock, then fails with todos_no_cycle', async () => {
    const user = await insertUser(db);
    const x = await insertTodo(db, user.id);
    const y = await insertTodo(db, user.id);
    const [first, second] = [await connect(), await connect()];

    const secondPid = await pidOf(second);

    await first.query('BEGIN');
    await first.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [y.id, x.id]);
    await second.query('BEGIN');
    const crossed = refusal(second.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [x.id, y.id]));
    await waitingForLock(secondPid);
    await first.query('COMMIT');
    expect(await crossed).toMatchObject({ code: '23514', constraint: 'todos_no_cycle' });
    await second.query('ROLLBACK');

    expect([await parentOf(x.id), await parentOf(y.id)]).toEqual([y.id, null]);
    expect(await inconsistencies(db)).toEqual([]);
  });

  it('X under a subtask of Y and Y under a subtask of X, at once: the second waits on the owner\'s row lock the trigger takes, then fails with todos_no_cycle', async () => {
    const user = await insertUser(db);
    const x = await insertTodo(db, user.id);
    const x1 = await insertTodo(db, user.id, { parent: x.id });
    const y = await insertTodo(db, user.id);
    const y1 = await insertTodo(db, user.id, { parent: y.id });
    const [first, second] = [await connect(), await connect()];
    const secondPid = await pidOf(second);

    await first.query('BEGIN');
    await first.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [y1.id, x.id]);
    await second.query('BEGIN');
    // Neither statement writes a row of the other's: only the trigger's lock of the owner's row makes this one wait.
    const crossed = refusal(second.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [x1.id, y.id]));
    await waitingForLock(secondPid);
    expect(await db.query("SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'tuple' AND relation = 'users'::regclass", [secondPid])).toHaveLength(1);
    await first.query('COMMIT');
    expect(await crossed).toMatchObject({ code: '23514', constraint: 'todos_no_cycle' });
    await second.query('ROLLBACK');

    expect([await parentOf(x.id), await parentOf(y.id)]).toEqual([y1.id, null]);
    expect(await inconsistencies(db)).toEqual([]);
  });

  /** Crossed moves raced with no ordering at all, one pair of todos a user, all users at once. */
  const race = async (rounds: number, arrange: (userId: string) => Promise<{ first: [string, string]; second: [string, string]; tops: string[] }>, ownerFirst = false) => {
    return Promise.all(
      Array.from({ length: rounds }, async () => {
        const user = await insertUser(db);
        const { first, second, tops } = await arrange(user.id);
        const [one, two] = [await connect(), await connect()];
        const move = async (client: pg.Client, [parent, id]: [string, string]) => {
          await client.query('BEGIN');
          try {
            if (ownerFirst) await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
            await client.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [parent, id]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        };
        const results = await Promise.allSettled([move(one, first), move(two, second)]);
        const topLevel = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM todos WHERE id = ANY($1::uuid[]) AND parent_id IS NULL', [tops]))[0]!.n;
        return { results, topLevel };
      }),
    );
  };

  it('raced with no ordering, moves of X under a subtask of Y and Y under a subtask of X never both commit: the loser fails with todos_no_cycle', async () => {
    const outcomes = await race(8, async (userId) => {
      const x = await insertTodo(db, userId);
      const x1 = await insertTodo(db, userId, { parent: x.id });
      const y = await insertTodo(db, userId);
      const y1 = await insertTodo(db, userId, { parent: y.id });
      return { first: [y1.id, x.id], second: [x1.id, y.id], tops: [x.id, y.id] };
    });
    for (const { results, topLevel } of outcomes) {
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')!.reason).toMatchObject({ code: '23514', constraint: 'todos_no_cycle' });
      expect(topLevel).toBe(1);
    }
    expect(await inconsistencies(db)).toEqual([]);
  });

  it('raced with no ordering, X under Y and Y under X never both commit; with the owner\'s row locked first (as the service does) the loser always fails with todos_no_cycle', async () => {
    const arrange = async (userId: string) => {
      const x = await insertTodo(db, userId);
      const y = await insertTodo(db, userId);
      return { first: [y.id, x.id] as [string, string], second: [x.id, y.id] as [string, string], tops: [x.id, y.id] };
    };
    // Each statement locks its own todo's row before the trigger locks the owner's, and the first
    // then writes the other todo's subtask count: a deadlock PostgreSQL breaks (40P01), or the cycle.
    for (const { results, topLevel } of await race(4, arrange)) {
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(['23514', '40P01']).toContain((results.find((r) => r.status === 'rejected')!.reason as { code?: string }).code);
      expect(topLevel).toBe(1);
    }
    for (const { results, topLevel } of await race(8, arrange, true)) {
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')!.reason).toMatchObject({ code: '23514', constraint: 'todos_no_cycle' });
      expect(topLevel).toBe(1);
    }
    expect(await inconsistencies(db)).toEqual([]);
  });

  it('a subtask added while its parent is moved deeper is refused once the move commits (todos_subtask_depth)', async () => {
    const user = await insertUser(db);
    const top = await insertTodo(db, user.id);
    const mid = await insertTodo(db, user.id, { parent: top.id });
    const low = await insertTodo(db, user.id, { parent: mid.id });
    const leaf = await insertTodo(db, user.id);
    const [mover, adder] = [await connect(), await connect()];

    await mover.query('BEGIN');
    await mover.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [low.id, leaf.id]);
    const adderPid = await pidOf(adder);
    const added = refusal(inTransaction(adder, "INSERT INTO todos (id, user_id, title, parent_id) VALUES (gen_random_uuid(), $1, 'late', $2)", [user.id, leaf.id]));
    await waitingForLock(adderPid);
    await mover.query('COMMIT');
    expect(await added).toMatchObject({ code: '23514', constraint: 'todos_subtask_depth' });
    expect((await db.query('SELECT count(*)::int AS n FROM todos WHERE parent_id = $1', [leaf.id]))[0]).toEqual({ n: 0 });
    expect(await inconsistencies(db)).toEqual([]);
  });

  it('20 concurrent inserts without a position into one list get 20 distinct end positions', async () => {
    const user = await insertUser(db);
    const earlier = await insertTodo(db, user.id);
    const writers = await Promise.all(Array.from({ length: 20 }, () => connect()));
    const made = await Promise.all(
      writers.map(async (client, i) => {
        await client.query('BEGIN');
        const { rows } = await client.query<TodoRow>(`INSERT INTO todos (id, user_id, title) VALUES (gen_random_uuid(), $1, $2) RETURNING ${TODO_FIELDS}`, [
          user.id,
          `concurrent ${i}`,
        ]);
        // Held open a moment, so that the others really wait on this one's row lock.
        await client.query('SELECT pg_sleep(0.01)');
        await client.query('COMMIT');
        return rows[0]!;
      }),
    );
    const positions = made.map((t) => t.position);
    expect(new Set(positions).size).toBe(20);
    expect(made.every((t) => t.list_id === user.inbox)).toBe(true);
    expect(positions.every((p) => p > earlier.position)).toBe(true);
    const [counts] = await db.query('SELECT u.position_seq, l.todo_count FROM users u JOIN lists l ON l.user_id = u.id WHERE u.id = $1', [user.id]);
    expect(counts).toEqual({ position_seq: '22', todo_count: 21 });
    const sorted = await db.query<{ position: string }>('SELECT position FROM todos WHERE user_id = $1 ORDER BY position', [user.id]);
    expect(sorted.map((r) => r.position)).toEqual([earlier.position, ...[...positions].sort()]);
    expect(await inconsistencies(db)).toEqual([]);
  });
});
