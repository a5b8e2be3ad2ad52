#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatResult, formatSummary, junit } from './report.js';
import type { CheckResult } from './runner.js';
import { loadSpec } from './spec.js';
import { runConformance } from './suite.js';

const USAGE = `Usage: todo-api-conformance --base-url URL --token TOKEN --token-b TOKEN [options]

Checks a running Todo API deployment against its OpenAPI document.

  --base-url URL        the deployment (env TODO_API_URL)
  --token TOKEN         a bearer token of a test user (env TODO_API_TOKEN)
  --token-b TOKEN       a bearer token of a second, different user (env TODO_API_TOKEN_B)
  --spec FILE           check against this OpenAPI file (YAML or JSON) instead of URL/openapi.json
  --only NAMES          run only these groups or checks (comma-separated; "todos", "conditional: a stale")
  --junit FILE          also write the results as JUnit XML
  --webhook-host HOST   host[:port] at which the deployment reaches this machine (runs the webhook checks)
  --webhook-port PORT   the port the webhook receiver listens on (default: the one in --webhook-host, else any)
  --request-timeout MS  how long one request may take before its check fails (default 15000)
  -h, --help            this text

Exit status: 0 when every check passed, 1 when one failed, 2 when the suite could not start.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      token: { type: 'string' },
      'token-b': { type: 'string' },
      spec: { type: 'string' },
      only: { type: 'string', multiple: true },
      junit: { type: 'string' },
      'webhook-host': { type: 'string' },
      'webhook-port': { type: 'string' },
      'request-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const baseUrl = values['base-url'] ?? process.env.TODO_API_URL;
  const tokenA = values.token ?? process.env.TODO_API_TOKEN;
  const tokenB = values['token-b'] ?? process.env.TODO_API_TOKEN_B;
  const missing = [!baseUrl && '--base-url', !tokenA && '--token', !tokenB && '--token-b'].filter(Boolean);
  if (missing.length > 0) {
    process.stderr.write(`todo-api-conformance: missing ${missing.join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  const webhookPort = Number(values['webhook-port'] ?? 0);
  if (!Number.isInteger(webhookPort) || webhookPort < 0 || webhookPort > 65535) {
    process.stderr.write(`todo-api-conformance: --webhook-port must be a port number\n`);
    return 2;
  }
  const requestTimeoutMs = Number(values['request-timeout'] ?? 15_000);
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    process.stderr.write(`todo-api-conformance: --request-timeout must be a number of milliseconds\n`);
    return 2;
  }
  const spec = await loadSpec(baseUrl!, values.spec);
  const only = (values.only ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);
  process.stdout.write(`Todo API conformance: ${baseUrl} against ${spec.source} (${spec.document.info?.title ?? 'untitled'} ${spec.document.info?.version ?? ''}, ${spec.operations.length} operations)\n`);
  let previous: CheckResult | undefined;
  const run = await runConformance(spec, { baseUrl: baseUrl!, tokenA: tokenA!, tokenB: tokenB!, only, webhookHost: values['webhook-host'], webhookPort, requestTimeoutMs }, (result) => {
    process.stdout.write(`${formatResult(result, previous)}\n`);
    previous = result;
  });
  process.stdout.write(`${formatSummary(run.results, run.notes, run.notRun)}, ${run.requests} requests\n`);
  if (values.junit) await writeFile(values.junit, junit(run.results));
  return run.results.some((r) => r.outcome === 'failed') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`todo-api-conformance: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
