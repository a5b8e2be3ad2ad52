import { cpSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { newSubject, signToken } from '../helpers/tokens.js';
import { root, runCommand, type CommandResult } from '../sdk/run-command.js';

// The conformance suite as an integrator runs it: packed with `npm pack -w`, installed from the
// tarball into an empty project and started with `npx todo-api-conformance`. It passes against
// the service, and fails, naming what broke, against servers that break the contract: the
// bench's raw baseline (todos only, no idempotency, no spec served) and the service behind
// proxies that drop If-Match, drop Idempotency-Key, or serve the second user as the first.

const tmp = mkdtempSync(path.join(tmpdir(), 'conformance-'));
const layoutDir = path.join(tmp, 'layout');
const packDir = path.join(tmp, 'pack');
const projectDir = path.join(tmp, 'project');
const specFile = path.join(root, 'openapi', 'openapi.yaml');
const specHasWebhooks = Object.keys((parse(readFileSync(specFile, 'utf8')) as { paths: Record<string, unknown> }).paths).some((p) => p.startsWith('/v1/webhooks'));
// The npm settings of the run that started vitest must not leak into the integrator's npm.
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));

const databases: TestDatabase[] = [];
const processes: ServerProcess[] = [];
let serviceUrl = '';
let baselineUrl = '';
const proxies: Server[] = [];
let dropIfMatchUrl = '';
let dropIdempotencyUrl = '';
let leakUrl = '';
let leakTokens: [string, string] = ['', ''];

/** `npm pack -w @todo-api/conformance` in a copy of the repository's layout: the worktree's dist/ is left alone. */
async function packAndInstall(): Promise<void> {
  mkdirSync(path.join(layoutDir, 'clients'), { recursive: true });
  copyFileSync(path.join(root, 'package.json'), path.join(layoutDir, 'package.json'));
  const source = path.join(root, 'clients', 'conformance');
  cpSync(source, path.join(layoutDir, 'clients', 'conformance'), { recursive: true, filter: (file) => !/^(dist|node_modules)(\/|$)/.test(path.relative(source, file)) });
  // tsc and the dependencies' types come from the repository, as in the workspace.
  symlinkSync(path.join(root, 'node_modules'), path.join(layoutDir, 'node_modules'), 'dir');
  mkdirSync(packDir);
  const pack = await runCommand('npm', ['pack', '-w', '@todo-api/conformance', '--pack-destination', packDir], { cwd: layoutDir, env: npmEnv, timeoutMs: 120_000 });
  expect(pack.code, `npm pack failed:\n${pack.output}`).toBe(0);
  const tarballs = readdirSync(packDir).filter((file) => file.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  mkdirSync(projectDir);
  writeFileSync(path.join(projectDir, 'package.json'), JSON.stringify({ name: 'integrator-ci', private: true }, null, 2));
  // ajv, ajv-formats and yaml from npm's cache where it has them (npm ci put their tarballs there), else the registry.
  const install = await runCommand('npm', ['install', path.join(packDir, tarballs[0]!), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: projectDir, env: npmEnv, timeoutMs: 120_000 });
  expect(install.code, `npm install of the tarball failed:\n${install.output}`).toBe(0);
}

async function untilUp(url: string, probe: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${url}${probe}`).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${probe} after ${timeoutMs} ms (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startService(): Promise<void> {
  const db = await createTestDatabase();
  databases.push(db);
  const server = spawnServer({ DATABASE_URL: db.url, HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: path.join(tmp, 'data') });
  processes.push(server);
  serviceUrl = await server.ready;
  await untilUp(serviceUrl, '/health/ready');
}

/** The bench's raw baseline on its own database: it implements the todos routes only. */
async function startBaseline(): Promise<void> {
  const db = await createTestDatabase();
  databases.push(db);
  const port = await freePort();
  const baseline = spawnServer({ DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1' }, 'test/bench/baseline-server.ts');
  processes.push(baseline);
  baselineUrl = `http://127.0.0.1:${port}`;
  await Promise.race([untilUp(baselineUrl, '/health/live'), baseline.exited.then((code) => Promise.reject(new Error(`the baseline exited with ${code}: ${baseline.stderr()}`)))]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** The service with one behaviour turned off: a proxy in front of it that rewrites each request's headers. */
async function startProxy(rewrite: (headers: IncomingHttpHeaders) => void): Promise<string> {
  const target = new URL(serviceUrl);
  const proxy = createServer((req, res) => {
    const headers = { ...req.headers };
    rewrite(headers);
    let answered = false;
    // A connection per request upstream, and an answer that comes before the whole body was sent
    // (a 413) is passed on: the broken-off upload is not an error of the answer.
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
      answered = true;
      // Hop-by-hop headers are the proxy's own: the service's Keep-Alive: timeout would outlive this server's.
      const { connection: _connection, 'keep-alive': _keepAlive, ...passed } = answer.headers;
      // An answer before the whole upload (a 413): this connection cannot carry another request.
      if (!req.complete) passed.connection = 'close';
      res.writeHead(answer.statusCode ?? 502, passed);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!answered) res.destroy();
    });
    req.pipe(upstream);
  });
  proxies.push(proxy);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
}

