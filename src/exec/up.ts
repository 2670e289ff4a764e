/**
 * `up`: a complete lab or nothing. State is written before the first kernel
 * object exists, so `down` works even after `up` was killed with SIGKILL; on
 * any failure (or abort) everything created is rolled back before returning.
 * One `up`/`down` per lab at a time (per-lab lock); different labs coexist.
 */
import { existsSync } from 'node:fs';
import { creationPlan } from '../compile/create.js';
import type { Plan } from '../compile/plan.js';
import { footprintOf, teardownPlan } from '../compile/teardown.js';
import type { Lab } from '../topology/model.js';
import { listNamespaces } from './discover.js';
import { impairmentFeatures, requireFeatures } from './doctor.js';
import { DeployError, LabConflictError } from './errors.js';
import { executePlan, type ExecOutcome } from './executor.js';
import type { LifecycleOptions } from './options.js';
import { requireRoot, requireTools, toolsOf } from './preflight.js';
import { SpawnRunner } from './runner.js';
import { acquireLock, readState, removeState, STATE_DIR, writeState, type LabState } from './state.js';

export interface UpResult {
  lab: Lab;
  plan: Plan;
  outcome: ExecOutcome;
  ms: number;
}

export async function up(lab: Lab, opts: LifecycleOptions = {}): Promise<UpResult> {
  const runner = opts.runner ?? new SpawnRunner({ dieWithParent: true });
  const stateDir = opts.stateDir ?? STATE_DIR;
  const plan = creationPlan(lab);
  requireRoot('nslab up');
  requireTools([...toolsOf(plan), 'setpriv', 'bash']);
  // Only impairments are worth a probe: namespaces, veth and bridges fail
  // on the first step anyway, with a clear error and nothing to roll back.
  await requireFeatures(runner, impairmentFeatures(lab.links, lab.checks));
  const release = acquireLock(lab.name, stateDir);
  try {
    refuseConflicts(lab, stateDir);
    const t0 = performance.now();
    writeState(stateOf(lab, 'creating'), stateDir);
    const outcome = await executePlan(plan, runner, {
      concurrency: opts.concurrency,
      signal: opts.signal,
      onProgress: (e) => opts.onProgress?.({ ...e, phase: 'create' }),
    });
    if (!outcome.ok) {
      const rollback = await executePlan(teardownPlan(footprintOf(lab)), runner, {
        concurrency: opts.concurrency,
        force: true,
        onProgress: (e) => opts.onProgress?.({ ...e, phase: 'rollback' }),
      });
      if (rollback.failures.length === 0) removeState(lab.name, stateDir);
      throw new DeployError(lab.name, outcome.failures[0], outcome.aborted ? 'was interrupted' : 'failed', rollback.failures);
    }
    writeState(stateOf(lab, 'up'), stateDir);
    return { lab, plan, outcome, ms: performance.now() - t0 };
  } finally {
    release();
  }
}

function refuseConflicts(lab: Lab, stateDir: string): void {
  const existing = readState(lab.name, stateDir);
  if (existing) {
    throw new LabConflictError(
      `lab ${lab.name} is already ${existing.phase === 'up' ? 'up' : 'partly deployed'} (since ${existing.createdAt}${existing.file ? `, from ${existing.file}` : ''})`,
      `run \`nslab down ${lab.name}\` first, or give this lab another \`name:\``,
    );
  }
  const present = new Set(listNamespaces());
  const clash = lab.nodes.map((n) => n.ns).filter((ns) => present.has(ns));
  if (clash.length) {
    throw new LabConflictError(
      `namespace${clash.length > 1 ? 's' : ''} ${clash.slice(0, 5).join(', ')}${clash.length > 5 ? ` and ${clash.length - 5} more` : ''} already exist${clash.length > 1 ? '' : 's'}, and no running lab ${lab.name} owns ${clash.length > 1 ? 'them' : 'it'}`,
      `if they are left over from lab ${lab.name}, run \`nslab down ${lab.name}\`; otherwise remove them (\`ip netns del NAME\`) or rename the lab`,
    );
  }
  for (const n of lab.nodes) {
    if (n.kind === 'bridge' && n.host && existsSync(`/sys/class/net/${n.host.hostIf}`)) {
      throw new LabConflictError(`host interface ${n.host.hostIf} (for bridge ${n.name}) already exists`, `run \`nslab down ${lab.name}\` first`);
    }
  }
}

function stateOf(lab: Lab, phase: LabState['phase']): LabState {
  const addresses = new Map<string, string[]>();
  for (const l of lab.links) for (const e of l.ends) addresses.set(e.node, [...(addresses.get(e.node) ?? []), ...e.addresses.map((a) => a.text)]);
  return {
    version: 1,
    lab: lab.name,
    file: lab.file,
    phase,
    pid: process.pid,
    createdAt: new Date().toISOString(),
    footprint: footprintOf(lab),
    nodes: lab.nodes.map((n) => ({ name: n.name, kind: n.kind, ns: n.ns, addresses: addresses.get(n.name) ?? [] })),
  };
}
