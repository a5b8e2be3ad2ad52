import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { checkedFetch } from '../helpers/contract.js';
import type { Problem } from '../../clients/typescript/src/types.js';
import { json } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { bearer, newSubject } from '../helpers/tokens.js';
import { spawnServer } from '../helpers/spawn-server.js';

// Tokens from an identity provider's JWKS. The service runs as its own process (its configuration
// is read once per process) against a JWKS that this file serves and breaks on purpose.

const ISSUER = 'https://auth.test.example';
const AUDIENCE = 'todo-api';

interface SigningKey {
  alg: 'EdDSA' | 'ES256' | 'RS256';
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

async function sign(key: SigningKey, claims: JWTPayload, { expiresIn = 300, kid = key.kid } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid }).setIssuedAt(now).setExpirationTime(now + expiresIn).sign(key.privateKey);
}

type BrokenMode = 'malformed-json' | 'not-a-jwks' | 'http-500' | 'reset' | 'hang' | 'healthy';

/** A JWKS endpoint: `/jwks.json` serves `published`; `/broken.json` misbehaves as `brokenMode` says. */
class JwksServer {
  published: JWK[] = [];
  brokenMode: BrokenMode = 'malformed-json';
  /** When `/jwks.json` was fetched. */
  fetches: number[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      if (req.url === '/jwks.json') {
        this.fetches.push(Date.now());
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.published }));
        return;
      }
      const send = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      if (this.brokenMode === 'malformed-json') send(200, '{"keys": [');
      else if (this.brokenMode === 'not-a-jwks') send(200, '{"keys": "none"}');
      else if (this.brokenMode === 'http-500') send(500, '{"error": "down"}');
      else if (this.brokenMode === 'reset') req.socket.destroy();
      else if (this.brokenMode === 'healthy') send(200, JSON.stringify({ keys: this.published }));
      // 'hang': never answer.
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  url(file: string): string {
    return `http://127.0.0.1:${this.port}/${file}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let db: TestDatabase;
let dataDir: string;
const jwks = new JwksServer();
let keys: { ed: SigningKey; es: SigningKey; rs: SigningKey };
const servers: Array<ReturnType<typeof spawnServer>> = [];
let good: string;
let broken: string;
let down: string;

/** The service as its own process, verifying tokens against `jwksUrl`; resolves with its base URL. */
function startService(jwksUrl: string, extra: Record<string, string> = {}): Promise<string> {
  // AUTH_JWT_SECRET='' clears the secret this test process has: a JWKS and a secret are exclusive.
  const server = spawnServer({ DATABASE_URL: db.url, DATA_DIR: dataDir, AUTH_JWT_SECRET: '', AUTH_JWKS_URL: jwksUrl, ...extra });
  servers.push(server);
  return server.ready;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-jwks-'));
  const [ed, es, rs] = await Promise.all([signingKey('EdDSA', 'ed-1'), signingKey('ES256', 'es-1'), signingKey('RS256', 'rs-1')]);
  keys = { ed, es, rs };
  jwks.published = [ed.jwk, es.jwk, rs.jwk];
  await jwks.start();
  [good, broken, down] = await Promise.all([
    startService(jwks.url('jwks.json'), { AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE }),
    startService(jwks.url('broken.json')),
    // Nothing listens on this port.
    freePort().then((port) => startService(`http://127.0.0.1:${port}/jwks.json`)),
  ]);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await jwks.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const me = (baseUrl: string, token?: string) => checkedFetch(`${baseUrl}/v1/me`, token === undefined ? {} : bearer(token));
const claims = (extra: JWTPayload = {}): JWTPayload => ({ sub: newSubject('idp'), iss: ISSUER, aud: AUDIENCE, ...extra });

async function expectUnauthorized(res: Response, detail: RegExp, challenge = 'Bearer error="invalid_token"') {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe(challenge);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await json<Problem>(res);
  expect(body).toMatchObject({ status: 401, code: 'unauthorized' });
  expect(body.detail).toMatch(detail);
}

async function expectUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await json<Problem>(res);
  expect(body).toMatchObject({ status: 503, code: 'service_unavailable' });
  expect(body.detail).toMatch(/identity provider/i);
}

