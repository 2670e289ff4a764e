/** A readable summary for a terminal: one line per check (and why, when it failed), then the totals. */
import type { CheckResult } from '../checks/result.js';
import { counts, type SuiteReport } from './suite.js';

const MARK = { pass: '✓', fail: '✗', error: '!', skip: '-' } as const;

/** A scenario: its line, then each step indented (watches with what they measured). */
function scenarioLines(c: CheckResult): string {
  const steps = (c as CheckResult & { steps?: CheckResult[] }).steps ?? [];
  // Lines with text only: `^` also matches after a step's final newline, which
  // pushed every following step four spaces further in.
  return steps.map((s) => consoleLine(s).replace(/^(?=.)/gm, '    ')).join('');
}

export function consoleLine(c: CheckResult): string {
  if (c.kind === 'scenario' && c.status !== 'skip') return `${MARK[c.status]} scenario ${c.name}  — ${c.message} (${(c.ms / 1000).toFixed(1)} s)\n${scenarioLines(c)}`;
  const ms = c.ms >= 1000 ? `${(c.ms / 1000).toFixed(1)} s` : `${Math.round(c.ms)} ms`;
  if (c.status === 'skip') return `${MARK.skip} ${c.name}  — skipped: ${c.skipReason ?? c.message}\n`;
  const line = `${MARK[c.status]} ${c.name}  — ${c.message || c.status} (${ms})\n`;
  if (c.status === 'pass') return line;
  // Why it failed, where the message alone does not say: the tool's last words, and where the check is.
  const said = (c.stderr.trim() || (c.status === 'error' ? c.output.trim() : '')).split('\n').filter(Boolean).slice(-3);
  const where = c.loc ? [`at ${c.loc.file}:${c.loc.line}:${c.loc.col}`] : [];
  const last = c.commands.at(-1);
  return line + [...said.map((s) => `    ${s}`), ...(last ? [`    $ ${last}`] : []), ...where.map((w) => `    ${w}`)].map((l) => `${l}\n`).join('');
}

export function consoleSummary(r: SuiteReport): string {
  const n = counts(r);
  const verdict = n.failures + n.errors === 0 ? 'all passed' : `${n.failures} failed${n.errors ? `, ${n.errors} errors` : ''}`;
  return `\nlab ${r.lab}: ${n.passed}/${n.tests} passed${n.skipped ? `, ${n.skipped} skipped` : ''} — ${verdict} (${(r.ms / 1000).toFixed(1)} s)\n`;
}
