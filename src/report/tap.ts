/**
 * TAP 14, streamed: a plan line up front, then one test point per check with
 * a YAML block saying what was measured, the bound, the command and where in
 * the topology the check is. Points are numbered in file order (deploy, the
 * checks as written, teardown), whatever order they finish in: a finished
 * point waits for the ones before it (TapOrder).
 */
import { formatLoc } from '../diagnostics.js';
import type { CheckResult } from '../checks/result.js';

export function tapHeader(count: number): string {
  return `TAP version 14\n1..${count}\n`;
}

/** YAML strings that are always safe: JSON-quoted. */
const q = (s: string) => JSON.stringify(s);
const desc = (name: string) => name.replace(/\\/g, '\\\\').replace(/#/g, '\\#').replace(/\n/g, ' ');

/** A scenario is a subtest: its steps as an indented TAP stream, then its own point. */
function subtest(c: CheckResult): string {
  const steps = (c as CheckResult & { steps?: CheckResult[] }).steps;
  if (c.kind !== 'scenario' || !steps) return '';
  const inner = `1..${steps.length}\n${steps.map((s, i) => tapPoint(i + 1, s)).join('')}`;
  return `# Subtest: ${desc(c.name)}\n${inner.replace(/^(?=.)/gm, '    ')}`;
}

export function tapPoint(n: number, c: CheckResult): string {
  return subtest(c) + point(n, c);
}

function point(n: number, c: CheckResult): string {
  if (c.status === 'skip') return `ok ${n} - ${desc(c.name)} # SKIP ${(c.skipReason ?? c.message).replace(/\n/g, ' ')}\n`;
  const lines = [`${c.status === 'pass' ? 'ok' : 'not ok'} ${n} - ${desc(c.name)}`];
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
    ...(c.status !== 'pass' && c.stderr.trim() ? [`  stderr: ${q(c.stderr.trim().split('\n').slice(-10).join('\n'))}`] : []),
    ...(c.loc ? [`  at: ${q(formatLoc(c.loc))}`] : []),
    `  duration_ms: ${Math.round(c.ms)}`,
    `  ...`,
  ];
  return [...lines, ...yaml].join('\n') + '\n';
}

/** `Bail out!` ends a TAP stream that cannot go on; the reason on one line. */
export function tapBailOut(reason: string): string {
  return `Bail out! ${reason.split('\n')[0]}\n`;
}

/**
 * Slots in file order: a result put in its slot is released once every slot
 * before it has been filled. Pure: returns the points to print now.
 */
export class TapOrder {
  private readonly filled: (CheckResult | undefined)[];
  private next = 0;

  constructor(private readonly slots: readonly string[]) {
    this.filled = slots.map(() => undefined);
  }

  /** The slot of a result: a phase by its kind, a check by its name. */
  static key(r: Pick<CheckResult, 'kind' | 'name'>): string {
    if (r.kind === 'scenario') return `scenario:${r.name}`;
    return ['deploy', 'teardown', 'topology', 'options', 'preflight', 'internal'].includes(r.kind) ? `phase:${r.kind}` : `check:${r.name}`;
  }

  put(r: CheckResult): string {
    const i = this.slots.indexOf(TapOrder.key(r));
    if (i < 0 || this.filled[i]) return '';
    this.filled[i] = r;
    let out = '';
    while (this.next < this.slots.length && this.filled[this.next]) {
      out += tapPoint(this.next + 1, this.filled[this.next]!);
      this.next++;
    }
    return out;
  }

  get complete(): boolean {
    return this.next === this.slots.length;
  }
}