describe('a JWKS that works', () => {
  it.each(['ed', 'es', 'rs'] as const)('accepts a token signed with the %s key, and creates its user', async (name) => {
    const sub = newSubject(name);
    const email = `${name}.${sub.slice(name.length + 1)}@example.com`;
    const res = await me(good, await sign(keys[name], claims({ sub, email })));
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ email });
    expect(await db.query('SELECT email FROM users WHERE subject = $1', [sub])).toEqual([{ email }]);
  });

  it('fetched the key set once and serves further tokens from its cache', async () => {
    expect(jwks.fetches).toHaveLength(1);
    for (const key of Object.values(keys)) expect((await me(good, await sign(key, claims()))).status).toBe(200);
    expect(jwks.fetches).toHaveLength(1);
  });

  it('is 401 for a token signed by a key that is not in the set', async () => {
    const stranger = await signingKey('RS256', 'rs-stranger');
    await expectUnauthorized(await me(good, await sign(stranger, claims())), /trusted key/i);
  });

  it('is 401 for a token signed by another key under a published kid', async () => {
    const impostor = await signingKey('ES256', 'es-1');
    await expectUnauthorized(await me(good, await sign(impostor, claims())), /signature/i);
  });

  it('is 401 for HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const pem = new TextEncoder().encode(await exportSPKI(keys.rs.publicKey));
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'rs-1' }).setExpirationTime('5m').sign(pem);
    await expectUnauthorized(await me(good, token), /algorithm/i);
  });

  it('is 401 for alg "none"', async () => {
    await expectUnauthorized(await me(good, new UnsecuredJWT(claims()).setExpirationTime('5m').encode()), /algorithm/i);
  });

  it('is 401 for an expired token', async () => {
    await expectUnauthorized(await me(good, await sign(keys.es, claims(), { expiresIn: -300 })), /expired/i);
  });

  it('is 401 without a token', async () => {
    await expectUnauthorized(await me(good), /bearer token/i, 'Bearer');
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example' }, /issuer/i],
    ['no issuer', { iss: undefined }, /issuer/i],
    ['another audience', { aud: 'other-api' }, /audience/i],
    ['no audience', { aud: undefined }, /audience/i],
  ])('is 401 for %s when AUTH_ISSUER and AUTH_AUDIENCE are set', async (_name, extra, detail) => {
    await expectUnauthorized(await me(good, await sign(keys.ed, claims(extra))), detail);
  });

  it('accepts a key that appears after the first fetch (rotation), refetching on the unknown kid', async () => {
    const rotated = await signingKey('RS256', 'rs-2');
    jwks.published = [...jwks.published, rotated.jwk];
    // Refetches on an unknown kid are rate-limited (5 s): wait that out from the last fetch.
    const wait = jwks.fetches.at(-1)! + 5_200 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const fetchesBefore = jwks.fetches.length;
    const res = await me(good, await sign(rotated, claims()));
    expect(res.status).toBe(200);
    expect(jwks.fetches).toHaveLength(fetchesBefore + 1);
  });
});

describe('a JWKS that cannot be used', () => {
  const token = () => sign(keys.rs, { sub: newSubject('outage') });

  it.each(['malformed-json', 'not-a-jwks', 'http-500', 'reset'] as const)('answers 503 with Retry-After when it gives %s', async (mode) => {
    jwks.brokenMode = mode;
    await expectUnavailable(await me(broken, await token()));
  });

  it('answers 503 within the fetch timeout when it never answers', async () => {
    jwks.brokenMode = 'hang';
    const started = Date.now();
    await expectUnavailable(await me(broken, await token()));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2_500);
    expect(elapsed).toBeLessThan(6_000);
  });

  it('answers 503 when nothing listens at the JWKS URL', async () => {
    await expectUnavailable(await me(down, await token()));
  });

  it('still rejects a malformed token with 401 (the key set is not even needed)', async () => {
    await expectUnauthorized(await me(down, 'not-a-jwt'), /malformed/i);
  });

  it('recovers once the JWKS answers again, with the process still up', async () => {
    expect(servers.map((server) => server.process.exitCode)).toEqual([null, null, null]);
    jwks.brokenMode = 'healthy';
    const sub = newSubject('recovered');
    const res = await me(broken, await sign(keys.rs, { sub }));
    expect(res.status).toBe(200);
    expect(await db.query('SELECT subject FROM users WHERE subject = $1', [sub])).toHaveLength(1);
    expect(await db.query("SELECT subject FROM users WHERE subject LIKE 'outage|%'")).toEqual([]);
  });
});
