import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectStatus, todoClient } from '../helpers/todo-client.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// Without role defaults for the timeouts (DB_ROLE_TIMEOUTS=false, or a role that may not alter
// itself), every transaction sets them, a GET included: the export opens its own snapshot beside
// the read's transaction, and must set its statement timeout itself.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ roleTimeouts: false });
});
afterAll(() => t.close());

describe('account data with the timeouts set per transaction', () => {
  it('exports and erases as with role defaults', async () => {
    const me = todoClient(t, await signToken({ sub: newSubject('acct') }));
    expectStatus(await me.create({ title: 'Kept in the export' }), 201);
    const exported = await me.raw('GET', '/v1/me/export');
    expectStatus(exported, 200);
    expect((exported.body as { todos: Array<{ title: string }> }).todos.map((todo) => todo.title)).toEqual(['Kept in the export']);
    expectStatus(await me.raw('DELETE', '/v1/me'), 204);
    expect((await me.me()).body).toMatchObject({ usage: { todos: 0, lists: 1, labels: 0 } });
  });
});
