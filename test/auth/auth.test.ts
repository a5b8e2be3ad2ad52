import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../clients/typescript/src/types.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, newSubject, signToken } from '../helpers/tokens.js';

// Bearer tokens checked against AUTH_JWT_SECRET (HS256), the configuration vitest.config.ts sets.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const userCount = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0]!.n);

async function expectUnauthorized(res: Response, detail: RegExp, challenge = 'Bearer error="invalid_token"') {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe(challenge);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('x-request-id')).toBeTruthy();
  const body = await json<Problem>(res);
  expect(body).toMatchObject({ status: 401, code: 'unauthorized', title: 'Authentication required', instance: '/v1/me' });
  expect(body.detail).toMatch(detail);
  return body;
}

const me = (init?: RequestInit) => t.request('/v1/me', init);
const withAuthorization = (value: string) => ({ headers: { Authorization: value } });

describe('a request without a usable Authorization header', () => {
  it('is 401 when the header is missing, with a bare Bearer challenge (issue 11, item 7: RFC 6750 §3.1, no error code without credentials)', async () => {
    await expectUnauthorized(await me(), /bearer token/i, 'Bearer');
  });

  // RFC 6750 §3.1: credentials of another scheme are no bearer credentials (no error code); a broken Bearer one is an invalid_token.
  it.each([
    ['Basic credentials', 'Basic dXNlcjpwYXNzd29yZA==', 'Bearer'],
    ['Bearer with no token', 'Bearer', 'Bearer error="invalid_token"'],
    ['Bearer and a space', 'Bearer ', 'Bearer error="invalid_token"'],
    ['a bare token without a scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.sig', 'Bearer'],
    ['two tokens', 'Bearer a.b.c d.e.f', 'Bearer error="invalid_token"'],
    ['garbage', '!!!', 'Bearer'],
  ])('is 401 for %s', async (_name, value, challenge) => {
    await expectUnauthorized(await me(withAuthorization(value)), /Authorization header/i, challenge);
  });

  it.each([
    ['not a JWT', 'Bearer not-a-jwt'],
    ['three empty parts', 'Bearer ..'],
    ['parts that are not JSON', 'Bearer abc.def.ghi'],
  ])('is 401 for a malformed token: %s', async (_name, value) => {
    await expectUnauthorized(await me(withAuthorization(value)), /malformed/i);
  });
});

describe('a token that is not trustworthy', () => {
  it('is 401 for alg "none"', async () => {
    const token = new UnsecuredJWT({ sub: newSubject() }).setExpirationTime('5m').encode();
    await expectUnauthorized(await me(bearer(token)), /algorithm/i);
  });

  it('is 401 for an RS256 token when the secret is configured (no algorithm confusion)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: newSubject() }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey);
    await expectUnauthorized(await me(bearer(token)), /algorithm/i);
  });

  it('is 401 for an HS512 token signed with the right secret (the algorithm is pinned)', async () => {
    const key = new TextEncoder().encode('test-only-hs256-secret-0123456789abcdefg');
    const token = await new SignJWT({ sub: newSubject() }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('5m').sign(key);
    await expectUnauthorized(await me(bearer(token)), /algorithm/i);
  });

  it('is 401 for a token signed with another secret', async () => {
    const token = await signToken({ sub: newSubject() }, { secret: 'another-secret-that-is-long-enough-0123456789' });
    await expectUnauthorized(await me(bearer(token)), /signature/i);
  });

  it('is 401 for a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await signToken({ sub: 'alice' })).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
    await expectUnauthorized(await me(bearer(`${header}.${forged}.${signature}`)), /signature/i);
  });

  it('is 401 for a token that expired beyond the 60 s clock tolerance', async () => {
    await expectUnauthorized(await me(bearer(await signToken({ sub: newSubject() }, { expiresIn: -120 }))), /expired/i);
  });

  it('accepts a token that expired within the 60 s clock tolerance', async () => {
    const res = await me(bearer(await signToken({ sub: newSubject() }, { expiresIn: -20 })));
    expect(res.status).toBe(200);
  });

  it('is 401 for a token without exp', async () => {
    const key = new TextEncoder().encode('test-only-hs256-secret-0123456789abcdefg');
    const token = await new SignJWT({ sub: newSubject() }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(key);
    await expectUnauthorized(await me(bearer(token)), /exp/);
  });

  it('is 401 for a token that is not valid yet (nbf beyond the tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectUnauthorized(await me(bearer(await signToken({ sub: newSubject(), nbf: now + 600 }))), /not valid yet/i);
  });

  it.each([
    ['no sub', {}],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 }],
    ['a sub longer than 255 characters', { sub: 'x'.repeat(256) }],
  ])('is 401 for %s', async (_name, claims) => {
    await expectUnauthorized(await me(bearer(await signToken(claims as never))), /subject/i);
  });

  it('never echoes the token, and creates no user for any rejected token', async () => {
    const before = await userCount();
    const token = await signToken({ sub: newSubject(), email: 'x@example.com' }, { secret: 'another-secret-that-is-long-enough-0123456789' });
    const res = await me(bearer(token));
    const text = await res.text();
    expect(res.status).toBe(401);
    expect(text).not.toContain(token.split('.')[1]!);
    expect(await userCount()).toBe(before);
  });
});

describe('a valid token', () => {
  it('is accepted with the scheme in any case', async () => {
    const token = await signToken({ sub: newSubject() });
    expect((await me(withAuthorization(`bearer ${token}`))).status).toBe(200);
    expect((await me(withAuthorization(`BEARER ${token}`))).status).toBe(200);
  });

  it('guards every /v1 path: an unknown one is 401 without a token (routes are not revealed), 404 with one', async () => {
    const res = await t.request('/v1/no-such-thing');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await t.request('/v1/no-such-thing', bearer(await signToken({ sub: newSubject() })))).status).toBe(404);
  });

  it('is not needed outside /v1', async () => {
    expect((await t.request('/health/live')).status).toBe(200);
  });
});
