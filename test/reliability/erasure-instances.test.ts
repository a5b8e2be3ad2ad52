import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedFetch } from '../helpers/contract.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// DELETE /v1/me on one instance, the same token on another that still caches the old user id:
// within USER_CACHE_TTL_MS a list read there may answer as for an empty account, GET /v1/me and
// every write land in the fresh account at once, nothing answers a 500, and past the TTL every
// read finds the fresh account too.

const TTL_MS = 1500;

describe('an erasure seen from another instance', () => {
  let db: TestDatabase;
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let urlA: string;
  let urlB: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-erasure-'));
    a = spawnServer({ DATABASE_URL: db.url, DATA_DIR: dataDir, USER_CACHE_TTL_MS: String(TTL_MS) });
    b = spawnServer({ DATABASE_URL: db.url, DATA_DIR: dataDir, USER_CACHE_TTL_MS: String(TTL_MS) });
    [urlA, urlB] = await Promise.all([a.ready, b.ready]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (url: string, token: string, method: string, route: string, body?: unknown) => {
    const res = await checkedFetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { data?: Array<Record<string, unknown>> } };
  };

  it('the other instance finds the fresh account: at once for /v1/me and writes, within the TTL for every read', async () => {
    const token = await signToken({ sub: newSubject('erase') });
    const old = (await call(urlA, token, 'GET', '/v1/me')).body.id as string;
    expect((await call(urlB, token, 'GET', '/v1/me')).body.id).toBe(old);
    expect((await call(urlB, token, 'POST', '/v1/todos', { title: 'Old account' })).status).toBe(201);

    expect((await call(urlA, token, 'DELETE', '/v1/me')).status).toBe(204);
    expect(await db.query('SELECT 1 FROM users WHERE id = $1', [old])).toEqual([]);

    // B still caches the old id: a list read finds nothing of the old account (and never a 500).
    const stale = await call(urlB, token, 'GET', '/v1/todos');
    expect(stale.status).toBe(200);
    expect(stale.body.data).toEqual([]);
    // A write meets the missing user row, registers the token again and runs in the fresh account.
    const created = await call(urlB, token, 'POST', '/v1/todos', { title: 'New account' });
    expect(created.status).toBe(201);
    const fresh = (await call(urlB, token, 'GET', '/v1/me')).body;
    expect(fresh.id).not.toBe(old);
    expect(fresh.usage).toEqual({ todos: 1, lists: 1, labels: 0, webhooks: 0 });
    // A forgot the subject at commit: it finds the same fresh account.
    expect((await call(urlA, token, 'GET', '/v1/me')).body.id).toBe(fresh.id);
    expect((await call(urlA, token, 'GET', '/v1/todos')).body.data?.map((todo) => todo.title)).toEqual(['New account']);
  });

  it('GET /v1/me on the other instance right after the erasure is the fresh account, and every read is past the TTL', async () => {
    const token = await signToken({ sub: newSubject('erase') });
    const old = (await call(urlB, token, 'GET', '/v1/me')).body.id as string;
    expect((await call(urlA, token, 'DELETE', '/v1/me')).status).toBe(204);
    const me = await call(urlB, token, 'GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.id).not.toBe(old);

    const token2 = await signToken({ sub: newSubject('erase') });
    const old2 = (await call(urlB, token2, 'GET', '/v1/me')).body.id as string;
    expect((await call(urlA, token2, 'DELETE', '/v1/me')).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 200));
    // Past the TTL, B asks the database again: a list read shows the fresh account's default list.
    const lists = await call(urlB, token2, 'GET', '/v1/lists');
    expect(lists.status).toBe(200);
    expect(lists.body.data?.map((list) => [list.name, list.is_default])).toEqual([['Inbox', true]]);
    expect((await call(urlB, token2, 'GET', '/v1/me')).body.id).not.toBe(old2);
  });
});
