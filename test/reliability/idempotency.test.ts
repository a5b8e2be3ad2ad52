import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sweepExpiredIdempotencyKeys } from '../../src/services/idempotency-service.js';
import type { TestApp } from '../helpers/test-app.js';
import { newUser, startAppWithUser, type TodoClient, expectStatus, type CreateCall } from '../helpers/todo-client.js';

const key = () => `key-${Math.random().toString(36).slice(2)}`;

describe('Idempotency-Key', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => ({ t, me } = await startAppWithUser()));
  afterAll(() => t.close());

  const countTitled = async (title: string) => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM todos WHERE title = $1', [title]))[0]!.n;

  it('a retried POST creates one todo and replays the first response', async () => {
    const k = key();
    const first = await me.create({ title: 'once' }, { 'idempotency-key': k });
    const retry = await me.create({ title: 'once' }, { 'idempotency-key': k });
    expectStatus(first, 201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expectStatus(retry, 201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await countTitled('once')).toBe(1);
  });

  it('the same request with its JSON keys reordered is the same request', async () => {
    const k = key();
    await me.raw('POST', '/v1/todos', '{"title":"order","priority":"low"}', { 'content-type': 'application/json', 'idempotency-key': k });
    const retry = await me.raw('POST', '/v1/todos', '{ "priority": "low", "title": "order" }', { 'content-type': 'application/json', 'idempotency-key': k });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await countTitled('order')).toBe(1);
  });

  it('10 identical POSTs at once create one todo; every answer is that 201 or a 409', async () => {
    const k = key();
    const answers = await Promise.all(Array.from({ length: 10 }, () => me.create({ title: 'racing' }, { 'idempotency-key': k })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses).toContain(201);
    const created = answers.filter((a) => a.status === 201);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const conflict of answers.filter((a) => a.status === 409)) {
      expect(conflict.body.code).toBe('idempotency_key_in_use');
      expect(conflict.headers.get('retry-after')).toBe('1');
    }
    expect(await countTitled('racing')).toBe(1);
  });

  it('a key still in use by a running request is a 409; once it finished, the retry replays', async () => {
    const k = key();
    const caller = await me.me();
    expectStatus(caller, 200);
    const user = caller.body.id;
    const holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`idempotency:${user}:${k}`]);
    const blocked = await me.create({ title: 'held' }, { 'idempotency-key': k });
    expectStatus(blocked, 409);
    await holder.query('COMMIT');
    await holder.end();
    expect(await countTitled('held')).toBe(0);
    expect((await me.create({ title: 'held' }, { 'idempotency-key': k })).status).toBe(201);
  });

  it('the same key from two users gives two independent results', async () => {
    const k = key();
    const other = await newUser(t);
    const a = await me.create({ title: 'shared key' }, { 'idempotency-key': k });
    const b = await other.create({ title: 'shared key' }, { 'idempotency-key': k });
    expectStatus(a, 201);
    expectStatus(b, 201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(a.body.id).not.toBe(b.body.id);
    expect(await countTitled('shared key')).toBe(2);
  });

  it('the same key with a different body, method or path is a 422', async () => {
    const k = key();
    const created = await me.created({ title: 'first use' }, { 'idempotency-key': k });
    const otherBody = await me.create({ title: 'second use' }, { 'idempotency-key': k });
    expectStatus(otherBody, 422);
    expect(otherBody.body.code).toBe('idempotency_key_reused');
    expect((await me.patch(created.id, { title: 'x' }, { 'idempotency-key': k })).body).toMatchObject({ code: 'idempotency_key_reused' });
    expect((await me.remove(created.id, { 'idempotency-key': k })).status).toBe(422);
    expect(await countTitled('second use')).toBe(0);
    expect((await me.get(created.id)).body).toMatchObject({ title: 'first use' });
  });

  it('a request that failed validation stores nothing: the key is still free', async () => {
    const k = key();
    expect((await me.create({ title: '' }, { 'idempotency-key': k })).status).toBe(422);
    const ok = await me.create({ title: 'after a 422' }, { 'idempotency-key': k });
    expectStatus(ok, 201);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a retried PATCH applies once: the version grows by one', async () => {
    const created = await me.created({ title: 'patch once', completed: false });
    const k = key();
    const first = await me.patch(created.id, { title: 'patched' }, { 'idempotency-key': k });
    await me.patch(created.id, { priority: 'high' });
    const retry = await me.patch(created.id, { title: 'patched' }, { 'idempotency-key': k });
    expectStatus(first, 200);
    expect(first.body.version).toBe(2);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await me.get(created.id)).body).toMatchObject({ version: 3 });
  });

  it('a retried DELETE replays its 204 instead of a 404', async () => {
    const created = await me.created({ title: 'delete once' });
    const k = key();
    expect((await me.remove(created.id, { 'idempotency-key': k })).status).toBe(204);
    const retry = await me.remove(created.id, { 'idempotency-key': k });
    expectStatus(retry, 204);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await me.remove(created.id)).status).toBe(404);
  });

  // (Leading and trailing spaces cannot be sent at all: HTTP trims header values.)
  it.each(['', 'x'.repeat(256), 'tab\there', 'nul\u0001'])('refuses the key %j with a 422 naming the header', async (bad) => {
    const res = await me.raw<CreateCall>('POST', '/v1/todos', { title: 'bad key' }, { 'idempotency-key': bad });
    expectStatus(res, 422);
    expect(res.body.errors).toEqual([{ path: 'header.idempotency-key', message: expect.any(String) }]);
    expect(await countTitled('bad key')).toBe(0);
  });

  it('an expired key runs the request again and replaces the stored response', async () => {
    const k = key();
    const first = await me.created({ title: 'expiring' }, { 'idempotency-key': k });
    await t.db.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1", [k]);
    const again = await me.create({ title: 'expiring' }, { 'idempotency-key': k });
    expectStatus(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).not.toBe(first.id);
    const replay = await me.create({ title: 'expiring' }, { 'idempotency-key': k });
    expectStatus(replay, 201);
    expect(replay.body.id).toBe(again.body.id);
  });

  it('keys are kept 24 hours, and the sweeper removes expired ones through the expires_at index', async () => {
    const k = key();
    await me.create({ title: 'kept' }, { 'idempotency-key': k });
    const [row] = await t.db.query<{ hours: number }>('SELECT extract(epoch FROM expires_at - created_at) / 3600 AS hours FROM idempotency_keys WHERE key = $1', [k]);
    expect(Number(row!.hours)).toBe(24);
    await t.db.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 minute' WHERE key <> $1", [k]);
    const expired = (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM idempotency_keys WHERE expires_at <= now()"))[0]!.n;
    expect(await sweepExpiredIdempotencyKeys(2)).toBe(expired);
    expect(await t.db.query('SELECT key FROM idempotency_keys')).toEqual([{ key: k }]);
    await t.db.query('SET enable_seqscan = off');
    const plan = (await t.db.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT 1000')).map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/idempotency_keys_expires_at_idx/);
  });
});
