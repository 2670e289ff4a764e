/**
 * TAP 14, streamed: a plan line up front, then one test point per check as
 * it finishes, with a YAML block saying what was measured, the bound, the
 * command and where in the topology the check is.
 */
import { formatLoc } from '../diagnostics.js';
import type { CheckResult } from '../checks/result.js';

export function tapHeader(count: number): string {
  return `TAP version 14\n1..${count}\n`;
}

/** YAML strings that are always safe: JSON-quoted. */
const q = (s: string) => JSON.stringify(s);

export function tapPoint(n: number, c: CheckResult): string {
  const lines = [`${c.status === 'pass' ? 'ok' : 'not ok'} ${n} - ${c.name.replace(/#/g, '\\#')}`];
  const yaml = [
    `  ---`,
    `  kind: ${c.kind}`,
    `  status: ${c.status}`,
    `  expect: ${c.expect}`,
    `  message: ${q(c.message)}`,
    ...(c.measurements.length
      ? ['  measured:', ...c.measurements.map((m) => `    - { name: ${q(m.name)}, value: ${q(m.value)}${m.expected ? `, expected: ${q(m.expected)}` : ''}${m.ok !== undefined ? `, ok: ${m.ok}` : ''} }`)]
      : []),
    ...(c.failedPairs?.length ? ['  unreachable:', ...c.failedPairs.map((p) => `    - ${q(p)}`)] : []),
    ...(c.commands.length ? ['  commands:', ...c.commands.slice(0, 20).map((x) => `    - ${q(x)}`)] : []),
    ...(c.loc ? [`  at: ${q(formatLoc(c.loc))}`] : []),
    `  duration_ms: ${Math.round(c.ms)}`,
    `  ...`,
  ];
  return [...lines, ...yaml].join('\n') + '\n';
}
