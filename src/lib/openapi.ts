import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from '@hono/zod-openapi';
import { stringify } from 'yaml';
import { projectRoot } from './paths.js';
import { PROBLEMS, PROBLEM_CODES, problemType, type ProblemCode } from './problems.js';
import type { AppOpenAPI } from './types.js';

const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };

export const FieldErrorSchema = z
  .object({
    path: z.string().max(256).openapi({
      description: 'Where the offending value is: `body.<field>`, `query.<name>`, `header.<name>` or `path.<name>`.',
      example: 'body.title',
    }),
    message: z.string().max(1024).openapi({ description: 'What is wrong with it, for a person to read.', example: 'Too small: expected string to have >=1 characters' }),
  })
  .openapi('FieldError');

export const ProblemSchema = z
  .object({
    type: z.string().max(256).openapi({
      format: 'uri-reference',
      description: 'A URI reference that identifies the problem type; it resolves to a page of this service that documents it.',
      example: problemType('validation_failed'),
    }),
    title: z.string().max(256).openapi({ description: 'A short summary of the problem type; the same for every occurrence.', example: PROBLEMS.validation_failed.title }),
    status: z.number().int().min(400).max(599).openapi({ format: 'int32', description: 'The HTTP status code of this response.', example: 422 }),
    detail: z.string().max(2048).openapi({ description: 'What went wrong in this occurrence, for a person to read.', example: 'One or more fields are invalid; see errors.' }),
    instance: z.string().max(2048).openapi({ format: 'uri-reference', description: 'The path of the request that failed (cut at 2048 characters).', example: '/v1/todos' }),
    code: z.enum(PROBLEM_CODES).openapi({
      description: `A stable machine-readable code; branch on this, not on \`title\` or \`detail\`.\n\n${PROBLEM_CODES.map(
        (code) => `- \`${code}\` (${PROBLEMS[code].status}): ${PROBLEMS[code].description}`,
      ).join('\n')}`,
      example: 'validation_failed',
    }),
    request_id: z.string().max(128).openapi({ description: 'The `X-Request-Id` of the request; quote it when reporting a problem.', example: '0f8fad5b-d9cb-469f-a165-70867728950e' }),
    errors: z.array(FieldErrorSchema).max(100).optional().openapi({ description: 'Present on `validation_failed`: one entry per offending field (at most 100).' }),
  })
  .openapi('Problem', {
    description: 'An RFC 9457 problem details object: the body of every error response.',
  });

interface HeaderObject {
  description: string;
  required?: boolean;
  schema: { type: 'string'; maxLength: number; pattern?: string } | { type: 'integer'; format: 'int32'; minimum: number; maximum: number };
  [extension: `x-${string}`]: unknown;
}

export const REQUEST_ID_HEADER: HeaderObject = {
  description: "The request's id: the caller's `X-Request-Id` when it is a sane token of at most 128 characters, else a new one.",
  required: true,
  schema: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9_=-]{1,128}$' },
};

const RETRY_AFTER_HEADER: HeaderObject = {
  description: 'Seconds to wait before retrying.',
  required: true,
  schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
};

export const PRIVATE_NO_STORE_HEADER: HeaderObject = {
  description: 'Always `private, no-store`: per-user data that no cache may keep.',
  required: true,
  schema: { type: 'string', maxLength: 32 },
};

export const IDEMPOTENT_REPLAYED_HEADER: HeaderObject = {
  description: '`true` when this is the stored response to an earlier request with the same `Idempotency-Key`.',
  required: false,
  schema: { type: 'string', maxLength: 4 },
};

const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  RateLimit: {
    description:
      'IETF draft RateLimit header: `"default";r=<requests left>;t=<seconds until the quota is full again>`. Present on every authenticated /v1 response while rate limiting is on.',
    required: false,
    schema: { type: 'string', maxLength: 128 },
  },
  'RateLimit-Policy': {
    description: 'IETF draft RateLimit-Policy header: `"default";q=<requests>;w=<window seconds>`, a per-user token bucket.',
    required: false,
    schema: { type: 'string', maxLength: 128 },
  },
};

/** Adds the RateLimit headers to every 2xx and 4xx response of a rate-limited (/v1) route. */
export function withRateLimitHeaders<R extends Record<string | number, { headers?: unknown }>>(responses: R): R {
  const out: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(responses)) {
    out[status] = /^[24]/.test(status) ? { ...response, headers: { ...(response.headers as object), ...RATE_LIMIT_HEADERS } } : response;
  }
  return out as R;
}

/** A string header of the contract: every string in it has a bounded length. */
export function stringHeader(description: string, { required = true, maxLength = 2048 } = {}): HeaderObject {
  return { description, required, schema: { type: 'string', maxLength } };
}

type ProblemStatus = (typeof PROBLEMS)[ProblemCode]['status'];

/** Declares the problem responses a route can return; every route spreads these into `responses`. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]) {
  const out = {} as Record<S, { description: string; headers: Record<string, HeaderObject>; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
  for (const status of statuses) {
    const codes = PROBLEM_CODES.filter((code) => PROBLEMS[code].status === status);
    const headers: Record<string, HeaderObject> = { 'X-Request-Id': REQUEST_ID_HEADER };
    if (status === 401) headers['WWW-Authenticate'] = stringHeader('Always `Bearer error="invalid_token"` (RFC 6750).', { maxLength: 256 });
    if (status === 429 || status === 503) headers['Retry-After'] = RETRY_AFTER_HEADER;
    // idempotency_key_in_use says when to retry; other conflicts do not.
    if (status === 409) headers['Retry-After'] = { ...RETRY_AFTER_HEADER, required: false, description: 'On `idempotency_key_in_use`: seconds to wait before retrying.' };
    out[status] = {
      description: codes.map((code) => PROBLEMS[code].description).join(' '),
      headers,
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return out;
}

const DOCUMENT_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Todo API',
    version: pkg.version,
    description: [
      'A multi-user Todo API. Every todo belongs to one user; a todo of another user behaves exactly like one that does not exist.',
      '',
      'Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. Every response carries `X-Request-Id`.',
    ].join('\n'),
    license: { name: 'MIT', identifier: 'MIT' },
    contact: { name: 'Todo API maintainers' },
  },
  servers: [
    {
      url: '/',
      description: 'The deployment that serves this document: local development (`npm start`, http://127.0.0.1:3000) or production.',
      'x-internal': false,
    },
  ],
  tags: [
    { name: 'Todos', description: "The caller's todos. Every todo belongs to one user and is invisible to all others." },
    { name: 'Users', description: 'The caller: the user a bearer token belongs to, created on its first request.' },
    { name: 'Operations', description: 'Health checks, the OpenAPI document and its documentation.' },
  ],
};

/** The OpenAPI 3.1 document of an app; `npm run openapi` writes it to openapi/openapi.yaml. */
export function buildOpenAPIDocument(app: AppOpenAPI) {
  return app.getOpenAPI31Document(DOCUMENT_INFO);
}

export function registerSecuritySchemes(app: AppOpenAPI): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A JWT from the identity provider the service is configured for (`AUTH_JWT_SECRET` for HS256, or `AUTH_JWKS_URL` for EdDSA, ES256 or RS256). Verified following RFC8725 (JWT best current practices): algorithms are pinned, `none` is refused, `exp` and `sub` are required, and `iss`/`aud` are checked when configured.',
  });
}

export function toYaml(document: unknown): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
