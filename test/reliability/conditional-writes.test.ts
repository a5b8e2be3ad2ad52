import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import { newUser, startAppWithUser, type TodoClient, expectStatus } from '../helpers/todo-client.js';

describe('conditional writes (If-Match)', () => {
  let t: TestApp;
  let me: TodoClient;
  beforeAll(async () => ({ t, me } = await startAppWithUser()));
  afterAll(() => t.close());

  it('PATCH with the current ETag applies; with a stale one is a 412 and changes nothing', async () => {
    const created = await me.created({ title: 'v1' });
    const updated = await me.patch(created.id, { title: 'v2' }, { 'if-match': '"1"' });
    expectStatus(updated, 200);
    expect(updated.headers.get('etag')).toBe('"2"');
    const stale = await me.patch(created.id, { title: 'lost update' }, { 'if-match': '"1"' });
    expectStatus(stale, 412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed', status: 412 });
    expect((await me.get(created.id)).body).toMatchObject({ title: 'v2', version: 2 });
  });

  it('accepts * and a list of tags; a weak tag never matches, and an unquoted one is a 400', async () => {
    const created = await me.created({ title: 'tags' });
    expect((await me.patch(created.id, { title: 'a' }, { 'if-match': '*' })).status).toBe(200);
    expect((await me.patch(created.id, { title: 'b' }, { 'if-match': '"7", "2"' })).status).toBe(200);
    expect((await me.patch(created.id, { title: 'c' }, { 'if-match': 'W/"3"' })).status).toBe(412);
    expect((await me.patch(created.id, { title: 'c' }, { 'if-match': '3' })).status).toBe(400);
    expect((await me.get(created.id)).body).toMatchObject({ title: 'b', version: 3 });
  });

  it('DELETE with a stale ETag is a 412 and the todo stays; with the current one it goes', async () => {
    const created = await me.created({ title: 'keep me' });
    await me.patch(created.id, { title: 'changed' });
    expect((await me.remove(created.id, { 'if-match': '"1"' })).status).toBe(412);
    expect((await me.get(created.id)).status).toBe(200);
    expect((await me.remove(created.id, { 'if-match': '"2"' })).status).toBe(204);
  });

  it("a todo that is not the caller's is a 404, whatever If-Match says", async () => {
    const created = await me.created({ title: 'mine' });
    const other = await newUser(t);
    for (const tag of ['"1"', '*', '"9"']) {
      expect((await other.patch(created.id, { title: 'x' }, { 'if-match': tag })).status).toBe(404);
      expect((await other.remove(created.id, { 'if-match': tag })).status).toBe(404);
    }
  });

  it('20 clients doing read-modify-write with If-Match lose no update', async () => {
    const created = await me.created({ title: 'count 0' });
    const id = created.id;
    const writesPerClient = 3;
    let conflicts = 0;
    const client = async () => {
      let done = 0;
      while (done < writesPerClient) {
        const read = await me.get(id);
        expectStatus(read, 200);
        const n = Number(String(read.body.title).split(' ')[1]);
        const res = await me.patch(id, { title: `count ${n + 1}` }, { 'if-match': read.headers.get('etag')! });
        if (res.status === 200) done += 1;
        else if (res.status === 412) conflicts += 1;
        else throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
      }
    };
    await Promise.all(Array.from({ length: 20 }, client));
    const final = await me.get(id);
    expectStatus(final, 200);
    expect(final.body.title).toBe(`count ${20 * writesPerClient}`);
    expect(final.body.version).toBe(1 + 20 * writesPerClient);
    expect(conflicts).toBeGreaterThan(0);
  });
});
