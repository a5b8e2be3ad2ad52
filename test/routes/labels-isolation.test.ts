import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Label, LabelList } from '../../clients/typescript/src/types.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

/** A 404 body without the parts that differ per request. */
const comparable = (res: Call) => {
  const { request_id: _id, instance: _instance, ...rest } = res.body as Record<string, unknown>;
  return { status: res.status, contentType: res.headers.get('content-type'), body: rest };
};

describe("isolation: user B and user A's labels", () => {
  let t: TestApp;
  let alice: TodoClient;
  let bob: TodoClient;
  let aliceLabels: Label[];
  const snapshot = () => t.db.query('SELECT id, user_id, name, color, version, updated_at FROM labels ORDER BY id');
  beforeAll(async () => {
    t = await startTestApp();
    alice = await newUser(t);
    bob = await newUser(t);
    aliceLabels = [];
    for (const name of ['Secret', 'Alpha', 'Zeta']) {
      const res = await alice.raw('POST', '/v1/labels', { name, color: '#ff0000' });
      expectStatus(res, 201);
      aliceLabels.push(res.body as Label);
    }
    expect((await bob.raw('POST', '/v1/labels', { name: 'bob own label' })).status).toBe(201);
  });
  afterAll(() => t.close());

  const operations: Array<[string, (c: TodoClient, id: string) => Promise<Call>]> = [
    ['GET', (c, id) => c.raw('GET', `/v1/labels/${id}`)],
    ['GET with If-None-Match', (c, id) => c.raw('GET', `/v1/labels/${id}`, undefined, { 'if-none-match': '"1"' })],
    ['PATCH', (c, id) => c.raw('PATCH', `/v1/labels/${id}`, { name: 'stolen', color: null })],
    ['PATCH with If-Match', (c, id) => c.raw('PATCH', `/v1/labels/${id}`, { name: 'stolen' }, { 'if-match': '"1"' })],
    ['DELETE', (c, id) => c.raw('DELETE', `/v1/labels/${id}`)],
    ['DELETE with If-Match', (c, id) => c.raw('DELETE', `/v1/labels/${id}`, undefined, { 'if-match': '"1"' })],
  ];

  it.each(operations)('%s on an id of A is a 404 identical to one for a random id, and changes nothing', async (_name, op) => {
    const before = await snapshot();
    for (const label of aliceLabels) {
      const theirs = await op(bob, label.id);
      const random = await op(bob, randomUUID());
      expect(theirs.status).toBe(404);
      expect(comparable(theirs)).toEqual(comparable(random));
      expect(theirs.headers.get('etag')).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
  });

  it("B's list never shows A's labels, and B may use A's names (uniqueness is per user)", async () => {
    const page = await bob.raw('GET', '/v1/labels?limit=100');
    expectStatus(page, 200);
    expect((page.body as LabelList).data.map((l) => l.name)).toEqual(['bob own label']);
    expect((await bob.raw('POST', '/v1/labels', { name: 'secret' })).status).toBe(201);
    const after = (await bob.raw('GET', '/v1/labels?limit=1')).body as LabelList;
    expect(after.data.every((l) => !aliceLabels.some((a) => a.id === l.id))).toBe(true);
    const meB = await bob.me();
    expectStatus(meB, 200);
    expect(meB.body.usage).toMatchObject({ labels: 2 });
  });
});
