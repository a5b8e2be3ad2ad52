import { ApiError } from './errors.js';

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

// One element of an entity-tag list (RFC 9110 8.8.3 and 5.6.1): optional white space, an
// optional `W/` and a quoted string of etagc (which may contain commas), then a comma or the end.
// Empty elements are allowed, as the list syntax requires.
const LIST_ELEMENT = /[ \t]*((?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")?[ \t]*(,|$)/y;

/** The entity tags of an If-Match list, or undefined when it is not one (`2` instead of `"2"`). */
function entityTags(header: string): string[] | undefined {
  const tags: string[] = [];
  LIST_ELEMENT.lastIndex = 0;
  while (LIST_ELEMENT.lastIndex < header.length) {
    const match = LIST_ELEMENT.exec(header);
    if (!match || match[0] === '') return undefined;
    if (match[1]) tags.push(match[1]);
  }
  return tags;
}

function invalidIfMatch(header: string): ApiError {
  const bare = /^[ \t]*(\d{1,10})[ \t]*$/.exec(header);
  const detail = bare
    ? `If-Match: ${bare[1]} is not an entity tag: ETags are quoted. Send If-Match: "${bare[1]}", the ETag header exactly as it was received.`
    : 'If-Match must be * or a comma-separated list of quoted entity tags, such as "2": ETags are quoted. Send the ETag header exactly as it was received.';
  return new ApiError('invalid_if_match', { detail });
}

/**
 * An If-Match header as RFC 9110 13.1.1 writes it: `*`, or a list of entity tags. Anything else
 * (an unquoted `2`, an empty header, `*` inside a list) is a 400 `invalid_if_match`, so a client
 * bug is not mistaken for a stale tag. Undefined when the header is absent.
 */
export function parseIfMatch(header: string | undefined): 'any' | string[] | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return 'any';
  const tags = entityTags(header);
  if (!tags || tags.length === 0) throw invalidIfMatch(header);
  return tags;
}

/**
 * The versions an If-Match header accepts (strong comparison, RFC 9110 13.1.1): `*` accepts any,
 * weak or foreign tags accept none, and so does a version no row can have (beyond the integer
 * column), which therefore never reaches SQL. Undefined when the header is absent; a header that
 * is not an entity-tag list is a 400 (`parseIfMatch`).
 */
export function ifMatchVersions(header: string | undefined): 'any' | number[] | undefined {
  const tags = parseIfMatch(header);
  if (tags === undefined || tags === 'any') return tags;
  return tags.flatMap((t) => {
    const m = /^"([1-9]\d{0,9})"$/.exec(t);
    const version = m ? Number(m[1]) : 0;
    return version >= 1 && version <= MAX_VERSION ? [version] : [];
  });
}
