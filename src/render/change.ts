/**
 * A change plan for people (what is added, changed, removed, each with its
 * YAML line, then the commands in the order they run) and for machines.
 */
import { formatLoc } from '../diagnostics.js';
import type { ChangePlan } from '../apply/diff.js';
import type { Plan } from '../compile/plan.js';
import { commandLine } from './plan-sh.js';

export function changeToText(c: ChangePlan, opts: { steps?: boolean } = {}): string {
  if (c.changes.length === 0) return `lab ${c.lab}: no changes; the running lab already matches ${c.file}\n`;
  const out = [`lab ${c.lab}: ${c.changes.length} change${c.changes.length === 1 ? '' : 's'} to match ${c.file}`];
  const width = Math.min(60, Math.max(...c.changes.map((x) => x.what.length + (x.detail ? x.detail.length + 2 : 0))));
  for (const x of c.changes) {
    const text = `${x.what}${x.detail ? `: ${x.detail}` : ''}`;
    out.push(`  ${x.op} ${text.padEnd(width)}  ${x.op === '-' ? `(was ${formatLoc(x.loc)})` : formatLoc(x.loc)}`);
  }
  for (const n of c.notes) out.push(`note: ${n}`);
  const services = [...c.services.stop.map((id) => `stop ${id}`), ...c.services.start.map((s) => `start ${s.id}`)];
  if (opts.steps !== false) {
    const phase = (name: string, p: Plan) => (p.steps.length ? [`# ${name}`, ...p.steps.map((s) => commandLine(s) + (s.ifAbsent ? '  # (already gone is fine)' : ''))] : []);
    const lines = [...phase('remove', c.remove), ...phase('change in place', c.edit), ...phase('create', c.create)];
    if (services.length) lines.push('# services', ...services);
    if (lines.length) out.push('', 'steps, in order:', ...lines.map((l) => `  ${l}`));
  }
  return out.join('\n') + '\n';
}

/** For `--json`: snake_case, locations as `file:line:col`. */
export function changeToJson(c: ChangePlan): object {
  const steps = (p: Plan) => p.steps.map((s) => ({ id: s.id, ns: s.ns, argv: s.argv, why: s.why, ...(s.source ? { source: formatLoc(s.source) } : {}) }));
  return {
    lab: c.lab,
    file: c.file,
    changes: c.changes.map((x) => ({ op: x.op === '+' ? 'add' : x.op === '-' ? 'remove' : 'change', what: x.what, ...(x.detail ? { detail: x.detail } : {}), source: formatLoc(x.loc) })),
    notes: c.notes,
    steps: { remove: steps(c.remove), edit: steps(c.edit), create: steps(c.create) },
    services: { stop: c.services.stop, start: c.services.start.map((s) => s.id) },
  };
}
