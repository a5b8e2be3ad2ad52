import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from '@hono/zod-openapi';
import { stringify } from 'yaml';
import { API_GUIDE } from './api-guide.js';
import { projectRoot } from './paths.js';
import { type HeaderObject, REQUEST_ID_HEADER, RETRY_AFTER_HEADER, WWW_AUTHENTICATE_HEADER } from './openapi-headers.js';
import { PROBLEMS, PROBLEM_CODES, problemType, type ProblemCode, type ProblemExample } from './problems.js';
import type { AppOpenAPI } from './types.js';

const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };

export const FieldErrorSchema = z
  .object({
    path: z.string().max(256).openapi({
      description:
        'Where the offending value is: `body.<field>`, `query.<name>`, `header.<name>` or `path.<name>`; in a batch (`POST /v1/batch`), a place in its body such as `operations/3/data/title`.',
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
    errors: z
      .array(FieldErrorSchema)
      .max(100)
      .optional()
      .openapi({
        description:
          'Present on `validation_failed`: one entry per offending field (at most 100); and on a `bad_request` for a query string that cannot be decoded: one entry per query parameter that is not UTF-8, percent-encoded (`query.<name>`). A batch\'s problems also name the operation that failed (`operations/2/id`).',
      }),
  })
  .openapi('Problem', {
    description: 'An RFC 9457 problem details object: the body of every error response.',
  });

type ProblemStatus = (typeof PROBLEMS)[ProblemCode]['status'];
/** The HTTP status of each of some problem codes. */
export type StatusOf<C extends ProblemCode> = (typeof PROBLEMS)[C]['status'];

export interface ProblemResponseConfig {
  description: string;
  headers: Record<string, HeaderObject>;
  content: { 'application/problem+json': { schema: typeof ProblemSchema; example?: unknown; examples?: Record<string, { summary: string; value: unknown }> } };
}

export interface ProblemResponseOptions {
  /** The path template of the operation: the `instance` of its examples. */
  path: string;
  /** Headers every response of the operation carries (X-Request-Id when not given). */
  headers?: Record<string, HeaderObject>;
  /** Per-operation wording of a code's description, and of its example (else the one in problems.ts). */
  describe?: Partial<Record<ProblemCode, string>>;
  examples?: Partial<Record<ProblemCode, ProblemExample>>;
}

/** Path parameters as they look in an example `instance`. */
const PATH_PARAM_EXAMPLES: Record<string, string> = {
  id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f',
  asset: 'swagger-ui.css.map',
  slug: 'no-such-problem',
};

const EXAMPLE_REQUEST_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** A realistic body of one problem on one operation: its own status, code and detail. */
export function problemExample(code: ProblemCode, { path, examples }: Pick<ProblemResponseOptions, 'path' | 'examples'>) {
  // Widened: a code added later without an example still gets one, from its description.
  const problem: { status: number; title: string; description: string; example?: ProblemExample } = PROBLEMS[code];
  const example = examples?.[code] ?? problem.example ?? { detail: problem.description };
  return {
    type: problemType(code),
    title: problem.title,
    status: problem.status,
    detail: example.detail,
    instance: path.replace(/\{(\w+)\}/g, (_, name: string) => PATH_PARAM_EXAMPLES[name] ?? name),
    code,
    request_id: EXAMPLE_REQUEST_ID,
    ...(example.errors ? { errors: example.errors } : {}),
  };
}

/**
 * Declares the problem responses of an operation, one per status of the given codes. A
 * status's description and examples cover exactly the codes given for it: a code that the
 * operation cannot answer must not be listed. /v1 routes get theirs from `createV1Route`.
 */
export function problemResponses<const C extends ProblemCode>(codes: readonly C[], options: ProblemResponseOptions): Record<StatusOf<C>, ProblemResponseConfig> {
  const byStatus = new Map<ProblemStatus, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEMS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out = {} as Record<ProblemStatus, ProblemResponseConfig>;
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const statusCodes = byStatus.get(status)!;
    const describe = (code: ProblemCode) => options.describe?.[code] ?? PROBLEMS[code].description;
    const headers: Record<string, HeaderObject> = { ...(options.headers ?? { 'X-Request-Id': REQUEST_ID_HEADER }) };
    if (status === 401) headers['WWW-Authenticate'] = WWW_AUTHENTICATE_HEADER;
    if (status === 429 || status === 503) headers['Retry-After'] = RETRY_AFTER_HEADER;
    // idempotency_key_in_use says when to retry; the other conflicts do not.
    if (statusCodes.includes('idempotency_key_in_use')) {
      headers['Retry-After'] = { ...RETRY_AFTER_HEADER, required: statusCodes.length === 1, description: 'On `idempotency_key_in_use`: seconds to wait before retrying.' };
    }
    const examples = statusCodes.map((code) => [code, { summary: PROBLEMS[code].title, value: problemExample(code, options) }] as const);
    out[status] = {
      description:
        statusCodes.length === 1
          ? `${describe(statusCodes[0]!)} (\`${statusCodes[0]}\`)`
          : [`One of these problems, by \`code\`:`, '', ...statusCodes.map((code) => `- \`${code}\`: ${describe(code)}`)].join('\n'),
      headers,
      content: {
        'application/problem+json':
          examples.length === 1 ? { schema: ProblemSchema, example: examples[0]![1].value } : { schema: ProblemSchema, examples: Object.fromEntries(examples) },
      },
    };
  }
  return out;
}

const DOCUMENT_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Todo API',
    version: pkg.version,
    description: API_GUIDE,
    license: { name: 'MIT', identifier: 'MIT' },
    contact: { name: 'Todo API maintainers' },
  },
  servers: [
    {
      url: '/',
      description: 'The deployment that serves this document: local development (npm start, http://127.0.0.1:3000) or production.',
      'x-internal': false,
    },
  ],
  tags: [
    { name: 'Todos', description: "The caller's todos. Every todo belongs to one user and is invisible to all others." },
    { name: 'Lists', description: "The caller's lists of todos, in an order the caller sets, each with its todo counts. Every user has one default list, \"Inbox\". Every list belongs to one user and is invisible to all others." },
    { name: 'Labels', description: "The caller's labels: names (unique per user, ignoring case) with an optional colour. Every label belongs to one user and is invisible to all others." },
    { name: 'Batch', description: 'Many creates, updates, deletes and moves of todos, lists and labels in one request and one transaction: all take effect, or none does.' },
    { name: 'Changes', description: "The change feed: every change of the caller's todos, lists and labels, deletions included, in commit order, for clients that keep a local copy." },
    { name: 'Webhooks', description: "Endpoints that receive signed events (Standard Webhooks) about the caller's todos, lists and labels, and their delivery attempts. The events are described under Webhooks." },
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
