// The users table holds at most 320 characters (RFC 5321's limit for an address).
const MAX_EMAIL_LENGTH = 320;

/** Something@somewhere.tld with no spaces, short enough to store: plausible, not proven. */
export function isPlausibleEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}
