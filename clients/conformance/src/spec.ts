import { readFile } from 'node:fs/promises';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

// The OpenAPI document the deployment is checked against, and the check of one response
// against it (status declared, required headers, content type, body schema).

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  headers?: Record<string, { required?: boolean; $ref?: string }>;
  content?: Record<string, MediaType>;
}
export interface Operation {
  operationId: string;
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  info?: { title?: string; version?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
}

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface SpecOperation {
  method: string;
  template: string;
  operation: Operation;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const essence = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

export class Spec {
  readonly operations: SpecOperation[];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; regex: RegExp }>;

  constructor(
    readonly document: OpenApiDocument,
    /** Where it came from, for the report. */
    readonly source: string,
  ) {
    if (typeof document !== 'object' || document === null || typeof document.openapi !== 'string' || typeof document.paths !== 'object') {
      throw new Error(`${source} is not an OpenAPI document (no "openapi" version or no "paths")`);
    }
    (addFormats as unknown as (a: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema(document, 'spec');
    this.operations = Object.entries(document.paths).flatMap(([template, item]) =>
      METHODS.filter((m) => typeof item[m]?.responses === 'object').map((method) => ({ method, template, operation: item[method]! })),
    );
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The spec's operation for a request, or undefined when the spec has no such route. */
  find(method: string, pathname: string): SpecOperation | undefined {
    const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    // A literal segment wins over a template one (/v1/changes/latest before /v1/changes/{id}).
    const matches = this.templates.filter(({ template, regex }) => regex.test(pathname) && this.document.paths[template]?.[m]);
    matches.sort((a, b) => a.template.split('{').length - b.template.split('{').length);
    const template = matches[0]?.template;
    return template === undefined ? undefined : { method: m, template, operation: this.document.paths[template]![m]! };
  }

  hasPath(prefix: string): boolean {
    return this.operations.some((op) => op.template === prefix || op.template.startsWith(`${prefix}/`));
  }

  private validator(ref: string): ValidateFunction {
    let v = this.compiled.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: `spec#/${ref}` });
      this.compiled.set(ref, v);
    }
    return v;
  }

  private resolve<T extends { $ref?: string }>(object: T): T {
    let current = object;
    for (let depth = 0; current.$ref && depth < 10; depth++) {
      const parts = current.$ref.replace(/^#\//, '').split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
      let target: unknown = this.document;
      for (const part of parts) target = (target as Record<string, unknown> | undefined)?.[part];
      if (!target) throw new Error(`the spec's ${current.$ref} does not resolve`);
      current = target as T;
    }
    return current;
  }

  /**
   * What is wrong with a response, by the spec; empty when it conforms. Requests that match
   * no operation (an unknown route, a wrong method) must still answer with a Problem.
   */
  violations(method: string, pathname: string, status: number, headers: Headers, text: string): string[] {
    const where = `${method} ${pathname} → ${status}`;
    const found = this.find(method, pathname);
    if (!found) {
      if (![401, 404, 405].includes(status)) return [`${where}: no operation in the spec for this request`];
      return this.checkBody(where, 'components/schemas/Problem', headers, text, 'application/problem+json');
    }
    const { template, operation } = found;
    const key = operation.responses[String(status)] ? String(status) : 'default';
    const raw = operation.responses[key];
    if (!raw) return [`${where}: status ${status} is not declared for ${operation.operationId} (declared: ${Object.keys(operation.responses).join(', ')})`];
    const declared = this.resolve(raw);
    const problems: string[] = [];
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      if (this.resolve(header).required && headers.get(name) === null) problems.push(`${where}: required header ${name} is missing`);
    }
    if (!declared.content) {
      if (text.length > 0) problems.push(`${where}: declared without a body, but has one`);
      return problems;
    }
    const type = essence(headers.get('content-type'));
    if (!declared.content[type]) {
      problems.push(`${where}: content type "${type}" is not declared (declared: ${Object.keys(declared.content).join(', ')})`);
      return problems;
    }
    if (method.toUpperCase() === 'HEAD' || !/json/.test(type)) return problems;
    const base = raw.$ref ? raw.$ref.replace(/^#\//, '') : pointer('paths', template, found.method, 'responses', key);
    return [...problems, ...this.checkBody(where, `${base}/${pointer('content', type, 'schema')}`, headers, text, type)];
  }

  private checkBody(where: string, ref: string, headers: Headers, text: string, type: string): string[] {
    if (essence(headers.get('content-type')) !== type) return [`${where}: content type "${headers.get('content-type')}", expected ${type}`];
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [`${where}: body is not JSON: ${text.slice(0, 200)}`];
    }
    const validate = this.validator(ref);
    if (validate(body)) return [];
    return [`${where}: body does not match the spec: ${this.ajv.errorsText(validate.errors)} (body: ${text.slice(0, 300)})`];
  }
}

/** The spec from a file (YAML or JSON) or from the deployment's /openapi.json. */
export async function loadSpec(baseUrl: string, file: string | undefined): Promise<Spec> {
  if (file) return new Spec(parse(await readFile(file, 'utf8')) as OpenApiDocument, file);
  const url = new URL('/openapi.json', baseUrl).href;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new Error(`cannot fetch the spec from ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (response.status !== 200) throw new Error(`cannot fetch the spec from ${url}: status ${response.status} (give the spec with --spec <file>)`);
  return new Spec((await response.json()) as OpenApiDocument, url);
}
