import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'node_modules/.bin/spectral');

interface SpectralResult {
  code: string;
  severity: number;
  path: string[];
  message: string;
}

/** Runs Spectral and resolves however it ends: the exit code (null when it did not exit on its own) and its output. */
function spectral(args: string[]): Promise<{ exitCode: number | null; failure?: string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ exitCode: 0, stdout, stderr });
      // A number: it exited with that code; otherwise it could not be started (ENOENT...) or was killed.
      const exitCode = typeof error.code === 'number' ? error.code : null;
      resolve({ exitCode, failure: exitCode === null ? `${String(error.code ?? error.signal)}: ${error.message}` : undefined, stdout, stderr });
    });
  });
}

describe('spec lint (Spectral, OpenAPI and OWASP rulesets)', () => {
  it('finds no errors in openapi/openapi.yaml', async () => {
    expect(existsSync(bin), `${bin} is missing: run npm ci`).toBe(true);
    const run = await spectral(['lint', 'openapi/openapi.yaml', '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'error', '--quiet']);
    // With --fail-severity error, Spectral exits 0 (warnings at most) or 1 (errors found); 2 is a crash
    // (a ruleset or file it cannot load), and anything else means it did not run to the end.
    expect(run.failure, run.stderr).toBeUndefined();
    expect([0, 1], `spectral exited ${run.exitCode}: ${run.stderr}${run.stdout}`).toContain(run.exitCode);
    let results: SpectralResult[] = [];
    expect(() => (results = JSON.parse(run.stdout) as SpectralResult[]), `not JSON: ${run.stdout.slice(0, 500)}`).not.toThrow();
    expect(Array.isArray(results), 'Spectral answers a JSON array').toBe(true);
    const errors = results.filter((r) => r.severity === 0).map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(errors).toEqual([]);
    // Its exit code agrees with what it printed.
    expect(run.exitCode).toBe(0);
  }, 120_000);
});
