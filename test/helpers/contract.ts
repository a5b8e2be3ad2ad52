import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

// Every response a test receives is checked against the committed openapi/openapi.yaml, so
// the spec cannot lie: the status must be declared for the operation, and the content type,
// the required headers and the body must match what it declares.

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId: string;
  responses: Record<string, ResponseObject>;
}
type PathItem = Record<string, Operation>;

const specPath = path.resolve(import.meta.dirname, '../../openapi/openapi.yaml');
export const spec = parse(readFileSync(specPath, 'utf8')) as { paths: Record<string, PathItem>; components: Record<string, unknown> };

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema(spec, 'spec');

export const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();
/** A validator for the schema at a JSON pointer into the spec (without the leading `#/`). */
export function validatorFor(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: `spec#/${ref}` });
    compiled.set(ref, v);
  }
  return v;
}

const templates = Object.keys(spec.paths).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The spec's operation for a request, or undefined when the spec has no such route. */
export function findOperation(method: string, pathname: string): { template: string; operation: Operation } | undefined {
  const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  for (const { template, regex } of templates) {
    const operation = spec.paths[template]?.[m];
    if (operation && regex.test(pathname)) return { template, operation };
  }
  return undefined;
}

export const describeErrors = (validate: ValidateFunction) => ajv.errorsText(validate.errors);

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

const essence = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * Throws a ContractViolation when a response breaks the spec. Requests that match no
 * operation (unknown routes, wrong methods) must still answer with a Problem.
 */
export async function assertResponseMatchesSpec(method: string, url: string, response: Response): Promise<void> {
  const { pathname } = new URL(url, 'http://localhost');
  const where = `${method} ${pathname} → ${response.status}`;
  const found = findOperation(method, pathname);
  const text = method === 'HEAD' ? '' : await response.clone().text();
  if (!found) {
    // /v1 authenticates before routing, so an unknown /v1 path without a token is a 401.
    const allowed = [404, 405, ...(pathname.startsWith('/v1/') ? [401] : [])];
    if (!allowed.includes(response.status) && method !== 'OPTIONS') {
      throw new ContractViolation(`${where}: no operation in the spec for this request`);
    }
    if (method === 'OPTIONS') return;
    checkBody(where, 'components/schemas/Problem', 'application/problem+json', response, text);
    return;
  }
  const { template, operation } = found;
  const status = String(response.status);
  const declared = operation.responses[status] ?? operation.responses.default;
  if (!declared) {
    throw new ContractViolation(`${where}: status ${status} is not declared for ${operation.operationId} (declared: ${Object.keys(operation.responses).join(', ')})`);
  }
  for (const [name, header] of Object.entries(declared.headers ?? {})) {
    if (header.required && response.headers.get(name) === null) throw new ContractViolation(`${where}: required header ${name} is missing`);
  }
  if (!declared.content) {
    if (text.length > 0) throw new ContractViolation(`${where}: declared without a body, but has one`);
    return;
  }
  const type = essence(response.headers.get('content-type'));
  const media = declared.content[type];
  if (!media) throw new ContractViolation(`${where}: content type "${type}" is not declared (declared: ${Object.keys(declared.content).join(', ')})`);
  if (method === 'HEAD' || !/json/.test(type)) return;
  const base = Object.keys(operation.responses).includes(status) ? status : 'default';
  checkBody(where, pointer('paths', template, method.toLowerCase() === 'head' ? 'get' : method.toLowerCase(), 'responses', base, 'content', type, 'schema'), type, response, text);
}

function checkBody(where: string, ref: string, type: string, response: Response, text: string) {
  if (essence(response.headers.get('content-type')) !== type) {
    throw new ContractViolation(`${where}: content type "${response.headers.get('content-type')}", expected ${type}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ContractViolation(`${where}: body is not JSON: ${text.slice(0, 200)}`);
  }
  const validate = validatorFor(ref);
  if (!validate(body)) {
    throw new ContractViolation(`${where}: body does not match the spec: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`);
  }
}

/** fetch, with every response checked against the spec: for tests that call a server process. */
export async function checkedFetch(input: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  await assertResponseMatchesSpec(init?.method ?? 'GET', input, response);
  return response;
}
