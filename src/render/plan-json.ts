import { formatLoc } from '../diagnostics.js';
import type { Plan } from '../compile/plan.js';

/** The plan for machines: stable key order, source locations as `file:line:col`. */
export function planToJson(plan: Plan): string {
  return JSON.stringify(planObject(plan), null, 2) + '\n';
}

export function planObject(plan: Plan): object {
  return {
    version: 1,
    kind: plan.kind,
    lab: plan.lab,
    file: plan.file,
    steps: plan.steps.map((s) => ({
      id: s.id,
      ns: s.ns,
      argv: s.argv,
      deps: s.deps,
      why: s.why,
      ...(s.source ? { source: formatLoc(s.source) } : {}),
      ...(s.ifAbsent ? { ifAbsent: s.ifAbsent } : {}),
      ...(s.command ? { command: { cwd: s.command.cwd, env: s.command.env, ...(s.command.input !== undefined ? { input: s.command.input } : {}), timeout_ms: s.command.timeoutMs } } : {}),
    })),
    ...(plan.services ? { services: plan.services.map((s) => ({ id: s.id, ns: s.ns, command: s.command, ready: s.ready, source: formatLoc(s.source) })) } : {}),
  };
}
