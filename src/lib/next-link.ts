import type { Context } from 'hono';

/** A page's `Link: <…>; rel="next"` (RFC 8288): this request's path and query with `cursor` set, when there is a next page. */
export function setNextLink(c: Context, cursor: string | null): void {
  if (!cursor) return;
  const next = new URL(c.req.url);
  next.searchParams.set('cursor', cursor);
  c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
}