/** Three ways to break the service: If-Match ignored, Idempotency-Key ignored, the second user served as the first. */
async function startProxies(): Promise<void> {
  dropIfMatchUrl = await startProxy((headers) => delete headers['if-match']);
  dropIdempotencyUrl = await startProxy((headers) => delete headers['idempotency-key']);
  leakTokens = await tokens();
  const [a, b] = leakTokens;
  leakUrl = await startProxy((headers) => {
    if (headers.authorization === `Bearer ${b}`) headers.authorization = `Bearer ${a}`;
  });
}

async function tokens(): Promise<[string, string]> {
  return [await signToken({ sub: newSubject('conformance-a'), email: `a-${newSubject('x').slice(2)}@example.com` }, { expiresIn: 600 }), await signToken({ sub: newSubject('conformance-b') }, { expiresIn: 600 })];
}

/** `npx todo-api-conformance`, in the integrator's project. */
async function conformance(baseUrl: string, extra: string[] = [], given?: [string, string]): Promise<CommandResult> {
  const [a, b] = given ?? (await tokens());
  return runCommand('npx', ['--no-install', 'todo-api-conformance', '--base-url', baseUrl, '--token', a, '--token-b', b, ...extra], { cwd: projectDir, env: npmEnv, timeoutMs: 120_000 });
}

const failedChecks = (output: string) => [...output.matchAll(/^ {2}FAIL (.+?)(?: \(\d+ ms\))?$/gm)].map((m) => m[1]!);
const passedChecks = (output: string) => [...output.matchAll(/^ {2}ok {3}(.+?) \(\d+ ms\)$/gm)].map((m) => m[1]!);

beforeAll(async () => {
  await Promise.all([packAndInstall(), startService().then(startProxies), startBaseline()]);
}, 180_000);

