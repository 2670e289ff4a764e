/** A readable summary for a terminal: one line per check, then the totals. */
import type { CheckResult } from '../checks/result.js';
import { counts, type SuiteReport } from './suite.js';

const MARK = { pass: '✓', fail: '✗', error: '!' } as const;

export function consoleLine(c: CheckResult): string {
  const head = `${MARK[c.status]} ${c.name}`;
  const ms = c.ms >= 1000 ? `${(c.ms / 1000).toFixed(1)} s` : `${Math.round(c.ms)} ms`;
  return `${head}  — ${c.message || c.status} (${ms})\n`;
}

export function consoleSummary(r: SuiteReport): string {
  const n = counts(r);
  const verdict = n.failures + n.errors === 0 ? 'all passed' : `${n.failures} failed${n.errors ? `, ${n.errors} errors` : ''}`;
  return `\nlab ${r.lab}: ${n.passed}/${n.tests} passed — ${verdict} (${(r.ms / 1000).toFixed(1)} s)\n`;
}
