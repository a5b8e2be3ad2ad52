import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// src/lib/paths.ts runs from the repository (tsx) or from dist/ (built): the code root is
// two levels up either way, and the project root is where package.json lives.
export const codeRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const projectRoot = existsSync(path.join(codeRoot, 'package.json')) ? codeRoot : path.dirname(codeRoot);
export const migrationsDir = path.join(codeRoot, 'migrations');
export const migrationsSourceDir = path.join(projectRoot, 'migrations');
