import { randomBytes } from 'node:crypto';
import type { Api, ApiResponse, RequestOptions } from './http.js';
import type { Spec } from './spec.js';

// The suite is a list of named groups of named checks, run in order. A group that cannot run
// (the spec lacks its operations, an option it needs is missing) is reported as not run, with
// its reason, check by check: nothing is skipped silently.

export interface Options {
  baseUrl: string;
  tokenA: string;
  tokenB: string;
  /** Group names or "group: check" names (prefixes) to run; empty runs everything. */
  only: string[];
  /** Host (or host:port) at which the deployment reaches the webhook receiver this suite starts. */
  webhookHost?: string;
  /** The port the receiver listens on (0: any free port). */
  webhookPort: number;
  /** How long one request may take before its check fails. */
  requestTimeoutMs: number;
}

export type Who = 'a' | 'b';

export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

/** Fails the check with a message when the condition does not hold. */
export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** A response in one line: status, problem code and detail. */
export function describe(res: ApiResponse): string {
  const body = res.body as { code?: unknown; detail?: unknown } | undefined;
  const problem = body && typeof body === 'object' && typeof body.code === 'string' ? ` ${body.code}${typeof body.detail === 'string' ? ` (${body.detail.slice(0, 200)})` : ''}` : '';
  return `${res.method} ${res.path} answered ${res.status}${problem}`;
}

/** Fails unless the response has this status (and, for a problem, this code). */
export function expectStatus(res: ApiResponse, status: number, code?: string): void {
  const body = res.body as { code?: unknown } | undefined;
  if (res.status !== status || (code !== undefined && body?.code !== code)) {
    throw new CheckFailure(`expected ${status}${code ? ` ${code}` : ''}: ${describe(res)}`);
  }
}

/** The created objects of a run, deleted at its end (lists last: they take their todos along). */
export interface Created {
  who: Who;
  kind: 'todos' | 'labels' | 'lists' | 'webhooks';
  id: string;
}

export class Context {
  /** A tag in every title and name this run writes: it finds them again, and only them. */
  readonly marker = `conformance-${randomBytes(5).toString('hex')}`;
  readonly created: Created[] = [];
  /** Values groups share (the default list's id…). */
  readonly state = new Map<string, unknown>();
  /** What a group wants the report to say besides its checks (coverage numbers). */
  readonly notes: string[] = [];
  /** Groups that did not run, by name, with the reason. */
  readonly notRun = new Map<string, string>();
  /** The whole suite, as run. */
  groups: Group[] = [];

  constructor(
    readonly api: Api,
    readonly spec: Spec,
    readonly options: Options,
  ) {}

  /** What an earlier check of the group left for this one, or a failure that names that check. */
  need<T>(key: string, from: string): T {
    const value = this.state.get(key) as T | undefined;
    if (value === undefined) throw new CheckFailure(`cannot run: "${from}" did not succeed`);
    return value;
  }

  token(who: Who): string {
    return who === 'a' ? this.options.tokenA : this.options.tokenB;
  }

  request(who: Who | null, method: string, path: string, options: Omit<RequestOptions, 'token'> = {}): Promise<ApiResponse> {
    return this.api.request(method, path, { ...options, token: who === null ? null : this.token(who) });
  }

  /** POST a new object, expect 201, remember it for clean-up and return it. */
  async create<T extends { id: string }>(who: Who, kind: Created['kind'], json: unknown, headers?: Record<string, string>): Promise<{ res: ApiResponse; object: T }> {
    const res = await this.request(who, 'POST', `/v1/${kind}`, { json, headers });
    if (res.status === 201 && typeof (res.body as { id?: unknown } | undefined)?.id === 'string') {
      this.created.push({ who, kind, id: (res.body as T).id });
    }
    expectStatus(res, 201);
    return { res, object: res.body as T };
  }

  /** A fresh list of user `who`, for checks that need a known, empty scope. */
  async freshList(who: Who, name: string): Promise<{ id: string }> {
    return (await this.create<{ id: string }>(who, 'lists', { name: `${this.marker} ${name}` })).object;
  }
}

export interface Check {
  name: string;
  run(ctx: Context): Promise<void>;
}

export interface Group {
  name: string;
  /** Why the group cannot run here, or undefined when it can. */
  cannotRun?(ctx: Context): string | undefined;
  /** The spec paths it exercises (for the coverage check: not counted when the group did not run). */
  paths?: RegExp;
  checks: Check[];
}

export type Outcome = 'passed' | 'failed' | 'not run';

export interface CheckResult {
  group: string;
  name: string;
  outcome: Outcome;
  /** Why it failed or did not run. */
  message?: string;
  durationMs: number;
}

export const fullName = (group: string, check: string) => `${group}: ${check}`;

function selected(only: string[], group: string, check?: string): boolean {
  if (only.length === 0) return true;
  return only.some((o) => (check === undefined ? o === group || o.startsWith(`${group}:`) : o === group || fullName(group, check).startsWith(o)));
}

/** Runs the selected checks in order; the `always` groups (clean-up) run whatever was selected. */
export async function runSuite(ctx: Context, groups: Group[], always: Group[], onResult: (r: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const record = (r: CheckResult) => {
    results.push(r);
    onResult(r);
  };
  for (const group of [...groups, ...always]) {
    if (!always.includes(group) && !selected(ctx.options.only, group.name)) continue;
    const reason = group.cannotRun?.(ctx);
    if (reason) ctx.notRun.set(group.name, reason);
    for (const check of group.checks) {
      if (!always.includes(group) && !selected(ctx.options.only, group.name, check.name)) continue;
      if (reason) {
        record({ group: group.name, name: check.name, outcome: 'not run', message: reason, durationMs: 0 });
        continue;
      }
      const started = performance.now();
      ctx.api.log.violations.length = 0;
      let message: string | undefined;
      try {
        await check.run(ctx);
      } catch (error) {
        // A failure names what broke; anything else was not foreseen: its message and where it was thrown.
        message = error instanceof CheckFailure ? error.message : `unexpected error: ${error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 2).join('\n') : String(error)}`;
      }
      const violations = ctx.api.log.violations.splice(0);
      if (violations.length > 0) message = [message, `responses that break the spec:`, ...violations.map((v) => `  ${v}`)].filter(Boolean).join('\n');
      const durationMs = Math.round(performance.now() - started);
      record({ group: group.name, name: check.name, outcome: message === undefined ? 'passed' : 'failed', message, durationMs });
    }
  }
  return results;
}
