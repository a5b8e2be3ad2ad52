import { copyFileSync, mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, clientDir, runCommand } from './run-command.js';

// The SDK is generated from the committed contract: these tests fail as soon as the two drift.

const tmp = mkdtempSync(path.join(tmpdir(), 'sdk-drift-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The arguments of the client's `generate` script, so the check reads and compares exactly what it writes. */
function generateArgs(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(clientDir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = pkg.scripts.generate!.split(/\s+/);
  expect(command).toBe('openapi-typescript');
  return args;
}

const checkSchema = (args: string[]) => runCommand(bin('openapi-typescript'), [...args, '--check'], { cwd: clientDir });

describe('the generated SDK schema', () => {
  it('is what openapi-typescript generates from openapi/openapi.yaml', async () => {
    const { code, output } = await checkSchema(generateArgs());
    expect(code, `clients/typescript/src/schema.d.ts is stale: run \`npm run openapi\` at the repository root.\n${output}`).toBe(0);
  }, 60_000);

  it('is reported as stale when it differs from what the spec generates', async () => {
    const args = generateArgs();
    const output = args.indexOf('-o') + 1;
    const stale = path.join(tmp, 'schema.d.ts');
    copyFileSync(path.join(clientDir, args[output]!), stale);
    appendFileSync(stale, 'export type Hand = "edited";\n');
    args[output] = stale;
    expect((await checkSchema(args)).code).not.toBe(0);
  }, 60_000);
});

describe('the client', () => {
  it('type-checks against the generated schema', async () => {
    const { code, output } = await runCommand(bin('tsc'), ['-p', path.join(clientDir, 'tsconfig.json'), '--noEmit'], { cwd: clientDir });
    expect(code, output).toBe(0);
  }, 90_000);
});
