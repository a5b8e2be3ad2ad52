import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { newSubject, signToken } from '../helpers/tokens.js';
import { bin, clientDir, root, runCommand } from './run-command.js';

// As an integrator would: the server built and started as its own process, the client packed
// with `npm pack` and installed from the tarball into an empty project, and programs in that
// project that import only `@todo-api/client`, type-checked with tsc and run with node.

const tmp = mkdtempSync(path.join(tmpdir(), 'sdk-integrator-'));
const serverDir = path.join(tmp, 'server');
const packDir = path.join(tmp, 'pack');
const projectDir = path.join(tmp, 'project');
// A project as `npm init -y` makes it: npm 11 writes "type": "commonjs".
const commonjsDir = path.join(tmp, 'commonjs-project');
const fixtures = path.join(import.meta.dirname, 'fixtures');
const tsxLoader = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
// The npm settings of the run that started vitest must not leak into the integrator's npm.
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));

let db: TestDatabase | undefined;
let server: ServerProcess | undefined;
let baseUrl = '';

/** `npm run build`, into a copy of the repository's layout in tmp: the shared dist/ is left alone. */
async function buildServer(): Promise<void> {
  mkdirSync(serverDir);
  copyFileSync(path.join(root, 'package.json'), path.join(serverDir, 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(serverDir, 'node_modules'), 'dir');
  const build = await runCommand(bin('tsc'), ['-p', path.join(root, 'tsconfig.build.json'), '--outDir', path.join(serverDir, 'dist')], { cwd: root, timeoutMs: 120_000 });
  expect(build.code, `the server does not build:\n${build.output}`).toBe(0);
}

/** The client package's sources, copied: concurrent runs must not share its dist/. */
function copyClientPackage(): string {
  const copy = path.join(tmp, 'client');
  const built = (file: string) => /^(dist|node_modules)(\/|$)/.test(path.relative(clientDir, file));
  cpSync(clientDir, copy, { recursive: true, filter: (file) => !built(file) });
  // Its build tools (tsc) and openapi-fetch's types come from the repository, as in the workspace.
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

/** `npm install` of the tarball, its dependencies from npm's cache where it has them (`npm ci` put their tarballs there; a fresh machine may lack the registry documents, which then come from the registry). */
async function installTarball(tarball: string, cwd: string): Promise<void> {
  const install = await runCommand('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd, env: npmEnv, timeoutMs: 120_000 });
  expect(install.code, `npm install of the tarball failed:\n${install.output}`).toBe(0);
}

/** `npm pack` of the client (its prepack builds it), installed from the tarball into two `npm init -y` projects, one made ESM. */
async function installPackedClient(): Promise<void> {
  mkdirSync(packDir);
  const pack = await runCommand('npm', ['pack', '--pack-destination', packDir], { cwd: copyClientPackage(), env: npmEnv, timeoutMs: 120_000 });
  expect(pack.code, `npm pack failed:\n${pack.output}`).toBe(0);
  const tarballs = readdirSync(packDir).filter((file) => file.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  const tarball = path.join(packDir, tarballs[0]!);
  // Both projects as an integrator makes them: `npm init -y`, and for the ESM one `npm pkg set type=module`.
  for (const dir of [projectDir, commonjsDir]) {
    mkdirSync(dir);
    const init = await runCommand('npm', ['init', '-y'], { cwd: dir, env: npmEnv });
    expect(init.code, `npm init -y failed:\n${init.output}`).toBe(0);
  }
  const esm = await runCommand('npm', ['pkg', 'set', 'type=module'], { cwd: projectDir, env: npmEnv });
  expect(esm.code, `npm pkg set type=module failed:\n${esm.output}`).toBe(0);
  await installTarball(tarball, projectDir);
  await installTarball(tarball, commonjsDir);
}

/** A tsconfig for some of a project's programs; Node's types come from the repository's @types. */
function writeTsconfig(name: string, files: string[], dir = projectDir): string {
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    strict: true,
    noEmit: true,
    skipDefaultLibCheck: true,
    typeRoots: [path.join(root, 'node_modules', '@types')],
    types: ['node'],
  };
  writeFileSync(path.join(dir, name), JSON.stringify({ compilerOptions, files }, null, 2));
  return name;
}

/** The single ```ts block of the README's "Quick start" section. */
function quickStart(): string {
  const readme = readFileSync(path.join(clientDir, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Quick start\n'));
  expect(section, 'README.md has no "## Quick start" section').toBeDefined();
  const blocks = [...section!.matchAll(/^```ts\n([\s\S]*?)^```$/gm)];
  expect(blocks, 'the Quick start section must hold exactly one ```ts block').toHaveLength(1);
  return blocks[0]![1]!;
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

async function untilReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${url}/health/ready`).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`the server at ${url} was not ready after ${timeoutMs} ms (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The built server as its own process, on a free port, against a fresh database. */
async function startServer(): Promise<void> {
  db = await createTestDatabase();
  const port = await freePort();
  server = spawnServer(
    {
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'development',
      AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET!,
      DATA_DIR: path.join(tmp, 'data'),
    },
    path.join(serverDir, 'dist', 'src', 'index.js'),
  );
  baseUrl = `http://127.0.0.1:${port}`;
  // With silent logs `ready` never resolves, but it rejects (with stderr) if the process exits.
  await Promise.race([untilReady(baseUrl), server.ready]);
}

const typecheck = (config: string, cwd = projectDir) => runCommand(bin('tsc'), ['-p', config], { cwd });
const runProgram = (file: string, env: Record<string, string>, cwd = projectDir) =>
  runCommand(process.execPath, ['--import', tsxLoader, file], { cwd, env: { ...npmEnv, ...env }, timeoutMs: 60_000 });

beforeAll(async () => {
  // The two compilations (server and client) run side by side.
  await Promise.all([buildServer().then(startServer), installPackedClient()]);
  copyFileSync(path.join(fixtures, 'integrator-program.ts.txt'), path.join(projectDir, 'integrator.ts'));
  copyFileSync(path.join(fixtures, 'misuse-program.ts.txt'), path.join(projectDir, 'misuse.ts'));
  writeFileSync(path.join(projectDir, 'quick-start.ts'), quickStart());
  // As the README says to save it: .mts, an ES module even in an `npm init -y` (CommonJS) project.
  writeFileSync(path.join(commonjsDir, 'quick-start.mts'), quickStart());
  copyFileSync(path.join(fixtures, 'commonjs-program.js.txt'), path.join(commonjsDir, 'program.js'));
  copyFileSync(path.join(fixtures, 'esm-program.mjs.txt'), path.join(commonjsDir, 'program.mjs'));
  copyFileSync(path.join(fixtures, 'commonjs-types.cts.txt'), path.join(commonjsDir, 'types.cts'));
}, 150_000);

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the packed client, as an integrator uses it', () => {
  it('installs from the tarball with its ESM build, its declarations and the generated schema', () => {
    const installed = path.join(projectDir, 'node_modules', '@todo-api', 'client');
    const files = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/schema.d.ts', 'dist/cjs/package.json', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/schema.d.ts'];
    for (const file of files) {
      expect(existsSync(path.join(installed, file)), file).toBe(true);
    }
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(projectDir, 'node_modules', 'openapi-fetch'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(installed, 'dist', 'cjs', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8'))).toMatchObject({ type: 'module' });
  });

  describe('in a project made by `npm init -y` ("type": "commonjs")', () => {
    it('is such a project', () => {
      expect(JSON.parse(readFileSync(path.join(commonjsDir, 'package.json'), 'utf8'))).toMatchObject({ type: 'commonjs' });
    });

    it('a CommonJS program that require()s the client runs', async () => {
      const token = await signToken({ sub: newSubject('commonjs'), email: 'commonjs@example.com' });
      const run = await runCommand(process.execPath, ['program.js'], { cwd: commonjsDir, env: { ...npmEnv, TODO_API_URL: baseUrl, TODO_API_TOKEN: token }, timeoutMs: 60_000 });
      expect(run.code, run.output).toBe(0);
      expect(run.stdout.trim()).toBe('commonjs: commonjs@example.com, version 2, then 404 not_found');
    }, 60_000);

    it('a plain ESM .mjs program that imports the client runs', async () => {
      const token = await signToken({ sub: newSubject('esm'), email: 'esm@example.com' });
      const run = await runCommand(process.execPath, ['program.mjs'], { cwd: commonjsDir, env: { ...npmEnv, TODO_API_URL: baseUrl, TODO_API_TOKEN: token }, timeoutMs: 60_000 });
      expect(run.code, run.output).toBe(0);
      expect(run.stdout.trim()).toBe('esm: esm@example.com, version 2, then 404 not_found');
    }, 60_000);

    it('a TypeScript CommonJS module (.cts) type-checks against the require declarations', async () => {
      const checked = await typecheck(writeTsconfig('tsconfig.json', ['types.cts'], commonjsDir), commonjsDir);
      expect(checked.code, checked.output).toBe(0);
    }, 90_000);
  });

  it('a program that imports only @todo-api/client type-checks and drives every operation', async () => {
    const checked = await typecheck(writeTsconfig('tsconfig.json', ['integrator.ts']));
    expect(checked.code, checked.output).toBe(0);
    const token = await signToken({ sub: newSubject('integrator'), email: 'integrator@example.com' });
    const run = await runProgram('integrator.ts', { TODO_API_URL: baseUrl, TODO_API_TOKEN: token });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'health: live and ready',
      'me: integrator@example.com',
      'created: 7',
      'listed: filters ok, iterate walked 7 todos',
      'get: 200 with ETag, then 304',
      'updated: version 2',
      'deleted: then 404 not_found',
      'invalid: 422 validation_failed at body.title',
      'webhooks: todo.completed delivered and verified',
      'integrator: every operation behaved as the contract says',
    ]);
  }, 90_000);

  it('a program that misuses a field does not type-check', async () => {
    const checked = await typecheck(writeTsconfig('tsconfig.misuse.json', ['misuse.ts']));
    expect(checked.code).not.toBe(0);
    // It fails for the two misuses and nothing else (not, say, because the package cannot be found).
    const errors = checked.output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors, checked.output).toHaveLength(2);
    expect(errors[0]).toMatch(/misuse\.ts\(6,.*'"critical"' is not assignable/);
    expect(errors[1]).toMatch(/misuse\.ts\(7,.*'titel' does not exist.*Did you mean 'title'/);
  }, 90_000);

  it.each([
    ['quick-start.mts', 'an `npm init -y` project ("type": "commonjs")', commonjsDir],
    ['quick-start.ts', 'a "type": "module" project', projectDir],
  ])("the README's Quick start, saved as %s in %s, type-checks and runs", async (file, _kind, dir) => {
    const checked = await typecheck(writeTsconfig('tsconfig.quick-start.json', [file], dir), dir);
    expect(checked.code, checked.output).toBe(0);
    const email = `quick-start-${path.extname(file).slice(1)}@example.com`; // one user each: emails are unique
    const token = await signToken({ sub: newSubject('quick-start'), email });
    const run = await runProgram(file, { TODO_API_URL: baseUrl, TODO_API_TOKEN: token }, dir);
    expect(run.code, run.output).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe(`signed in as ${email}`);
    expect(lines[1]).toMatch(/^created [0-9a-f-]{36} \(Buy oat milk, due 2030-12-01T17:00:00\.000Z\)$/);
    expect(lines[2]).toBe('open: Buy oat milk [high]');
    expect(lines[3]).toMatch(/^updated: completed=true at \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(lines[4]).toBe('steps: Write the agenda, Book a venue');
    expect(lines[5]).toBe('urgent: Plan the offsite (2 open steps)');
    expect(lines[6]).toBe('unchanged since the update');
    expect(lines[7]).toBe('deleted (a get now answers 404 not_found)');
  }, 90_000);
});
