import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// Issue 11, item 10: the 1.7 MB Swagger UI bundle (and the OpenAPI documents) were sent in full
// on every request. Each now carries a strong ETag of its content, and If-None-Match gets a 304.

describe('item 10: docs files and the OpenAPI documents answer If-None-Match with 304', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['/docs/swagger-ui-bundle.js', 'public, max-age=86400', 1_000_000],
    ['/docs/swagger-ui.css', 'public, max-age=86400', 1000],
    ['/docs/favicon-32x32.png', 'public, max-age=86400', 100],
    ['/openapi.json', 'no-cache', 10_000],
    ['/openapi.yaml', 'no-cache', 10_000],
  ])('%s: a strong content ETag, and 304 with no body for a client that holds it', async (path, cacheControl, minBytes) => {
    const first = await t.request(path);
    expect(first.status).toBe(200);
    const body = new Uint8Array(await first.arrayBuffer());
    expect(body.byteLength).toBeGreaterThan(minBytes);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/); // strong: no W/
    expect(first.headers.get('cache-control')).toBe(cacheControl);

    const again = await t.request(path);
    expect(again.headers.get('etag')).toBe(etag);

    for (const ifNoneMatch of [etag!, `W/${etag}`, `"other", ${etag}`, '*']) {
      const cached = await t.request(path, { headers: { 'If-None-Match': ifNoneMatch } });
      expect(cached.status, ifNoneMatch).toBe(304);
      expect((await cached.arrayBuffer()).byteLength).toBe(0);
      expect(cached.headers.get('etag')).toBe(etag);
      expect(cached.headers.get('cache-control')).toBe(cacheControl);
    }

    const stale = await t.request(path, { headers: { 'If-None-Match': '"an-older-copy"' } });
    expect(stale.status).toBe(200);
    expect(new Uint8Array(await stale.arrayBuffer())).toEqual(body);
  });

  it('the ETags of different files differ', async () => {
    const tags = await Promise.all(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/openapi.json', '/openapi.yaml'].map(async (p) => (await t.request(p)).headers.get('etag')));
    expect(new Set(tags).size).toBe(4);
  });
});
