// The suite as a library, for a runner of one's own; the CLI (cli.ts) is the usual way in.
export { runConformance, groups, type RunResult } from './suite.js';
export { loadSpec, Spec } from './spec.js';
export { junit, formatResult, formatSummary, summarize } from './report.js';
export type { CheckResult, Group, Check, Options, Outcome } from './runner.js';
