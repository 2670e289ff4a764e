/**
 * A plan as a standalone bash script: what `nslab up` would do, one command
 * per line, grouped by namespace, each with the topology line it came from.
 * Equivalent to the plan (not to nslab's batching, which only changes how
 * many processes run, not what they do).
 */
import { formatLoc } from '../diagnostics.js';
import type { Plan, Step } from '../compile/plan.js';
import { commentSafe, shJoin, shQuote } from './shell.js';
import { scratchDirsOf } from '../compile/dirs.js';

/**
 * A user's command (setup, nft) in its folder with its variables, stdin as
 * a here-document whose delimiter appears in no line of it.
 */
function userCommandLine(step: Step): string {
  const c = step.command!;
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${shQuote(v)}`);
  const line = `(cd ${shQuote(c.cwd)} && ${[...env, shJoin(step.argv)].join(' ')})`;
  if (c.input === undefined) return line;
  let eof = 'NSLAB_EOF';
  for (let n = 0; c.input.split('\n').includes(eof); n++) eof = `NSLAB_EOF_${n}`;
  return `${line} <<'${eof}'\n${c.input.replace(/\n$/, '')}\n${eof}`;
}

export function planToShell(plan: Plan, version: string): string {
  // Every comment goes through commentSafe: paths and names are user input.
  const comment = (text: string) => `# ${commentSafe(text)}`;
  const out: string[] = [
    '#!/usr/bin/env bash',
    comment(`nslab ${version}: ${plan.kind === 'create' ? 'create' : 'tear down'} lab "${plan.lab}"${plan.file ? ` from ${plan.file}` : ''}.`),
    comment(plan.host ? `Host ${plan.host}'s part of the lab: run it as root there.` : `Equivalent to \`nslab ${plan.kind === 'create' ? 'up' : 'down'} ${plan.file ?? plan.lab}\`. Run as root.`),
    'set -euo pipefail',
  ];
  let group: string | undefined;
  for (const step of plan.steps) {
    const label = step.command ? 'software: nftables rulesets and setup commands, in their nodes' : step.ns === null ? 'host' : `namespace ${step.ns}`;
    if (label !== group) {
      group = label;
      out.push('', comment(`--- ${group}`));
      // What `up` prepares for them: each node's scratch folder ($NSLAB_DIR).
      if (step.command) {
        const dirs = scratchDirsOf(plan);
        if (dirs.length) out.push(`mkdir -p ${shJoin(dirs)}`);
      }
    }
    const cmd = commandLine(step);
    const tolerant = step.ifAbsent ? `${cmd} 2>/dev/null || true` : cmd;
    out.push(step.source ? `${tolerant}  ${comment(formatLoc(step.source))}` : tolerant);
  }
  if (plan.services?.length) {
    out.push('', comment('--- services: `nslab up` starts these once every step above has run (in their own sessions, output logged),'), comment('    waits until each is ready, and `nslab down` stops them; this script leaves them out.'));
    for (const s of plan.services) out.push(comment(`${s.id} in ${s.ns}: ${s.command}   (ready: ${s.ready})  ${formatLoc(s.source)}`));
  }
  return out.join('\n') + '\n';
}

/** The host command line equivalent to running a step in its namespace. */
export function commandLine(step: Step): string {
  if (step.command) return userCommandLine(step);
  if (step.ns === null) return shJoin(step.argv);
  const [tool, ...args] = step.argv;
  if (tool === 'ip' || tool === 'tc' || tool === 'bridge') return `${tool} -n ${shQuote(step.ns)} ${shJoin(args)}`;
  return `ip netns exec ${shQuote(step.ns)} ${shJoin(step.argv)}`;
}
