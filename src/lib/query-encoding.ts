import { ApiError } from './errors.js';

// Hono decodes a query with a fallback that keeps an escape it cannot decode as the characters
// it was sent as (`q=%ff` reads as the text "%ff", hono/utils/url tryDecode), so a client that
// sends Latin-1 or a broken escape would get an answer about text it never meant. The /v1 route
// kit checks the raw query string with this first, and refuses it as a 400 naming each parameter.

/** Where a parameter could not be decoded: its name, or its value. */
export interface UndecodableParameter {
  /** The name as decoded, or as it was sent when the name itself cannot be decoded. */
  name: string;
  part: 'name' | 'value';
}

const MAX_REPORTED = 100;

/** `+` is a space in a query (application/x-www-form-urlencoded), as Hono reads it; undefined when not UTF-8, percent-encoded. */
function decodeQueryComponent(raw: string): string | undefined {
  try {
    // decodeURIComponent refuses a % without two hex digits, and bytes that are not UTF-8
    // (overlong forms, surrogates, past U+10FFFF, sequences cut short).
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** The parameters of a request URL's query whose name or value is not UTF-8, percent-encoded; each name once, in the order sent. */
export function undecodableQueryParameters(url: string): UndecodableParameter[] {
  const start = url.indexOf('?');
  if (start === -1) return [];
  const hash = url.indexOf('#', start);
  const query = url.slice(start + 1, hash === -1 ? undefined : hash);
  if (!query.includes('%')) return [];
  const found = new Map<string, UndecodableParameter>();
  for (const pair of query.split('&')) {
    if (!pair.includes('%')) continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = decodeQueryComponent(rawName);
    // An empty name is skipped, as Hono skips it: it names no parameter.
    if (name === '') continue;
    const part = name === undefined ? 'name' : equals !== -1 && decodeQueryComponent(pair.slice(equals + 1)) === undefined ? 'value' : undefined;
    if (part === undefined) continue;
    const shown = (name ?? rawName).slice(0, 250);
    if (!found.has(shown)) found.set(shown, { name: shown, part });
    if (found.size === MAX_REPORTED) break;
  }
  return [...found.values()];
}

const HOW = 'UTF-8, percent-encoded (é as %C3%A9, a literal % as %25), as encodeURIComponent and URLSearchParams write it';

/** The 400 for a query string with parameters that cannot be decoded: `errors[]` names each one (`query.<name>`). */
export function undecodableQueryError(parameters: readonly UndecodableParameter[]): ApiError {
  const which = parameters.length === 1 ? 'a parameter is' : `${parameters.length} parameters are`;
  return new ApiError('bad_request', {
    detail: `The query string cannot be decoded: ${which} not UTF-8 text, percent-encoded (see errors). Send every query parameter as ${HOW}.`,
    errors: parameters.map(({ name, part }) => ({
      path: `query.${name}`,
      message:
        part === 'name'
          ? `This parameter's name cannot be decoded. Send it as ${HOW}.`
          : `Cannot be decoded: a % must be followed by two hex digits, and the bytes must be UTF-8. Send the value as ${HOW}.`,
    })),
  });
}
