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
