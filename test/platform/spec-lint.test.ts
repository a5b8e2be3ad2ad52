import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('spec lint (Spectral, OpenAPI and OWASP rulesets)', () => {
  it('finds no errors in openapi/openapi.yaml', async () => {
    const bin = path.join(root, 'node_modules/.bin/spectral');
    const run = await promisify(execFile)(bin, ['lint', 'openapi/openapi.yaml', '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'error', '--quiet'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string; code?: number }) => error);
    const results = JSON.parse(run.stdout || '[]') as Array<{ code: string; severity: number; path: string[]; message: string }>;
    const errors = results.filter((r) => r.severity === 0).map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(errors).toEqual([]);
  }, 120_000);
});
