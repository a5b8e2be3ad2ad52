import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { parseIfMatch } from './etag.js';
import { ApiError } from './errors.js';
import { V1_RESPONSE_HEADERS, stringHeader, type HeaderObject } from './openapi-headers.js';
import { problemResponses, type ProblemResponseConfig, type StatusOf } from './openapi.js';
import { declareFieldNames, type FieldNames } from './problem-response.js';
import { PROBLEMS, type ProblemCode, type ProblemExample } from './problems.js';
import { undecodableQueryError, undecodableQueryParameters } from './query-encoding.js';

// The /v1 route kit: a route declares its request, its own responses and its own problems;
// the kit adds what every /v1 operation shares (bearer security, the problems the middleware
// can answer, the common headers), so no route can forget or misdescribe them.

/** Problems the /v1 middleware can answer on any operation: authentication, the email claim, rate limit, failures. */
const COMMON_PROBLEMS = ['unauthorized', 'conflict', 'rate_limited', 'internal_error', 'service_unavailable'] as const;
/** Any method that may carry a body has it size-checked and read in time, declared body or not. */
const WRITE_PROBLEMS = ['request_timeout', 'payload_too_large'] as const;
/** A declared body is parsed (malformed JSON) and its content type checked. */
const BODY_PROBLEMS = ['bad_request', 'unsupported_media_type'] as const;
/** A declared query is decoded first: percent-encoding that is not UTF-8 is a 400 (src/lib/query-encoding.ts). */
const QUERY_PROBLEMS = ['bad_request'] as const;
/** Whatever the request declares is validated by the default hook. */
const VALIDATED_PROBLEMS = ['validation_failed'] as const;
/** Problems a request header brings with it: only an operation that takes the header can answer them. */
const HEADER_PROBLEMS = {
  'idempotency-key': ['idempotency_key_in_use', 'idempotency_key_reused'],
  'if-match': ['precondition_failed', 'invalid_if_match'],
} as const satisfies Record<string, readonly ProblemCode[]>;

const SECURITY: Array<{ bearerAuth: string[] }> = [{ bearerAuth: [] }];

export type V1RouteConfig = Omit<RouteConfig, 'path' | 'security'> & {
  path: `/v1/${string}`;
  /** The problems this operation answers besides the ones the kit adds (e.g. `not_found`). */
  errors?: readonly ProblemCode[];
};

type RequestOf<R> = R extends { request: infer Q } ? NonNullable<Q> : Record<never, never>;
type Declares<R, Part extends string> = Part extends keyof RequestOf<R> ? (undefined extends RequestOf<R>[Part] ? false : true) : false;
type HeaderNames<R> = RequestOf<R> extends { headers: infer H extends z.ZodType } ? Lowercase<keyof z.input<H> & string> : never;

/** The problem codes the kit declares for a route (the type-level twin of `kitCodes`). */
export type V1ProblemCodes<R extends V1RouteConfig> =
  | (typeof COMMON_PROBLEMS)[number]
  | (R['method'] extends 'get' | 'head' | 'options' ? never : (typeof WRITE_PROBLEMS)[number])
  | (Declares<R, 'body'> extends true ? (typeof BODY_PROBLEMS)[number] : never)
  | (Declares<R, 'query'> extends true ? (typeof QUERY_PROBLEMS)[number] : never)
  | ([keyof RequestOf<R>] extends [never] ? never : (typeof VALIDATED_PROBLEMS)[number])
  | { [H in keyof typeof HEADER_PROBLEMS]: H extends HeaderNames<R> ? (typeof HEADER_PROBLEMS)[H][number] : never }[keyof typeof HEADER_PROBLEMS]
  | (R extends { errors: readonly (infer C extends ProblemCode)[] } ? C : never);

type KitStatus<R extends V1RouteConfig> = StatusOf<V1ProblemCodes<R>>;
type Own<R extends V1RouteConfig> = R['responses'];
type WithSharedHeaders<T> = Omit<T, 'headers'> & { headers: typeof V1_RESPONSE_HEADERS & (T extends { headers: infer H } ? H : Record<never, never>) };

/** The route's responses and the kit's: where both declare a status, the route's fields win. */
export type V1Responses<R extends V1RouteConfig> = {
  [S in keyof Own<R> | KitStatus<R>]: S extends keyof Own<R>
    ? S extends KitStatus<R>
      ? Omit<ProblemResponseConfig, keyof Own<R>[S]> & WithSharedHeaders<Own<R>[S]>
      : WithSharedHeaders<Own<R>[S]>
    : ProblemResponseConfig;
};

export type V1Route<R extends V1RouteConfig> = Omit<R, 'errors' | 'responses'> & { security: typeof SECURITY; responses: V1Responses<R> };

