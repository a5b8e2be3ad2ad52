import { randomUUID } from 'node:crypto';
import { generateNKeysBetween } from 'fractional-indexing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSequelize } from '../../src/db/connection.js';
import { createMigrator, shippedMigrationNames, type Migrator } from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// Migration 2026.12.01T15.00.00 (lists, subtasks, manual order) run over existing data: every
// user gets an Inbox, every todo lands in it in creation order, the counters start right; down
// keeps every todo, and up again works on what down left.

const LISTS = '2026.12.01T15.00.00.create-lists-subtasks-and-order';

interface Seed {
  id: string;
  user: string;
  createdAt: string;
  completed: boolean;
}

describe('the lists migration over existing users and todos', () => {
  let db: TestDatabase;
  const users = Array.from({ length: 4 }, () => randomUUID());
  const [ada, bob, cy, dee] = users as [string, string, string, string];
  let seeds: Seed[] = [];

  const migrator = async <T>(work: (m: Migrator) => Promise<T>): Promise<T> => {
    const sequelize = createSequelize({ url: db.url, withModels: false, poolMax: 2 });
    try {
      return await work(createMigrator(sequelize));
    } finally {
      await sequelize.close();
    }
  };

  const addUser = async (id: string, createdAt: string) =>
    db.query('INSERT INTO users (id, subject, created_at, updated_at) VALUES ($1, $2, $3, $3)', [id, `sub-${id}`, createdAt]);

  const addTodo = async (seed: Seed) =>
    db.query('INSERT INTO todos (id, user_id, title, completed, completed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)', [
      seed.id,
      seed.user,
      `todo ${seed.id}`,
      seed.completed,
      seed.completed ? seed.createdAt : null,
      seed.createdAt,
    ]);

  /** Each user's todo ids in creation order (ties by id), as the migration must place them. */
  const creationOrder = (user: string) =>
    seeds
      .filter((s) => s.user === user)
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : Date.parse(a.createdAt) - Date.parse(b.createdAt)))
      .map((s) => s.id);

  /** Every rule the migration promises for existing data, checked against the seeds. */
  const expectMigratedState = async (everyUser: string[]) => {
    const lists = await db.query<{ user_id: string; name: string; is_default: boolean; archived: boolean; position: string; todo_count: number; open_todo_count: number }>(
      'SELECT user_id, name, is_default, archived, position, todo_count, open_todo_count FROM lists ORDER BY user_id',
    );
    expect(lists.map((l) => l.user_id)).toEqual([...everyUser].sort());
    for (const list of lists) {
      const mine = seeds.filter((s) => s.user === list.user_id);
      expect(list).toEqual({
        user_id: list.user_id,
        name: 'Inbox',
        is_default: true,
        archived: false,
        position: 'a1',
        todo_count: mine.length,
        open_todo_count: mine.filter((s) => !s.completed).length,
      });
    }

    const outside = await db.query(
      'SELECT t.id FROM todos t LEFT JOIN lists l ON l.id = t.list_id AND l.user_id = t.user_id AND l.is_default WHERE l.id IS NULL OR t.parent_id IS NOT NULL',
    );
    expect(outside).toEqual([]);

    for (const user of everyUser) {
      const rows = await db.query<{ id: string; position: string }>('SELECT id, position FROM todos WHERE user_id = $1 ORDER BY position, id', [user]);
      const expected = creationOrder(user);
      expect(rows.map((r) => r.id)).toEqual(expected);
      // The n-th todo has the counter's key 1 + n (the Inbox has key 1): a2, a3, …
      expect(rows.map((r) => r.position)).toEqual(generateNKeysBetween('a1', null, expected.length));
      const [counters] = await db.query<{ position_seq: string; list_count: number; todo_count: number }>(
        'SELECT position_seq, list_count, todo_count FROM users WHERE id = $1',
        [user],
      );
      expect(counters).toEqual({ position_seq: String(1 + expected.length), list_count: 1, todo_count: expected.length });
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    const names = shippedMigrationNames();
    const before = names[names.indexOf(LISTS) - 1]!;
    const ran = await migrator((m) => m.up({ to: before }));
    expect(ran.map((m) => m.name)).toEqual(names.slice(0, names.indexOf(LISTS)));

    await addUser(ada, '2026-01-01T00:00:00Z');
    await addUser(bob, '2026-01-02T00:00:00Z');
    await addUser(cy, '2026-01-03T00:00:00Z');
    await addUser(dee, '2026-01-04T00:00:00Z');
    const at = (day: number, hour = 0) => `2026-02-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00.000Z`;
    // Inserted out of creation order, with a tie in created_at (then by id) and completed ones.
    seeds = [
      { id: randomUUID(), user: ada, createdAt: at(9), completed: false },
      { id: randomUUID(), user: ada, createdAt: at(1), completed: true },
      { id: randomUUID(), user: ada, createdAt: at(5, 3), completed: false },
      { id: randomUUID(), user: ada, createdAt: at(5, 3), completed: false },
      { id: randomUUID(), user: ada, createdAt: at(5, 3), completed: true },
      { id: randomUUID(), user: ada, createdAt: at(2), completed: false },
      { id: randomUUID(), user: bob, createdAt: at(20), completed: false },
      { id: randomUUID(), user: bob, createdAt: at(3), completed: false },
      { id: randomUUID(), user: bob, createdAt: at(11), completed: true },
      { id: randomUUID(), user: dee, createdAt: at(7), completed: true },
    ];
    // Enough of one user's todos that their keys go past the 2-character ones (a2..az, then b00..).
    for (let i = 0; i < 70; i += 1) seeds.push({ id: randomUUID(), user: bob, createdAt: new Date(Date.parse(at(12)) + i * 1000).toISOString(), completed: i % 3 === 0 });
    for (const seed of seeds) await addTodo(seed);

    const up = await migrator((m) => m.up({ to: LISTS }));
    expect(up.map((m) => m.name)).toEqual([LISTS]);
  });
  afterAll(() => db.drop());

  it('gives every user exactly one default list, Inbox, holding their todos in creation order, with the counters right', async () => {
    await expectMigratedState(users);
  });

  it('a user inserted afterwards gets a default list by trigger, and their first todo goes into it at the end', async () => {
    const eve = randomUUID();
    await addUser(eve, '2026-03-01T00:00:00Z');
    const lists = await db.query('SELECT name, is_default, archived, position, todo_count, created_at FROM lists WHERE user_id = $1', [eve]);
    expect(lists).toEqual([{ name: 'Inbox', is_default: true, archived: false, position: 'a1', todo_count: 0, created_at: new Date('2026-03-01T00:00:00Z') }]);
    expect(await db.query('SELECT position_seq, list_count FROM users WHERE id = $1', [eve])).toEqual([{ position_seq: '1', list_count: 1 }]);

    const seed = { id: randomUUID(), user: eve, createdAt: '2026-03-02T00:00:00.000Z', completed: false };
    await addTodo(seed);
    seeds.push(seed);
    users.push(eve);
    // An existing user's next todo goes after every key the migration gave them.
    const late = { id: randomUUID(), user: dee, createdAt: '2026-03-03T00:00:00.000Z', completed: false };
    await addTodo(late);
    seeds.push(late);
    await expectMigratedState(users);
  });

  it('down one step keeps every todo (and the todo count triggers), and up again works with the data present', async () => {
    // Give the rows some of what down drops: another list, a subtask, labels.
    const work = randomUUID();
    await db.query("INSERT INTO lists (id, user_id, name, position, created_at, updated_at) VALUES ($1, $2, 'Work', 'a2', now(), now())", [work, ada]);
    const adas = creationOrder(ada);
    await db.query('UPDATE todos SET list_id = $1 WHERE id = $2', [work, adas[0]]);
    await db.query('UPDATE todos SET parent_id = $1 WHERE id = $2', [adas[1], adas[2]]);
    const label = randomUUID();
    await db.query("INSERT INTO labels (id, user_id, name, created_at, updated_at) VALUES ($1, $2, 'home', now(), now())", [label, ada]);
    await db.query('UPDATE todos SET label_ids = ARRAY[$1::uuid] WHERE id = $2', [label, adas[3]]);
    const before = await db.query('SELECT id, user_id, title, completed, version, created_at FROM todos ORDER BY id');
    expect(before).toHaveLength(seeds.length);

    const down = await migrator((m) => m.down({ step: 1 }));
    expect(down.map((m) => m.name)).toEqual([LISTS]);
    expect(await db.query('SELECT id, user_id, title, completed, version, created_at FROM todos ORDER BY id')).toEqual(before);
    expect(await db.query("SELECT 1 FROM pg_tables WHERE tablename IN ('lists', 'todo_labels')")).toEqual([]);
    expect(await db.query('SELECT id FROM labels')).toEqual([{ id: label }]);
    // The todo count triggers are the earlier migration's again: they must not touch lists.
    const extra = { id: randomUUID(), user: cy, createdAt: '2026-03-04T00:00:00.000Z', completed: true };
    await addTodo(extra);
    seeds.push(extra);
    const gone = seeds.find((s) => s.user === bob)!;
    await db.query('DELETE FROM todos WHERE id = $1', [gone.id]);
    seeds = seeds.filter((s) => s !== gone);
    const counts = await db.query<{ id: string; todo_count: number; n: number }>(
      'SELECT u.id, u.todo_count, (SELECT count(*)::int FROM todos t WHERE t.user_id = u.id) AS n FROM users u',
    );
    expect(counts.filter((c) => c.todo_count !== c.n)).toEqual([]);
    expect(counts.find((c) => c.id === cy)).toMatchObject({ todo_count: 1 });

    const up = await migrator((m) => m.up({ to: LISTS }));
    expect(up.map((m) => m.name)).toEqual([LISTS]);
    await expectMigratedState(users);
    expect(await db.query('SELECT count(*)::int AS n FROM todo_labels')).toEqual([{ n: 0 }]);
  });
});
