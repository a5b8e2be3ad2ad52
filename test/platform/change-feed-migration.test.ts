import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSequelize } from '../../src/db/connection.js';
import { createMigrator, type Migrator } from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// The change feed's migration over existing data, and its triggers at the SQL level (every
// writer is recorded, not only the API): one row per object, seqs per user, cascades, one
// counter bump per statement, and a down that leaves the data as it was.

const LISTS = '2026.12.01T15.00.00.create-lists-subtasks-and-order';
const FEED = '2026.12.01T16.00.00.create-change-feed';

describe('the change feed migration and its triggers', () => {
  let db: TestDatabase;
  const [ada, bob] = [randomUUID(), randomUUID()];

  const migrator = async <T>(work: (m: Migrator) => Promise<T>): Promise<T> => {
    const sequelize = createSequelize({ url: db.url, withModels: false, poolMax: 2 });
    try {
      return await work(createMigrator(sequelize));
    } finally {
      await sequelize.close();
    }
  };
  const addUser = (id: string) => db.query("INSERT INTO users (id, subject, created_at, updated_at) VALUES ($1, $2, now(), now())", [id, `sub-${id}`]);
  const addTodo = (user: string, title: string, parent: string | null = null) =>
    db.query<{ id: string }>('INSERT INTO todos (id, user_id, title, completed, parent_id, created_at, updated_at) VALUES ($1, $2, $3, false, $4, now(), now()) RETURNING id', [
      randomUUID(),
      user,
      title,
      parent,
    ]).then(([row]) => row!.id);
  const feedOf = (user: string) =>
    db.query<{ type: string; id: string; seq: string; op: string; version: number }>('SELECT type, id, seq::text AS seq, op, version FROM changes WHERE user_id = $1 ORDER BY seq', [user]);
  const seqOf = async (user: string) => (await db.query<{ s: string }>('SELECT change_seq::text AS s FROM users WHERE id = $1', [user]))[0]!.s;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await migrator((m) => m.up({ to: LISTS }));
    await addUser(ada);
    await addUser(bob);
    const parent = await addTodo(ada, 'parent');
    await addTodo(ada, 'child', parent);
    await addTodo(bob, 'bob');
    await db.query("INSERT INTO labels (id, user_id, name, created_at, updated_at) VALUES ($1, $2, 'home', now(), now())", [randomUUID(), ada]);
    expect((await migrator((m) => m.up({ to: FEED }))).map((m) => m.name)).toEqual([FEED]);
  });
  afterAll(() => db.drop());

  it('gives every existing object one upsert, numbered 1..n per user, and the counter n', async () => {
    const adas = await feedOf(ada);
    expect(adas.map((c) => c.type)).toEqual(['list', 'label', 'todo', 'todo']);
    expect(adas.map((c) => c.seq)).toEqual(['1', '2', '3', '4']);
    expect(adas.every((c) => c.op === 'upsert')).toBe(true);
    expect(await seqOf(ada)).toBe('4');
    expect((await feedOf(bob)).map((c) => c.seq)).toEqual(['1', '2']);
    expect(await seqOf(bob)).toBe('2');
  });

  it('one statement of many rows takes that many seqs in one bump; an unchanged row is not recorded', async () => {
    const user = randomUUID();
    await addUser(user);
    const list = (await db.query<{ id: string }>('SELECT id FROM lists WHERE user_id = $1', [user]))[0]!.id;
    await db.query(
      "INSERT INTO todos (id, user_id, list_id, position, title, completed, created_at, updated_at) SELECT gen_random_uuid(), $1, $2, fractional_key(10 + n), 'bulk ' || n, false, now(), now() FROM generate_series(1, 500) n",
      [user, list],
    );
    const after = await feedOf(user);
    // The default list (made with the user), 500 todos, and the list again for its counts.
    expect(after).toHaveLength(501);
    expect(new Set(after.map((c) => c.seq)).size).toBe(501);
    const seq = await seqOf(user);
    await db.query('UPDATE todos SET title = title WHERE user_id = $1', [user]);
    expect(await seqOf(user)).toBe(seq);
    await db.query("UPDATE todos SET title = 'renamed', version = version + 1 WHERE user_id = $1", [user]);
    expect(BigInt(await seqOf(user)) - BigInt(seq)).toBe(500n);
    expect((await feedOf(user)).filter((c) => c.op === 'upsert' && c.version === 2)).toHaveLength(500);
  });

  it('cascades are recorded: a deleted list deletes its todos in the feed, written by SQL by hand', async () => {
    const user = randomUUID();
    await addUser(user);
    const list = randomUUID();
    await db.query("INSERT INTO lists (id, user_id, name, position, created_at, updated_at) VALUES ($1, $2, 'Doomed', 'b00', now(), now())", [list, user]);
    const parent = (await db.query<{ id: string }>("INSERT INTO todos (id, user_id, list_id, title, completed, created_at, updated_at) VALUES ($1, $2, $3, 'p', false, now(), now()) RETURNING id", [randomUUID(), user, list]))[0]!.id;
    const child = await addTodo(user, 'c', parent);
    await db.query('DELETE FROM lists WHERE id = $1', [list]);
    const deleted = (await feedOf(user)).filter((c) => c.op === 'delete').map((c) => `${c.type} ${c.id}`);
    expect(deleted.sort()).toEqual([`list ${list}`, `todo ${parent}`, `todo ${child}`].sort());
  });

  it("a user's deletion takes their feed with it", async () => {
    const user = randomUUID();
    await addUser(user);
    await addTodo(user, 'gone');
    await db.query('DELETE FROM users WHERE id = $1', [user]);
    expect(await feedOf(user)).toEqual([]);
  });

  it('down drops the feed and keeps every object; up again works with the data present', async () => {
    const todos = await db.query('SELECT id, version FROM todos ORDER BY id');
    expect((await migrator((m) => m.down({ step: 1 }))).map((m) => m.name)).toEqual([FEED]);
    expect(await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'changes'")).toEqual([]);
    expect(await db.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('change_seq', 'changes_purged_through')")).toEqual([]);
    expect(await db.query('SELECT id, version FROM todos ORDER BY id')).toEqual(todos);
    await addTodo(ada, 'while down');
    expect((await migrator((m) => m.up({ to: FEED }))).map((m) => m.name)).toEqual([FEED]);
    expect((await feedOf(ada)).filter((c) => c.type === 'todo')).toHaveLength(3);
  });
});