afterAll(async () => {
  for (const proxy of proxies) await new Promise<void>((resolve) => proxy.close(() => resolve()));
  for (const server of processes) await server.stop();
  for (const db of databases) await db.drop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the packed conformance suite, as an integrator runs it in CI', () => {
  it('installs from the tarball with its built CLI and nothing of its sources', () => {
    const installed = path.join(projectDir, 'node_modules', '@todo-api', 'conformance');
    for (const file of ['package.json', 'README.md', 'dist/cli.js', 'dist/index.js', 'dist/index.d.ts']) expect(existsSync(path.join(installed, file)), file).toBe(true);
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(projectDir, 'node_modules', '.bin', 'todo-api-conformance'))).toBe(true);
  });

  it('passes against the service, validating every response, and writes JUnit XML', async () => {
    const junitFile = path.join(tmp, 'service.xml');
    const started = Date.now();
    // As CI should run it: with a receiver for the webhook checks (the service may deliver to loopback outside production).
    const run = await conformance(serviceUrl, ['--junit', junitFile, '--webhook-host', '127.0.0.1']);
    expect(run.code, run.output).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(failedChecks(run.stdout)).toEqual([]);
    expect(passedChecks(run.stdout).length).toBeGreaterThan(40);
    // Every operation of the spec was exercised; the webhook group runs once the spec has webhooks, and says why not before.
    if (specHasWebhooks) expect(passedChecks(run.stdout).filter((name) => name.startsWith('webhooks: ')).length).toBeGreaterThan(0);
    else expect(run.stdout).toMatch(/^ {2}SKIP webhooks: .*\n {9}not run: the spec has no \/v1\/webhooks operations$/m);
    expect(run.stdout).toContain('ok   coverage: every operation of the spec was called and answered with one of its success statuses');
    expect(run.stdout).toContain('ok   cleanup: everything this run created is deleted');
    expect(run.stdout).toMatch(/\d+ passed, 0 failed, \d+ not run/);
    const xml = readFileSync(junitFile, 'utf8');
    const skippedChecks = [...run.stdout.matchAll(/^ {2}SKIP (.+)$/gm)].map((m) => m[1]!);
    if (specHasWebhooks) expect(skippedChecks).toEqual([]);
    else expect(skippedChecks.length > 0 && skippedChecks.every((name) => name.startsWith('webhooks: ')), run.stdout).toBe(true);
    const skipped = skippedChecks.length;
    expect(xml).toMatch(new RegExp(`^<\\?xml version="1\\.0" encoding="UTF-8"\\?>\n<testsuites name="todo-api-conformance" tests="\\d+" failures="0" errors="0" skipped="${skipped}"`));
    expect(xml).toContain('<testsuite name="isolation"');
    if (!specHasWebhooks) expect(xml).toContain('<skipped message="the spec has no /v1/webhooks operations"/>');
    expect(xml.match(/<testcase /g)?.length).toBe(passedChecks(run.stdout).length + skipped);
  }, 120_000);

  it('fails against the bench baseline, naming the contract it does not keep', async () => {
    const junitFile = path.join(tmp, 'baseline.xml');
    // It does not read a DELETE's body: the 413 probe waits for an answer that never comes.
    const run = await conformance(baselineUrl, ['--spec', specFile, '--junit', junitFile, '--request-timeout', '3000']);
    expect(run.code, run.output).toBe(1);
    const failed = failedChecks(run.stdout);
    // What the baseline does not implement at all.
    for (const name of [
      'meta: the deployment serves its spec at /openapi.json, with every operation of the spec checked against',
      'auth: GET /v1/me answers the caller, private and not cached, and the two tokens are two different users',
      'lists: create, get, rename and list lists; exactly one is the default list',
      'labels: create, get, rename and list labels; a name is unique ignoring case (409 label_exists)',
      'idempotency: a POST repeated with its Idempotency-Key replays the first response (Idempotent-Replayed: true) and creates one todo',
      'conditional: a stale If-Match on PATCH is a 412 precondition_failed and changes nothing; the current one succeeds',
      'changes: writes after /v1/changes/latest come in the feed in order, the last state of each, deletions included',
      'coverage: every operation of the spec was called and answered with one of its success statuses',
    ]) {
      expect(failed, run.stdout).toContain(name);
    }
    expect(run.stdout).toMatch(/^Failed:$/m);
    expect(readFileSync(junitFile, 'utf8')).toMatch(/failures="[1-9]\d*"/);
  }, 120_000);

  it('fails against the service with If-Match turned off, naming exactly the checks of If-Match', async () => {
    const run = await conformance(dropIfMatchUrl);
    expect(run.code, run.output).toBe(1);
    expect(failedChecks(run.stdout).sort(), run.stdout).toEqual(
      [
        'conditional: a stale If-Match on PATCH is a 412 precondition_failed and changes nothing; the current one succeeds',
        'conditional: a stale If-Match on DELETE and on a move is a 412, and the todo stays',
        'conditional: an unquoted If-Match is a 400 invalid_if_match; lists and labels honour If-Match too',
        'errors: every operation that takes If-Match answers 400 invalid_if_match to an unquoted tag and 412 precondition_failed to a stale one, changing nothing',
      ].sort(),
    );
    expect(run.stdout).toContain('expected 412 precondition_failed: PATCH /v1/todos/');
  }, 120_000);

  it("the README's table of options is the CLI's --help", async () => {
    const help = await runCommand('npx', ['--no-install', 'todo-api-conformance', '--help'], { cwd: projectDir, env: npmEnv });
    expect(help.code, help.output).toBe(0);
    const readme = readFileSync(path.join(root, 'clients', 'conformance', 'README.md'), 'utf8');
    const table = readme.split(/^## /m).find((part) => part.startsWith('Options\n'));
    expect(table, 'README.md has no "## Options" section').toBeDefined();
    const documented = [...table!.matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]);
    const offered = [...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]).filter((o) => o !== '--help');
    expect(documented.sort()).toEqual(offered.sort());
  }, 60_000);

  it('fails against the service with Idempotency-Key turned off, naming the idempotency checks', async () => {
    const run = await conformance(dropIdempotencyUrl, ['--only', 'idempotency']);
    expect(run.code, run.output).toBe(1);
    expect(failedChecks(run.stdout).sort(), run.stdout).toEqual(
      [
        'idempotency: a POST repeated with its Idempotency-Key replays the first response (Idempotent-Replayed: true) and creates one todo',
        'idempotency: the same key with another body, path or method is a 422 idempotency_key_reused',
        'idempotency: a retried PATCH and DELETE replay their answers; a request that failed stores nothing',
        'idempotency: keys are per user, and a key longer than 255 characters is a 422',
      ].sort(),
    );
    expect(run.stdout).toContain('the list holds 2 todos after a replayed create, expected 1');
  }, 120_000);

  it("fails against a service that serves the second user as the first, naming isolation", async () => {
    const run = await conformance(leakUrl, ['--only', 'auth,isolation'], leakTokens);
    expect(run.code, run.output).toBe(1);
    expect(failedChecks(run.stdout).sort(), run.stdout).toEqual(
      [
        'auth: GET /v1/me answers the caller, private and not cached, and the two tokens are two different users',
        "isolation: another user's todo, list and label answer exactly like missing ones (404, same problem) in every operation",
        "isolation: another user's data never appears in a list, a search or a filter",
        "isolation: another user's id in a body is the same 422 as a missing id, naming the field",
      ].sort(),
    );
    expect(run.stdout).toContain('--token and --token-b are the same user');
  }, 120_000);

  it("the README's CI examples are valid YAML that run the CLI with the environment it reads", () => {
    const readme = readFileSync(path.join(root, 'clients', 'conformance', 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) {
      expect(() => parse(block) as unknown).not.toThrow();
      expect(block).toContain('npx todo-api-conformance --junit conformance.xml');
    }
    for (const name of ['TODO_API_URL', 'TODO_API_TOKEN', 'TODO_API_TOKEN_B']) expect(blocks[0]).toContain(`${name}:`);
  });

  it('--only runs the named groups (the clean-up always), the environment gives the URL and tokens, and a missing token is a usage error', async () => {
    const [a, b] = await tokens();
    const run = await runCommand('npx', ['--no-install', 'todo-api-conformance', '--only', 'isolation'], {
      cwd: projectDir,
      env: { ...npmEnv, TODO_API_URL: serviceUrl, TODO_API_TOKEN: a, TODO_API_TOKEN_B: b },
      timeoutMs: 120_000,
    });
    expect(run.code, run.output).toBe(0);
    expect(new Set(passedChecks(run.stdout).map((name) => name.split(':')[0]))).toEqual(new Set(['isolation', 'cleanup']));
    const usage = await runCommand('npx', ['--no-install', 'todo-api-conformance', '--base-url', serviceUrl, '--token', 'x'], { cwd: projectDir, env: npmEnv });
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('missing --token-b');
  }, 120_000);
});
