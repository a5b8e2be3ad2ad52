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

/** The highest version a todo can reach: the column is a PostgreSQL integer. */
const MAX_VERSION = 2_147_483_647;

/**
 * The versions an If-Match header accepts (strong comparison, RFC 9110 13.1.1): `*` accepts any,
 * weak or foreign tags accept none, and so does a version no row can have (beyond the integer
 * column), which therefore never reaches SQL. Undefined when the header is absent.
 */
export function ifMatchVersions(header: string | undefined): 'any' | number[] | undefined {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((t) => t.trim());
  if (tags.includes('*')) return 'any';
  return tags.flatMap((t) => {
    const m = /^"([1-9]\d{0,9})"$/.exec(t);
    const version = m ? Number(m[1]) : 0;
    return version >= 1 && version <= MAX_VERSION ? [version] : [];
  });
}
