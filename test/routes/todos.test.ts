import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import { startAppWithUser, todoClient, type TodoClient, expectStatus, type PatchCall } from '../helpers/todo-client.js';

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('todos', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => ({ t, me } = await startAppWithUser()));
  afterAll(() => t.close());

  const rowOf = async (id: string) => (await t.db.query('SELECT * FROM todos WHERE id = $1', [id]))[0];

  describe('POST /v1/todos', () => {
    it('creates a todo with defaults, Location and ETag', async () => {
      const res = await me.create({ title: '  Buy oat milk  ' });
      expectStatus(res, 201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        title: 'Buy oat milk',
        description: null,
        completed: false,
        completed_at: null,
        due_at: null,
        priority: 'none',
        list_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        parent_id: null,
        position: expect.stringMatching(/^[0-9A-Za-z]+$/),
        label_ids: [],
        subtask_count: 0,
        open_subtask_count: 0,
        created_at: expect.stringMatching(ISO_Z),
        updated_at: res.body.created_at,
        version: 1,
      });
      expect(res.body.id[14]).toBe('7');
      expect(res.headers.get('location')).toBe(`/v1/todos/${res.body.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(await rowOf(res.body.id)).toMatchObject({ title: 'Buy oat milk', version: 1, priority: 0 });
    });

    it('takes every writable field; completed sets completed_at; due_at comes back in UTC', async () => {
      const res = await me.create({
        title: 'Ship it',
        description: 'Line one\nLine two',
        completed: true,
        due_at: '2026-12-01T18:00:00+01:00',
        priority: 'urgent',
      });
      expectStatus(res, 201);
      expect(res.body).toMatchObject({ description: 'Line one\nLine two', completed: true, due_at: '2026-12-01T17:00:00.000Z', priority: 'urgent' });
      expect(res.body.completed_at).toMatch(ISO_Z);
    });

    it('accepts exactly 1024 characters of title, counted in code points', async () => {
      expect((await me.create({ title: '😀'.repeat(1024) })).status).toBe(201);
      expect((await me.create({ title: 'x'.repeat(1025) })).status).toBe(422);
      expect((await me.create({ title: 'x', description: 'd'.repeat(8192) })).status).toBe(201);
      expect((await me.create({ title: 'x', description: 'd'.repeat(8193) })).status).toBe(422);
    });

    it.each([
      [{}, 'body.title'],
      [{ title: '' }, 'body.title'],
      [{ title: '   ' }, 'body.title'],
      [{ title: 7 }, 'body.title'],
      [{ title: 'x', priority: 'critical' }, 'body.priority'],
      [{ title: 'x', completed: 'yes' }, 'body.completed'],
      [{ title: 'x', due_at: 'tomorrow' }, 'body.due_at'],
      [{ title: 'x', due_at: '2026-02-30T10:00:00Z' }, 'body.due_at'],
      [{ title: 'x', colour: 'red' }, 'body.colour'],
    ])('422 for %j, naming %s', async (body, path) => {
      const before = await t.db.query('SELECT count(*)::int AS n FROM todos');
      const res = await me.create(body);
      expectStatus(res, 422);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors?.map((e: { path: string }) => e.path)).toContain(path);
      expect(await t.db.query('SELECT count(*)::int AS n FROM todos')).toEqual(before);
    });

    it.each(['id', 'created_at', 'updated_at', 'completed_at', 'version'])('422 for the read-only field %s', async (field) => {
      const res = await me.create({ title: 'x', [field]: field === 'version' ? 3 : '2026-01-01T00:00:00Z' });
      expectStatus(res, 422);
      expect(res.body.errors).toEqual([{ path: `body.${field}`, message: 'This field is read-only.' }]);
    });

    it('401 without a token', async () => {
      const res = await todoClient(t).create({ title: 'x' });
      expectStatus(res, 401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });
  });

  describe('GET /v1/todos/{id}', () => {
    it('returns the todo with its ETag, and 304 for a matching If-None-Match', async () => {
      const created = await me.created({ title: 'Read me' });
      const res = await me.get(created.id);
      expectStatus(res, 200);
      expect(res.body).toEqual(created);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.headers.get('cache-control')).toBe('private, no-store');

      const cached = await me.get(created.id, { 'if-none-match': '"1"' });
      expectStatus(cached, 304);
      expect(cached.body).toBeUndefined();
      expect(cached.headers.get('etag')).toBe('"1"');
      expect((await me.get(created.id, { 'if-none-match': 'W/"1", "9"' })).status).toBe(304);
      expect((await me.get(created.id, { 'if-none-match': '"2"' })).status).toBe(200);
    });

    it('404 for an id that does not exist; 422 for one that is not a UUID', async () => {
      const missing = await me.get(randomUUID());
      expectStatus(missing, 404);
      expect(missing.body).toMatchObject({ code: 'not_found', detail: 'No todo with this id.' });
      const malformed = await me.get('not-a-uuid');
      expectStatus(malformed, 422);
      expect(malformed.body.errors?.[0]?.path).toBe('path.id');
    });
  });

  describe('PATCH /v1/todos/{id}', () => {
    it('applies a merge patch: absent unchanged, null clears, version +1, new ETag', async () => {
      const created = await me.created({ title: 'Patch me', description: 'keep?', due_at: '2026-12-01T00:00:00Z', priority: 'low' });
      const res = await me.patch(created.id, { description: null, priority: 'high' });
      expectStatus(res, 200);
      expect(res.body).toMatchObject({ title: 'Patch me', description: null, due_at: '2026-12-01T00:00:00.000Z', priority: 'high', version: 2 });
      expect(res.headers.get('etag')).toBe('"2"');
      expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      expect(await rowOf(created.id)).toMatchObject({ description: null, priority: 3, version: 2 });
    });

    it('accepts application/merge-patch+json', async () => {
      const created = await me.created({ title: 'Merge' });
      const res = await me.raw<PatchCall>('PATCH', `/v1/todos/${created.id}`, { due_at: '2027-01-01T00:00:00Z' }, { 'content-type': 'application/merge-patch+json' });
      expectStatus(res, 200);
      expect(res.body.due_at).toBe('2027-01-01T00:00:00.000Z');
    });

    it('keeps completed_at: set when completed turns true, kept while true, cleared when false', async () => {
      const created = await me.created({ title: 'Finish' });
      const done = await me.patch(created.id, { completed: true });
      expectStatus(done, 200);
      expect(done.body.completed_at).toMatch(ISO_Z);
      const again = await me.patch(done.body.id, { completed: true, title: 'Finish!' });
      expectStatus(again, 200);
      expect(again.body.completed_at).toBe(done.body.completed_at);
      expect(again.body.version).toBe(3);
      const undone = await me.patch(done.body.id, { completed: false });
      expect(undone.body).toMatchObject({ completed: false, completed_at: null, version: 4 });
    });

    it('a patch that changes nothing keeps version and updated_at', async () => {
      const created = await me.created({ title: 'Same', priority: 'low' });
      for (const patch of [{}, { title: 'Same' }, { priority: 'low', description: null }]) {
        const res = await me.patch(created.id, patch);
        expectStatus(res, 200);
        expect(res.body).toEqual(created);
      }
    });

    it.each([
      [{ title: null }, 'body.title'],
      [{ completed: null }, 'body.completed'],
      [{ priority: null }, 'body.priority'],
      [{ version: 5 }, 'body.version'],
      [{ id: randomUUID() }, 'body.id'],
      [{ nope: 1 }, 'body.nope'],
    ])('422 for %j and nothing changes', async (patch, path) => {
      const created = await me.created({ title: 'Guarded' });
      const res = await me.patch(created.id, patch);
      expectStatus(res, 422);
      expect(res.body.errors?.map((e: { path: string }) => e.path)).toContain(path);
      expect((await me.get(created.id)).body).toEqual(created);
    });

    it('404 for an id that does not exist', async () => {
      expect((await me.patch(randomUUID(), { title: 'x' })).status).toBe(404);
    });

    it('stores values that look like bind parameters literally ($1, $0, $$)', async () => {
      const created = await me.created({ title: '$1 $$ $0', description: '$2' });
      expect(created).toMatchObject({ title: '$1 $$ $0', description: '$2' });
      const patched = await me.patch(created.id, { title: '$3', description: "$1'; --" });
      expectStatus(patched, 200);
      expect(patched.body).toMatchObject({ title: '$3', description: "$1'; --" });
      expect((await me.patch(randomUUID(), { description: '$0' })).status).toBe(404);
      expect((await me.list({ q: '$1' })).status).toBe(200);
    });
  });

  describe('DELETE /v1/todos/{id}', () => {
    it('204, then 404 for a second delete and for a read', async () => {
      const created = await me.created({ title: 'Delete me' });
      const res = await me.remove(created.id);
      expectStatus(res, 204);
      expect(res.body).toBeUndefined();
      expect(await rowOf(created.id)).toBeUndefined();
      expect((await me.remove(created.id)).status).toBe(404);
      expect((await me.get(created.id)).status).toBe(404);
    });
  });
});
