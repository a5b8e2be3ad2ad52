/** The strong ETag of a versioned resource: it changes with every write. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** If-None-Match (weak comparison, RFC 9110 13.1.2): true when the header names this tag or is `*`. */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * The versions an If-Match header accepts (strong comparison, RFC 9110 13.1.1): `*` accepts any,
 * weak or foreign tags accept none. Undefined when the header is absent.
 */
export function ifMatchVersions(header: string | undefined): 'any' | number[] | undefined {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((t) => t.trim());
  if (tags.includes('*')) return 'any';
  return tags.flatMap((t) => {
    const m = /^"([1-9]\d{0,9})"$/.exec(t);
    return m ? [Number(m[1])] : [];
  });
}
