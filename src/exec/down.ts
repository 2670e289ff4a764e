/**
 * `down`: remove a lab from its state file, or — when the state is gone —
 * from what the kernel shows (discover.ts). Removing a lab that is not
 * there is a clean no-op.
 */
import { teardownPlan, type Footprint } from '../compile/teardown.js';
import { discoverFootprint, footprintSize } from './discover.js';
import { TeardownError } from './errors.js';
import { executePlan } from './executor.js';
import type { LifecycleOptions } from './options.js';
import { requireRoot, requireTools } from './preflight.js';
import { SpawnRunner } from './runner.js';
import { acquireLock, listStates, readState, removeState, STATE_DIR } from './state.js';

export interface DownResult {
  lab: string;
  /** where the footprint came from */
  source: 'state' | 'kernel';
  removed: Footprint;
  wasRunning: boolean;
  ms: number;
}

export async function down(labName: string, opts: LifecycleOptions = {}): Promise<DownResult> {
  const runner = opts.runner ?? new SpawnRunner();
  const stateDir = opts.stateDir ?? STATE_DIR;
  requireRoot('nslab down');
  requireTools(['ip']);
  const release = acquireLock(labName, stateDir);
  try {
    const t0 = performance.now();
    const state = readState(labName, stateDir);
    const others = new Set(listStates(stateDir).filter((s) => s.lab !== labName).flatMap((s) => s.footprint.namespaces));
    const footprint = state?.footprint ?? (await discoverFootprint(labName, runner, opts.concurrency, others));
    if (footprintSize(footprint) === 0) {
      removeState(labName, stateDir);
      return { lab: labName, source: state ? 'state' : 'kernel', removed: footprint, wasRunning: false, ms: performance.now() - t0 };
    }
    const outcome = await executePlan(teardownPlan(footprint), runner, {
      concurrency: opts.concurrency,
      force: true,
      onProgress: (e) => opts.onProgress?.({ ...e, phase: 'teardown' }),
    });
    if (outcome.failures.length) throw new TeardownError(labName, outcome.failures);
    removeState(labName, stateDir);
    return { lab: labName, source: state ? 'state' : 'kernel', removed: footprint, wasRunning: true, ms: performance.now() - t0 };
  } finally {
    release();
  }
}
