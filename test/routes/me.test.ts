import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurrentUser } from '../../clients/typescript/src/types.js';
import { buildApp } from '../../src/app.js';
import { parseEnv } from '../../src/env.js';
import { buildOpenAPIDocument } from '../../src/lib/openapi.js';
import { MeSchema } from '../../src/routes/me/me.schemas.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { as, newSubject } from '../helpers/tokens.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('GET /v1/me', () => {
  it('returns the caller, private and uncached', async () => {
    const sub = newSubject();
    const email = `me.${sub.slice(5)}@example.com`;
    const res = await t.request('/v1/me', { ...(await as({ sub, email })) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const body = await json<CurrentUser>(res);
    expect(MeSchema.strict().safeParse(body).success).toBe(true);
    const [row] = await t.db.query<{ id: string; email: string; created_at: Date }>('SELECT id, email, created_at FROM users WHERE subject = $1', [sub]);
    expect(body).toEqual({
      id: row!.id,
      email,
      created_at: row!.created_at.toISOString(),
      limits: { todos: 100_000, lists: 1000, labels: 500, webhooks: 10, labels_per_todo: 20, subtask_depth: 4 },
      usage: { todos: 0, lists: 1, labels: 0, webhooks: 0 },
    });
    expect(body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  });

  it('returns null for the email of a user whose tokens never carried one', async () => {
    const res = await t.request('/v1/me', await as({ sub: newSubject() }));
    expect(res.status).toBe(200);
    expect((await json<CurrentUser>(res)).email).toBeNull();
  });

  it('returns the same user for every token of one subject', async () => {
    const sub = newSubject();
    const first = await json(await t.request('/v1/me', await as({ sub })));
    const second = await json(await t.request('/v1/me', await as({ sub })));
    expect(second).toEqual(first);
  });

  it('is 401 problem details without a token', async () => {
    const res = await t.request('/v1/me');
    expect(res.status).toBe(401);
    // RFC 6750 §3.1: with no credentials at all, the challenge carries no error code.
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await json(res)).toMatchObject({ code: 'unauthorized', instance: '/v1/me' });
  });

  it('is declared in the contract with bearer security and its problem responses', () => {
    const operation = buildOpenAPIDocument(buildApp({ config: parseEnv({}) })).paths?.['/v1/me']?.get;
    expect(operation).toMatchObject({ operationId: 'getMe', tags: ['Users'], security: [{ bearerAuth: [] }] });
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '401', '409', '429', '500', '503']);
  });
});