function headerNames(headers: z.ZodType | z.ZodType[] | undefined): string[] {
  const schemas = headers === undefined ? [] : Array.isArray(headers) ? headers : [headers];
  return schemas.flatMap((schema) => (schema instanceof z.ZodObject ? Object.keys(schema.shape).map((name) => name.toLowerCase()) : []));
}

function kitCodes(config: V1RouteConfig): ProblemCode[] {
  const request = config.request ?? {};
  const headers = headerNames(request.headers);
  return [
    ...COMMON_PROBLEMS,
    ...(['get', 'head', 'options'].includes(config.method) ? [] : WRITE_PROBLEMS),
    ...(request.body ? BODY_PROBLEMS : []),
    ...(request.query ? QUERY_PROBLEMS : []),
    ...(Object.values(request).some((part) => part !== undefined) ? VALIDATED_PROBLEMS : []),
    ...Object.entries(HEADER_PROBLEMS).flatMap(([name, codes]) => (headers.includes(name) ? codes : [])),
    ...(config.errors ?? []),
  ];
}

/**
 * The 422 example of an operation: what its own validation says about a typical bad input
 * (a body missing its fields, an empty query parameter, a malformed path parameter).
 */
function validationExample(request: NonNullable<RouteConfig['request']>): ProblemExample | undefined {
  const media = Object.values(request.body?.content ?? {})[0];
  const body = media && 'schema' in media ? media.schema : undefined;
  const attempts: Array<[target: string, schema: unknown, inputs: (keys: string[]) => unknown[]]> = [
    ['body', body, (keys) => [{}, { [keys[0]!]: null }]],
    ['query', request.query, (keys) => [{ [keys[0]!]: '' }]],
    ['path', request.params, (keys) => [Object.fromEntries(keys.map((key) => [key, 'x']))]],
  ];
  for (const [target, schema, inputs] of attempts) {
    if (!(schema instanceof z.ZodObject) || Object.keys(schema.shape).length === 0) continue;
    for (const input of inputs(Object.keys(schema.shape))) {
      const result = schema.safeParse(input);
      const issue = result.error?.issues[0];
      if (issue) return { detail: PROBLEMS.validation_failed.example.detail, errors: [{ path: [target, ...issue.path.map(String)].join('.'), message: issue.message }] };
    }
  }
  return undefined;
}

/** The 400 an operation answers to a text parameter that cannot be decoded: its `q`, else its `cursor`, else its first. */
function undecodableQueryExample(query: unknown): ProblemExample {
  const names = query instanceof z.ZodObject ? Object.keys(query.shape) : [];
  const name = ['q', 'cursor'].find((text) => names.includes(text)) ?? names[0] ?? 'q';
  const error = undecodableQueryError([{ name, part: 'value' }]);
  return { detail: error.detail!, errors: error.errors };
}

/** `a`, `a or b`, `a, b or c`. */
const orList = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
// A media type and its parameters (`; charset=utf-8`), in the form zod-openapi's own check accepts.
const CONTENT_TYPE = /^([^\s;]+)((?:;\s*[a-zA-Z0-9-]+=[^;]+)*)$/;

/** The 415 for a body sent as something the operation does not declare, naming what it does. */
function unsupportedMediaType(sent: string | undefined, declared: string[], headers: Record<string, string>): ApiError {
  const accepted = orList(declared);
  const essence = sent?.split(';')[0]!.trim().toLowerCase().slice(0, 100);
  let detail =
    essence === undefined ? `The request has a body but no Content-Type: send it as ${accepted}.` : `This operation takes its body as ${accepted}, not ${essence}.`;
  if (essence !== undefined && declared.includes(essence)) {
    detail = `The parameters of the Content-Type header cannot be parsed: send it as ${accepted}, optionally with parameters such as ; charset=utf-8.`;
  } else if (essence === JSON_PATCH && declared.includes(MERGE_PATCH)) {
    detail = `JSON Patch (RFC 6902, ${JSON_PATCH}) is not supported: send a JSON Merge Patch (RFC 7396), an object of the fields to change, as ${accepted}.`;
  }
  return new ApiError('unsupported_media_type', { detail, headers });
}

/**
 * What the kit checks on each request of an operation before its validators run: a declared
 * query decodes as UTF-8 (Hono would keep an undecodable escape as text), the body's content
 * type is exactly one the operation declares (Hono's JSON validator would take any `+json`),
 * If-Match is a list of entity tags, and the validation hook learns the names the operation
 * takes, so that an unknown one is answered with them.
 */
