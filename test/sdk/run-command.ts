import { execFile } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../..');
export const clientDir = path.join(root, 'clients', 'typescript');

/** A binary of the repository's own node_modules (tsc, openapi-typescript…). */
export const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name);

export interface CommandResult {
  code: number;
  /** stdout and stderr together, for failure messages. */
  output: string;
  stdout: string;
}

/** Runs a command to its end; never throws on a non-zero exit, so tests can assert on it. */
export function runCommand(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, output: `${stdout}${stderr}${error && !stdout && !stderr ? error.message : ''}` });
    });
  });
}
