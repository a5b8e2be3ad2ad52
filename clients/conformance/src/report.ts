import type { CheckResult } from './runner.js';

// The readable report (one line per check, the reason under each failure) and JUnit XML.

export interface Summary {
  passed: number;
  failed: number;
  notRun: number;
}

export function summarize(results: CheckResult[]): Summary {
  return {
    passed: results.filter((r) => r.outcome === 'passed').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
    notRun: results.filter((r) => r.outcome === 'not run').length,
  };
}

const MARK = { passed: 'ok  ', failed: 'FAIL', 'not run': 'SKIP' } as const;

/** One line per check as it finishes; a group's name before its first. */
export function formatResult(result: CheckResult, previous: CheckResult | undefined): string {
  const lines: string[] = [];
  if (previous?.group !== result.group) lines.push(`\n${result.group}`);
  const time = result.outcome === 'not run' ? '' : ` (${result.durationMs} ms)`;
  lines.push(`  ${MARK[result.outcome]} ${result.group}: ${result.name}${time}`);
  if (result.message && result.outcome === 'failed') lines.push(...result.message.split('\n').map((l) => `         ${l}`));
  if (result.message && result.outcome === 'not run' && previous?.group !== result.group) lines.push(`         not run: ${result.message}`);
  return lines.join('\n');
}

export function formatSummary(results: CheckResult[], notes: string[], notRun: Map<string, string>): string {
  const { passed, failed, notRun: skipped } = summarize(results);
  const lines = ['', ...notes.map((n) => `note: ${n}`)];
  for (const [group, reason] of notRun) lines.push(`not run: ${group}: ${reason}`);
  const failures = results.filter((r) => r.outcome === 'failed');
  if (failures.length > 0) lines.push('', 'Failed:', ...failures.map((r) => `  ${r.group}: ${r.name}`));
  lines.push('', `${passed} passed, ${failed} failed, ${skipped} not run (${results.length} checks)`);
  return lines.join('\n');
}

const xml = (text: string) =>
  text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

/** JUnit XML: one testsuite per group, one testcase per check (a group that did not run: skipped). */
export function junit(results: CheckResult[], suiteName = 'todo-api-conformance'): string {
  const groups = [...new Set(results.map((r) => r.group))];
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = summarize(results);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(suiteName)}" tests="${results.length}" failures="${total.failed}" errors="0" skipped="${total.notRun}" time="${seconds(results.reduce((s, r) => s + r.durationMs, 0))}">`,
  ];
  for (const group of groups) {
    const cases = results.filter((r) => r.group === group);
    const sum = summarize(cases);
    out.push(`  <testsuite name="${xml(group)}" tests="${cases.length}" failures="${sum.failed}" errors="0" skipped="${sum.notRun}" time="${seconds(cases.reduce((s, r) => s + r.durationMs, 0))}">`);
    for (const r of cases) {
      out.push(`    <testcase classname="${xml(`${suiteName}.${group}`)}" name="${xml(r.name)}" time="${seconds(r.durationMs)}">`);
      if (r.outcome === 'failed') out.push(`      <failure message="${xml((r.message ?? '').split('\n')[0]!)}">${xml(r.message ?? '')}</failure>`);
      if (r.outcome === 'not run') out.push(`      <skipped message="${xml(r.message ?? '')}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