function requestGuard(config: V1RouteConfig): MiddlewareHandler {
  const request = config.request ?? {};
  const takesQuery = request.query !== undefined;
  const declared = Object.keys(request.body?.content ?? {}).map((type) => type.toLowerCase());
  const takesIfMatch = headerNames(request.headers).includes('if-match');
  const mediaSchema = Object.values(request.body?.content ?? {})[0];
  const bodySchema = mediaSchema && 'schema' in mediaSchema ? mediaSchema.schema : undefined;
  const names: FieldNames = {
    ...(bodySchema instanceof z.ZodObject ? { body: Object.keys(bodySchema.shape) } : {}),
    ...(request.query instanceof z.ZodObject ? { query: Object.keys(request.query.shape) } : {}),
  };
  const rejectionHeaders: Record<string, string> = config.method === 'patch' ? { 'Accept-Patch': declared.join(', ') } : {};
  return async (c, next) => {
    declareFieldNames(c, names);
    if (takesQuery) {
      const undecodable = undecodableQueryParameters(c.req.url);
      if (undecodable.length > 0) throw undecodableQueryError(undecodable);
    }
    if (takesIfMatch) parseIfMatch(c.req.header('if-match'));
    if (declared.length > 0) {
      const sent = c.req.header('content-type') || undefined;
      // The body was read before the route runs (src/middleware/read-body.ts): this reads it from memory.
      const ok = sent === undefined ? (await c.req.text()).length === 0 : declared.includes(CONTENT_TYPE.exec(sent)?.[1]?.toLowerCase() ?? '');
      if (!ok) throw unsupportedMediaType(sent, declared, rejectionHeaders);
    }
    await next();
  };
}

/**
 * A /v1 operation: `createRoute` plus bearer security, the problems every /v1 operation can
 * answer (and those its body, query and headers bring), each with its own example, and the
 * shared headers on every response. The route lists only its own responses and `errors`.
 */
export function createV1Route<R extends V1RouteConfig>(config: R) {
  const { errors: _errors, responses: own, ...rest } = config;
  const declared = Object.keys(config.request?.body?.content ?? {});
  const accepted = orList(declared.map((type) => `\`${type}\``));
  const validation = validationExample(config.request ?? {});
  const responses: Record<string, unknown> = problemResponses(kitCodes(config), {
    path: config.path,
    headers: V1_RESPONSE_HEADERS,
    describe: {
      unsupported_media_type: `The request body must be sent as ${accepted}; any other content type, including other \`+json\` types${declared.includes(MERGE_PATCH) ? ' and JSON Patch (`application/json-patch+json`, RFC 6902)' : ''}, is refused.`,
      bad_request: `The request could not be parsed: ${orList([...(config.request?.body ? ['its body is not valid JSON'] : []), ...(config.request?.query ? ['its query string cannot be decoded (a parameter that is not UTF-8 text, percent-encoded; `errors[]` names each one, `query.<name>`)'] : [])])}.`,
    },
    examples: {
      unsupported_media_type: {
        detail: declared.includes(MERGE_PATCH)
          ? unsupportedMediaType(JSON_PATCH, declared, {}).detail!
          : unsupportedMediaType('text/plain', declared, {}).detail!,
      },
      ...(config.request?.body ? {} : { bad_request: undecodableQueryExample(config.request?.query) }),
      ...(validation ? { validation_failed: validation } : {}),
    },
  });
  for (const [status, response] of Object.entries(own)) {
    if ('$ref' in response) throw new Error(`${config.path}: response ${status} must be declared inline, not as a reference`);
    if (response.headers instanceof z.ZodType) throw new Error(`${config.path}: response ${status} must declare its headers as header objects`);
    const base = responses[status] as ProblemResponseConfig | undefined;
    const headers = { ...(base?.headers ?? V1_RESPONSE_HEADERS), ...(response.headers as Record<string, HeaderObject> | undefined) };
    responses[status] = { ...base, ...response, headers };
  }
  // RFC 5789 §2.2: a 415 to a PATCH says which patch formats the resource takes.
  const unsupported = responses['415'] as ProblemResponseConfig | undefined;
  if (unsupported && config.method === 'patch') {
    unsupported.headers = { ...unsupported.headers, 'Accept-Patch': stringHeader('The patch formats this operation accepts (RFC 5789).', { maxLength: 256, example: 'application/merge-patch+json, application/json' }) };
  }
  const guard = requestGuard(config);
  const routeMiddleware = (rest as { middleware?: MiddlewareHandler | MiddlewareHandler[] }).middleware;
  const middleware = [guard, ...(routeMiddleware === undefined ? [] : Array.isArray(routeMiddleware) ? routeMiddleware : [routeMiddleware])];
  const route = createRoute({ ...rest, middleware, security: SECURITY, responses: responses as R['responses'] });
  return route as unknown as V1Route<R> & { getRoutingPath(): ReturnType<typeof route.getRoutingPath> };
}
