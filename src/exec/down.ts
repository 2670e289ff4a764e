/**
 * `down`: stop every process in the lab's namespaces, then remove the lab —
 * from its state file, or, when the state is gone or damaged, from what the
 * kernel shows (discover.ts). Removing a lab that is not there is a clean
 * no-op.
 */
import { teardownPlan, type Footprint } from '../compile/teardown.js';
import { discoverFootprint, footprintSize } from './discover.js';
import { TeardownError } from './errors.js';
import { executePlan } from './executor.js';
import type { LifecycleOptions } from './options.js';
import { requireRoot, requireTools } from './preflight.js';
import { processesIn, stopPids } from './processes.js';
import { SpawnRunner } from './runner.js';
import { acquireLock, listStates, readStateFile, removeState, STATE_DIR } from './state.js';

export interface DownResult {
  lab: string;
  /** where the footprint came from */
  source: 'state' | 'kernel';
  removed: Footprint;
  /** processes that were still running in the lab's namespaces, and were stopped */
  processesStopped: number;
  /** the state file was damaged (it is removed with the lab): why */
  damagedState?: string;
  wasRunning: boolean;
  ms: number;
}

export async function down(labName: string, opts: LifecycleOptions = {}): Promise<DownResult> {
  const runner = opts.runner ?? new SpawnRunner();
  const stateDir = opts.stateDir ?? STATE_DIR;
  requireRoot('nslab down', 'it deletes network namespaces');
  requireTools(['ip']);
  const release = await acquireLock(labName, stateDir);
  try {
    const t0 = performance.now();
    const read = readStateFile(labName, stateDir);
    const state = read.kind === 'ok' ? read.state : undefined;
    const others = new Set(listStates(stateDir).filter((s) => s.lab !== labName).flatMap((s) => s.footprint.namespaces));
    const footprint = state?.footprint ?? (await discoverFootprint(labName, runner, opts.concurrency, others));
    const base = { lab: labName, source: state ? 'state' : 'kernel', removed: footprint, ...(read.kind === 'damaged' ? { damagedState: read.reason } : {}) } as const;
    // Before the namespaces go: a process keeps its namespace alive, nameless, after `ip netns del`.
    const pids = [...processesIn(footprint.namespaces).values()].flat();
    if (pids.length) await stopPids(pids);
    if (footprintSize(footprint) === 0) {
      removeState(labName, stateDir);
      return { ...base, processesStopped: pids.length, wasRunning: false, ms: performance.now() - t0 };
    }
    const outcome = await executePlan(teardownPlan(footprint), runner, {
      concurrency: opts.concurrency,
      force: true,
      onProgress: (e) => opts.onProgress?.({ ...e, phase: 'teardown' }),
    });
    if (outcome.failures.length) throw new TeardownError(labName, outcome.failures);
    removeState(labName, stateDir);
    return { ...base, processesStopped: pids.length, wasRunning: true, ms: performance.now() - t0 };
  } finally {
    release();
  }
}
