import { generateKeyBetween } from 'fractional-indexing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// The SQL function fractional_key(n) (migration 2026.12.01T15.00.00) makes the end keys of lists
// and todos; the service makes keys between neighbours with the fractional-indexing package. The
// two must agree key for key, or a key the service computes could sort on the wrong side of one
// the database made.

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The first n of each key length: 62 keys of 2 characters (a0..az), 62^2 of 3 (b00..bzz), … */
const firstOfLength = (length: number): bigint => {
  let n = 0n;
  for (let digits = 1; digits < length - 1; digits += 1) n += 62n ** BigInt(digits);
  return n;
};

/** The n a key stands for, read back independently of the SQL: head letter = length, then base 62. */
const decode = (key: string): bigint => {
  const digits = key.length - 1;
  expect(key.charCodeAt(0) - 'a'.charCodeAt(0)).toBe(digits - 1);
  let value = 0n;
  for (const c of key.slice(1)) value = value * 62n + BigInt(DIGITS.indexOf(c));
  return firstOfLength(key.length) + value;
};

/** Bytewise comparison, as COLLATE "C" does (JS < on strings of ASCII is the same). */
const ascending = (keys: string[]) => keys.every((key, i) => i === 0 || keys[i - 1]! < key);

describe('fractional_key(n) is the n-th integer key of fractional-indexing', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const keysFor = async (ns: bigint[]) =>
    (
      await db.query<{ key: string }>('SELECT fractional_key(n) AS key FROM unnest($1::bigint[]) WITH ORDINALITY AS t(n, o) ORDER BY o', [
        ns.map(String),
      ])
    ).map((r) => r.key);

  it('fractional_key(0) is generateKeyBetween(null, null), and each next key is generateKeyBetween(previous, null), for n = 0..4000', async () => {
    const rows = await db.query<{ n: number; key: string }>('SELECT n, fractional_key(n) AS key FROM generate_series(0, 4001) AS n ORDER BY n');
    expect(rows).toHaveLength(4002);
    expect(rows[0]!.key).toBe(generateKeyBetween(null, null));
    expect(rows[0]!.key).toBe('a0');
    const mismatches = [];
    for (let n = 0; n <= 4000; n += 1) {
      const expected = generateKeyBetween(rows[n]!.key, null);
      if (rows[n + 1]!.key !== expected) mismatches.push({ n: n + 1, sql: rows[n + 1]!.key, expected });
    }
    expect(mismatches).toEqual([]);
    expect(ascending(rows.map((r) => r.key))).toBe(true);
  });

  it('sorts bytewise in SQL (COLLATE "C") in the order of n, across the 2- to 3- to 4-character boundaries', async () => {
    const rows = await db.query<{ n: number }>('SELECT n FROM generate_series(0, 4001) AS n ORDER BY fractional_key(n) COLLATE "C" DESC');
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 4002 }, (_, i) => 4001 - i));
  });

  it('agrees with the package around every length boundary, from 2 to 11 characters', async () => {
    const ns: bigint[] = [];
    for (let length = 3; length <= 11; length += 1) {
      const first = firstOfLength(length);
      ns.push(first - 2n, first - 1n, first, first + 1n);
    }
    const keys = await keysFor(ns);
    for (let i = 0; i < ns.length; i += 4) {
      const [beforeLast, last, first, second] = keys.slice(i, i + 4) as [string, string, string, string];
      const length = first.length;
      expect(first).toBe(String.fromCharCode('a'.charCodeAt(0) + length - 2) + '0'.repeat(length - 1));
      expect(last).toBe(String.fromCharCode('a'.charCodeAt(0) + length - 3) + 'z'.repeat(length - 2));
      expect(generateKeyBetween(beforeLast, null)).toBe(last);
      expect(generateKeyBetween(last, null)).toBe(first);
      expect(generateKeyBetween(first, null)).toBe(second);
      // The package's step back from an integer key lands on the previous n too.
      expect(generateKeyBetween(null, first)).toBe(last);
    }
    expect(keys.slice(0, 4)).toEqual(['ay', 'az', 'b00', 'b01']);
    expect(keys.slice(4, 8)).toEqual(['bzy', 'bzz', 'c000', 'c001']);
    expect(keys.map(decode)).toEqual(ns);
    expect(ascending(keys)).toBe(true);
  });

  it('agrees with the package for big n, up to the largest bigint', async () => {
    const ns = [10n ** 6n, 123_456_789n, 10n ** 12n, 2n ** 53n, 2n ** 62n, 9_223_372_036_854_775_806n];
    const keys = await keysFor(ns);
    const next = await keysFor(ns.map((n) => n + 1n));
    for (let i = 0; i < ns.length; i += 1) {
      expect(generateKeyBetween(keys[i], null)).toBe(next[i]);
      expect(generateKeyBetween(null, next[i])).toBe(keys[i]);
      expect(decode(keys[i]!)).toBe(ns[i]);
      expect(keys[i]).toMatch(/^[0-9A-Za-z]{2,256}$/);
    }
    expect(ascending(keys)).toBe(true);
    const [sorted] = await db.query<{ ok: boolean }>(
      'SELECT array_agg(n ORDER BY fractional_key(n) COLLATE "C") = array_agg(n ORDER BY n) AS ok FROM unnest($1::bigint[]) AS n',
      [[...ns, ...ns.map((n) => n + 1n)].map(String)],
    );
    expect(sorted!.ok).toBe(true);
  });

  it('refuses n < 0, and a null n gives null', async () => {
    await expect(db.query('SELECT fractional_key(-1)')).rejects.toThrow(/fractional_key needs n >= 0, got -1/);
    await expect(db.query('SELECT fractional_key(-9223372036854775808)')).rejects.toThrow(/n >= 0/);
    expect(await db.query('SELECT fractional_key(NULL) AS key')).toEqual([{ key: null }]);
  });
});
