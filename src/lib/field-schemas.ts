import { z } from '@hono/zod-openapi';

// Body fields that more than one resource takes (labels and lists have a name and a colour),
// declared once so that their rules and messages stay the same everywhere.

const codePoints = (s: string) => [...s].length;

/** Text the database can store faithfully: no NUL characters, no lone UTF-16 surrogates. */
export const storableText = (s: string) => !s.includes('\u0000') && s.isWellFormed();

/** A required name: trimmed, 1 to `max` code points, storable; the description says the resource's own rules. */
export function nameSchema({ max, description, example }: { max: number; description: string; example: string }) {
  return z
    .string()
    .trim()
    .refine((s) => s.length > 0, 'Must not be empty or only white space.')
    .refine((s) => codePoints(s) <= max, `Must be at most ${max} characters.`)
    .refine(storableText, 'Must not contain NUL characters or unpaired surrogates.')
    .openapi({ minLength: 1, maxLength: max, description, example });
}

/** A colour as `#rrggbb` in either case, stored in lower case, or null. */
export const ColorSchema = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'Must be a colour as #rrggbb (six hexadecimal digits), or null.')
  .transform((s) => s.toLowerCase())
  .nullable()
  .openapi({
    type: ['string', 'null'],
    maxLength: 7,
    pattern: '^#[0-9a-fA-F]{6}$',
    description: 'A colour as `#rrggbb`, in either case (stored and returned in lower case), or `null` for none.',
    example: '#1e90ff',
  });
