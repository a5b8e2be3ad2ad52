// The response headers of the contract, declared once: every route takes them from here.

export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: { type: 'string'; maxLength: number; pattern?: string } | { type: 'integer'; format: 'int32'; minimum: number; maximum: number };
  /** A typical value: shown in the docs, and what the mock server (`npm run mock`) answers with. */
  example: string | number;
  [extension: `x-${string}`]: unknown;
}

/** A string header of the contract: every string in it has a bounded length. */
export function stringHeader(description: string, { required = true, maxLength = 2048, example }: { required?: boolean; maxLength?: number; example: string }): HeaderObject {
  return { description, required, schema: { type: 'string', maxLength }, example };
}

export const REQUEST_ID_HEADER: HeaderObject = {
  description: "The request's id: the caller's `X-Request-Id` when it is a sane token of at most 128 characters, else a new one.",
  required: true,
  schema: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9_=-]{1,128}$' },
  example: '0f8fad5b-d9cb-469f-a165-70867728950e',
};

export const PRIVATE_NO_STORE_HEADER: HeaderObject = {
  description: 'Always `private, no-store`: per-user data that no cache may keep.',
  required: true,
  schema: { type: 'string', maxLength: 32 },
  example: 'private, no-store',
};

export const RETRY_AFTER_HEADER: HeaderObject = {
  description: 'Seconds to wait before retrying.',
  required: true,
  schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
  example: 1,
};

export const IDEMPOTENT_REPLAYED_HEADER: HeaderObject = {
  description: '`true` when this is the stored response to an earlier request with the same `Idempotency-Key`.',
  required: false,
  schema: { type: 'string', maxLength: 4 },
  example: 'true',
};

export const RATE_LIMIT_HEADERS = {
  RateLimit: {
    description:
      'IETF draft RateLimit header: `"default";r=<requests left>;t=<seconds until the quota is full again>`. Present on every authenticated /v1 response while rate limiting is on.',
    required: false,
    schema: { type: 'string', maxLength: 128 },
    example: '"default";r=599;t=1',
  },
  'RateLimit-Policy': {
    description: 'IETF draft RateLimit-Policy header: `"default";q=<requests>;w=<window seconds>`, a per-user token bucket.',
    required: false,
    schema: { type: 'string', maxLength: 128 },
    example: '"default";q=600;w=60',
  },
} as const satisfies Record<string, HeaderObject>;

/** RFC 6750 §3.1: no error code when the request carried no credentials at all. */
export const WWW_AUTHENTICATE_HEADER: HeaderObject = stringHeader(
  'The bearer challenge (RFC 6750 §3.1): just `Bearer` when the request carried no credentials at all; `Bearer error="invalid_token"` when it carried a token that is malformed, expired, or not signed by a trusted key.',
  { maxLength: 256, example: 'Bearer error="invalid_token"' },
);

/** The headers every response of a /v1 operation carries, whatever its status. */
export const V1_RESPONSE_HEADERS = {
  'X-Request-Id': REQUEST_ID_HEADER,
  'Cache-Control': PRIVATE_NO_STORE_HEADER,
  ...RATE_LIMIT_HEADERS,
} as const satisfies Record<string, HeaderObject>;
