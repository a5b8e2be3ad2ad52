import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../app.js';
import { parseEnv } from '../env.js';
import { buildOpenAPIDocument, toYaml } from '../lib/openapi.js';
import { projectRoot } from '../lib/paths.js';

// `npm run openapi`: writes the contract the routes define to openapi/openapi.yaml.
const file = path.join(projectRoot, 'openapi', 'openapi.yaml');
// The contract does not depend on the configuration: the defaults build the same document.
writeFileSync(file, toYaml(buildOpenAPIDocument(buildApp({ config: parseEnv({}) }))));
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
