/**
 * A plan is data a person can read before anything is applied: ordered steps,
 * each with the namespace it runs in, its exact argv, what it depends on and
 * the topology line that produced it.
 */
import type { SourceLoc } from '../diagnostics.js';

/** Tools a step may run. `ip`, `tc` and `bridge` steps of one namespace can share one `-batch` process. */
export type Tool = 'ip' | 'tc' | 'bridge' | 'sysctl' | 'iptables';

export interface Step {
  /** stable, unique in the plan, e.g. `veth:3` or `addr:pc1:eth0:10.0.1.2/24` */
  id: string;
  /** the namespace the command runs in; null for the host's own namespace */
  ns: string | null;
  /** exact argv; argv[0] is the tool */
  argv: [Tool, ...string[]];
  /** ids of steps that must have succeeded first */
  deps: string[];
  /** what the step is for, in words */
  why: string;
  /** where in the topology it came from */
  source?: SourceLoc;
  /** teardown steps: the object being gone already is success */
  ifAbsent?: 'ok';
  /** a rollback's creation steps: the object being there already is success */
  ifExists?: 'ok';
  /**
   * A command of the user's (setup, nft): runs as a process of its own,
   * never batched, in `cwd` with `env` added, `input` on stdin, bounded by
   * `timeoutMs`; a failure reports its exit code and output.
   */
  command?: { cwd: string; env: Record<string, string>; input?: string; timeoutMs: number; needs: string[] };
}

export interface Plan {
  kind: 'create' | 'teardown';
  lab: string;
  /** the topology file, when the plan came from one */
  file?: string;
  /** one host's part of a lab spread over several (`plan --hosts`) */
  host?: string;
  steps: Step[];
  /** services `up` starts once every step has run (long-running: not steps) */
  services?: PlannedService[];
}

export interface PlannedService {
  id: string;
  ns: string;
  command: string;
  /** when it counts as started, in words */
  ready: string;
  source: SourceLoc;
}

/**
 * Plans are built in an order where every dependency comes first; this
 * asserts it (a failure is a compiler bug, not a user error).
 */
export function assertOrdered(plan: Plan): void {
  const seen = new Set<string>();
  for (const s of plan.steps) {
    if (seen.has(s.id)) throw new Error(`plan bug: duplicate step id ${s.id}`);
    for (const d of s.deps) if (!seen.has(d)) throw new Error(`plan bug: step ${s.id} depends on ${d}, which does not come before it`);
    seen.add(s.id);
  }
}
