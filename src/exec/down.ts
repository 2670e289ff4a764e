/**
 * `down`: stop every process in the lab's namespaces, then remove the lab —
 * from its state file, or, when the state is gone or damaged, from what the
 * kernel shows (discover.ts) — and the files its software used (hosts files,
 * logs). Removing a lab that is not there is a clean no-op. `up` rolls a
 * failed deploy back with the same removeLab.
 */
import { teardownPlan, type Footprint } from '../compile/teardown.js';
import { removeHosts } from '../services/hosts.js';
import { labDirs } from '../services/paths.js';
import { rmSync } from 'node:fs';
import { discoverFootprint, footprintSize } from './discover.js';
import { loadInProcess } from '../netlink/native.js';
import { TeardownError } from './errors.js';
import { executePlan, type ExecOutcome } from './executor.js';
import type { LifecycleOptions } from './options.js';
import { requireRoot, requireTools } from './preflight.js';
import { stopProcessesIn } from './processes.js';
import { SpawnRunner, type Runner } from './runner.js';
import { acquireLock, listStates, readStateFile, removeState, STATE_DIR } from './state.js';
import { stopwatch, type Stopwatch, type Timings } from './timings.js';

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
  /** where the time went (`nslab down --timings`): lock, state, processes, files, kernel_objects, state_removed */
  timings: Timings;
}

/**
 * Everything of a lab, gone: its processes (a process keeps its namespace
 * alive, nameless, after `ip netns del`), its kernel objects, its hosts
 * files and run folder. Safe to repeat.
 */
export async function removeLab(footprint: Footprint, runner: Runner, stateDir: string, opts: Pick<LifecycleOptions, 'concurrency' | 'onProgress'> & { phase?: 'teardown' | 'rollback'; clock?: Stopwatch } = {}): Promise<{ outcome: ExecOutcome; processesStopped: number }> {
  const processesStopped = await stopProcessesIn(footprint.namespaces);
  opts.clock?.lap('processes');
  // The files go first, before any namespace: the kernel frees a deleted
  // namespace later, on its own threads, and the file calls of a 1000-host
  // star then compete with it for the CPUs. Down of the star (2 cores, 4 runs
  // each, when they were 3000 calls): files first 118–177 ms; beside the
  // teardown 156–366 ms; after it 101–254 ms. Now 2000 calls (a link per
  // node, read and unlinked: see hosts.ts), 13–18 ms. Synchronous on
  // purpose: nothing else is waiting on this thread, and 1000 promises cost
  // more than the calls themselves.
  const dirs = labDirs(stateDir, footprint.lab);
  removeHosts(footprint.lab, dirs);
  rmSync(dirs.run, { recursive: true, force: true });
  opts.clock?.lap('files');
  // The namespaces go in ip processes, not in process (src/netlink): removing
  // the star's 1000 from a thread of nslab took 43–48 ms (one run 434 ms)
  // against ip -batch's 34–36 ms.
  const outcome = await executePlan(teardownPlan(footprint), runner, {
    concurrency: opts.concurrency,
    force: true,
    onProgress: (e) => opts.onProgress?.({ ...e, phase: opts.phase ?? 'teardown' }),
  });
  opts.clock?.lap('kernel_objects');
  return { outcome, processesStopped };
}

export async function down(labName: string, opts: LifecycleOptions = {}): Promise<DownResult> {
  const runner = opts.runner ?? new SpawnRunner();
  const stateDir = opts.stateDir ?? STATE_DIR;
  requireRoot('nslab down', 'it deletes network namespaces');
  requireTools(['ip']);
  const t0 = performance.now();
  const clock = stopwatch(t0);
  const release = await acquireLock(labName, stateDir);
  clock.lap('lock');
  try {
    const read = readStateFile(labName, stateDir);
    const state = read.kind === 'ok' ? read.state : undefined;
    // From the kernel only without a usable state file; other labs' namespaces are never taken for this one's.
    const others = () => new Set(listStates(stateDir, labName).flatMap((s) => s.footprint.namespaces));
    // In process only with the real runner: a recording one (the tests) must see every command.
    const footprint = state?.footprint ?? (await discoverFootprint(labName, runner, others(), { concurrency: opts.concurrency, inProcess: opts.runner ? undefined : loadInProcess() }));
    const base = { lab: labName, source: state ? 'state' : 'kernel', removed: footprint, ...(read.kind === 'damaged' ? { damagedState: read.reason } : {}) } as const;
    clock.lap('state');
    const { outcome, processesStopped } = await removeLab(footprint, runner, stateDir, { ...opts, clock });
    if (outcome.failures.length) throw new TeardownError(labName, outcome.failures);
    removeState(labName, stateDir);
    clock.lap('state_removed');
    return { ...base, processesStopped, wasRunning: footprintSize(footprint) > 0, ms: performance.now() - t0, timings: clock.timings };
  } finally {
    release();
  }
}
