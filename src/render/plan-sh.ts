/**
 * A plan as a standalone bash script: what `nslab up` would do, one command
 * per line, grouped by namespace, each with the topology line it came from.
 * Equivalent to the plan (not to nslab's batching, which only changes how
 * many processes run, not what they do).
 */
import { formatLoc } from '../diagnostics.js';
import type { Plan, Step } from '../compile/plan.js';
import { commentSafe, shJoin, shQuote } from './shell.js';

export function planToShell(plan: Plan, version: string): string {
  // Every comment goes through commentSafe: paths and names are user input.
  const comment = (text: string) => `# ${commentSafe(text)}`;
  const out: string[] = [
    '#!/usr/bin/env bash',
    comment(`nslab ${version}: ${plan.kind === 'create' ? 'create' : 'tear down'} lab "${plan.lab}"${plan.file ? ` from ${plan.file}` : ''}.`),
    comment(`Equivalent to \`nslab ${plan.kind === 'create' ? 'up' : 'down'} ${plan.file ?? plan.lab}\`. Run as root.`),
    'set -euo pipefail',
  ];
  let group: string | null | undefined;
  for (const step of plan.steps) {
    if (step.ns !== group) {
      group = step.ns;
      out.push('', comment(`--- ${group === null ? 'host' : `namespace ${group}`}`));
    }
    const cmd = commandLine(step);
    const tolerant = step.ifAbsent ? `${cmd} 2>/dev/null || true` : cmd;
    out.push(step.source ? `${tolerant}  ${comment(formatLoc(step.source))}` : tolerant);
  }
  return out.join('\n') + '\n';
}

/** The host command line equivalent to running a step in its namespace. */
export function commandLine(step: Step): string {
  if (step.ns === null) return shJoin(step.argv);
  const [tool, ...args] = step.argv;
  if (tool === 'ip' || tool === 'tc') return `${tool} -n ${shQuote(step.ns)} ${shJoin(args)}`;
  return `ip netns exec ${shQuote(step.ns)} ${shJoin(step.argv)}`;
}
