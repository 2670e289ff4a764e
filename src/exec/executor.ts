/**
 * Runs a plan: as parallel as its dependencies allow, with few processes.
 *
 * Scheduling: whenever a slot is free, walk the pending steps in plan order
 * and put each ready one into a group — one group per namespace (its ip, tc
 * and sysctl steps, in plan order), host steps per tool. A step is
 * ready when its dependencies are done, or sit earlier in the same group (a
 * group runs its steps in order). Groups are formed only when a slot frees
 * up, so they grow as large as possible. Namespace groups then travel in
 * bundles (batch.ts): one process configures several namespaces.
 *
 * Failure: creation stops scheduling at the first failed step, lets running
 * processes finish, and reports which step failed with what the kernel said.
 * Teardown (`force`) goes on past errors and treats "already gone" as done.
 */
import type { Plan, Step } from '../compile/plan.js';
import {
  NETNS_DIR,
  batchable,
  bundleable,
  bundleInvocation,
  invocationFor,
  meansAbsent,
  meansExists,
  nsPrefix,
  parseBatchFailures,
  parseBundle,
  parseSysctlFailures,
  segmentsOf,
  type Invocation,
} from './batch.js';
import type { Runner, RunResult } from './runner.js';
import type { Configurer, StepOutcome } from '../netlink/native.js';

export interface StepFailure {
  step: Step;
  /** what the tool said (stderr), trimmed */
  message: string;
  /** the process that ran it */
  invocation: Invocation;
}

export interface ExecOutcome {
  ok: boolean;
  /** ids of steps that succeeded */
  done: Set<string>;
  /** creation: the first failure; teardown: every failure that was not "already gone" */
  failures: StepFailure[];
  /** processes started */
  processes: number;
  /** namespaces configured in process (netlink and /proc/sys from a thread inside them), without a process */
  inProcess?: number;
  aborted: boolean;
}

export type ProgressEvent =
  | { type: 'batch-start'; ns: string | null; steps: number }
  | { type: 'batch-done'; ns: string | null; steps: number; done: number; total: number };

export interface ExecOptions {
  /** processes at once (default 4) */
  concurrency?: number;
  /** most namespaces one bundle process configures (default 32; 1 = a process per namespace) */
  bundle?: number;
  /** teardown mode: continue past errors, "already gone" is success */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** Steps an earlier call already ran (`up` makes the namespaces while it plans the rest): done from the start. */
  done?: ReadonlySet<string>;
  /**
   * Configure a namespace without starting a process when every step of its
   * group can be (src/netlink); the others take the ip -batch bundles.
   */
  inProcess?: Configurer;
}

type State = 'pending' | 'running' | 'done' | 'failed';

/**
 * Creating namespaces and veth pairs on the host is split into chunks that
 * run in parallel: namespace creation scales over cores (1000 `netns add`:
 * 1.2 s in one process, 0.8 s in two), and a finished chunk of veth pairs
 * lets its namespaces start configuring while the next chunk is created
 * (1000-host star: 3.1 s → 2.7 s). A chunk is an even share of the slots,
 * from 32 to 256: the 200 namespaces of a chain were one chunk, in one process
 * (kernel work 0.81 s; in chunks of 50: 0.55 s), while the star's 1000 are
 * fastest in chunks of 256 (2.9 s; of 128: 3.4 s). Other host work contends
 * for kernel locks and is fastest in one process (1000 `netns del`: 0.03 s in
 * one, 0.4 s in four). Making the namespaces from threads of nslab instead
 * (unshare and a bind mount, as ip does, in native/netns.c) was measured
 * and dropped: the star's `up` took 1.65 s (median of 5) against 1.57 s
 * with these ip processes — the time is the kernel's, not the processes'.
 */
const HOST_CHUNK = 256;
/** below this, another process costs more than it saves */
const MIN_CHUNK = 32;
const chunkedOnHost = (s: Step) => s.ns === null && s.argv[0] === 'ip' && s.argv[2] === 'add' && (s.argv[1] === 'netns' || s.argv[1] === 'link');

export function executePlan(plan: Plan, runner: Runner, opts: ExecOptions = {}): Promise<ExecOutcome> {
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const maxBundle = Math.max(1, opts.bundle ?? 32);
  const force = opts.force ?? false;
  const steps = plan.steps;
  const indexOf = new Map(steps.map((s, i) => [s.id, i]));
  const depIdx = steps.map((s) => s.deps.map((d) => indexOf.get(d)!));
  const state: State[] = steps.map((s) => (opts.done?.has(s.id) ? 'done' : 'pending'));
  const done = new Set<string>(steps.filter((s) => opts.done?.has(s.id)).map((s) => s.id));
  const failures: StepFailure[] = [];
  let active = 0;
  let processes = 0;
  const inProcessNs = new Set<string>();

  const stopped = () => (!force && failures.length > 0) || Boolean(opts.signal?.aborted);

  // Computed once: the scheduler runs after every finished process and must
  // stay cheap on 6000-step plans.
  const inBundle = steps.map(bundleable);
  const groupKey = steps.map((s, i) =>
    inBundle[i] ? `ns\0${s.ns}` : chunkedOnHost(s) ? `chunked\0${s.argv[1]}` : batchable(s) && s.ns === null ? `host\0${s.argv[0]}` : `solo\0${i}`,
  );
  const stillPending = (indices: readonly number[]) => indices.filter((i) => state[i] === 'pending');
  // The steps not yet started, in plan order; trimmed as they start.
  let pending = stillPending(steps.map((_, i) => i));
  let requeued = false;
  /**
   * A step its process never reached (ip -batch and the addon stop at a
   * failing line, also one "already gone" is fine with) goes back in the
   * queue. It had left `pending`: without this it never ran and the plan
   * ended unfinished — `apply` removing a node whose veth another node's
   * removals also named failed so, 3 times in 20.
   */
  const requeue = (i: number) => {
    state[i] = 'pending';
    requeued = true;
  };
  const chunkSize = new Map<string, number>();
  for (const key of groupKey) if (key.startsWith('chunked')) chunkSize.set(key, (chunkSize.get(key) ?? 0) + 1);
  for (const [key, n] of chunkSize) chunkSize.set(key, Math.min(HOST_CHUNK, Math.max(MIN_CHUNK, Math.ceil(n / concurrency))));

  /** Groups of ready steps in plan order; at most `limit` of them. */
  const formGroups = (limit: number): number[][] => {
    pending = stillPending(requeued ? steps.map((_, i) => i) : pending);
    requeued = false;
    const groups = new Map<string, number[]>();
    const groupOf = new Map<number, string>();
    const chunk = new Map<string, number>();
    for (const i of pending) {
      const base = groupKey[i]!;
      const key = base.startsWith('chunked') ? `${base}#${chunk.get(base) ?? 0}` : base;
      if (!groups.has(key) && groups.size >= limit) continue;
      // In teardown a failed dependency does not block: its steps are independent by design.
      const ready = depIdx[i]!.every((d) => state[d] === 'done' || (force && state[d] === 'failed') || groupOf.get(d) === key);
      if (!ready) continue;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(i);
      groupOf.set(i, key);
      if (base.startsWith('chunked') && g.length >= chunkSize.get(base)!) chunk.set(base, (chunk.get(base) ?? 0) + 1);
    }
    return [...groups.values()];
  };

  /** Groups → processes: namespace groups in bundles spread over the free slots; biggest first. */
  const unitsFor = (groups: number[][], free: number): number[][][] => {
    const solo = groups.filter((g) => !inBundle[g[0]!]);
    const ns = groups.filter((g) => inBundle[g[0]!]);
    const slots = Math.max(1, free - Math.min(solo.length, free - 1));
    const size = Math.max(1, Math.min(maxBundle, Math.ceil(ns.length / slots)));
    const units: number[][][] = solo.map((g) => [g]);
    for (let k = 0; k < ns.length; k += size) units.push(ns.slice(k, k + size));
    // Longest first, so a big batch (a bridge with 1000 ports) is not the tail.
    const weight = (u: number[][]) => u.reduce((n, g) => n + g.length, 0);
    return units.sort((a, b) => weight(b) - weight(a)).slice(0, free);
  };

  return new Promise((resolve) => {
    const finishIfIdle = () => {
      if (active > 0) return;
      const ok = failures.length === 0 && done.size === steps.length;
      resolve({ ok, done, failures, processes, ...(opts.inProcess ? { inProcess: inProcessNs.size } : {}), aborted: Boolean(opts.signal?.aborted) });
    };

    const pump = () => {
      const free = concurrency - active;
      if (!stopped() && free > 0) for (const unit of unitsFor(formGroups(free * maxBundle), free)) launch(unit);
      finishIfIdle();
    };

    /**
     * A bundle's namespaces that can be configured in process are; the rest go
     * on in one process. A bundle split so holds two slots for a moment: one
     * more than `concurrency`, of which one is not a process.
     */
    const launch = (unit: number[][]) => {
      const inProc = opts.inProcess;
      if (!inProc || !inBundle[unit[0]![0]!]) return launchProcess(unit);
      const [native, rest] = partition(unit, (g) => inProc.handles(g.map((i) => steps[i]!)));
      if (rest.length) launchProcess(rest);
      if (native.length) launchInProcess(native, inProc);
    };

    /**
     * Each namespace of the unit on a thread of libuv's pool (native/netns.c):
     * the main thread goes on starting and reaping the host's processes. Run
     * on the main thread instead, the star's 1000 namespaces held it for
     * 1.4 s, and the last chunk of veths waited for it.
     */
    const launchInProcess = (unit: number[][], inProc: Configurer) => {
      for (const group of unit) for (const i of group) state[i] = 'running';
      active++;
      const stepCount = unit.reduce((n, g) => n + g.length, 0);
      const ns = steps[unit[0]![0]!]!.ns;
      opts.onProgress?.({ type: 'batch-start', ns, steps: stepCount });
      const runGroup = async (group: number[]) => {
        const gsteps = group.map((i) => steps[i]!);
        const outcomes = await inProc.run(gsteps[0]!.ns!, gsteps, force).catch((e: unknown) => gsteps.map((_, k) => (k === 0 ? (e as Error).message : null)));
        inProcessNs.add(gsteps[0]!.ns!);
        settleOutcomes(group, gsteps, { argv: [`in-process:${NETNS_DIR}/${gsteps[0]!.ns}`] }, outcomes);
      };
      void Promise.all(unit.map(runGroup)).finally(() => {
        active--;
        opts.onProgress?.({ type: 'batch-done', ns, steps: stepCount, done: done.size, total: steps.length });
        pump();
      });
    };

    const launchProcess = (unit: number[][]) => {
      const parts = unit.map((group) => group.map((i) => steps[i]!));
      for (const group of unit) for (const i of group) state[i] = 'running';
      active++;
      processes++;
      const stepCount = unit.reduce((n, g) => n + g.length, 0);
      const bundled = inBundle[unit[0]![0]!]!;
      const inv = bundled ? bundleInvocation(parts) : invocationFor(parts[0]!, { force });
      opts.onProgress?.({ type: 'batch-start', ns: parts[0]![0]!.ns, steps: stepCount });
      runner
        // A user's command (a setup that sleeps, waits, downloads) is killed with its process group on an
        // interrupt, so the rollback starts at once; kernel batches are short and run to their end.
        .run({ argv: inv.argv, input: inv.input, cwd: inv.cwd, env: inv.env, timeoutMs: inv.timeoutMs, untilExit: inv.untilExit, ...(parts[0]![0]!.command && opts.signal ? { signal: opts.signal } : {}) })
        .then((r) => (bundled ? settleBundle(unit, parts, inv, r) : settle(unit[0]!, parts[0]!, inv, parts[0]![0]!.command ? commandError(r) : errorOf(r))))
        .catch((e: unknown) => settle(unit[0]!, parts[0]!, inv, (e as Error).message))
        .finally(() => {
          active--;
          opts.onProgress?.({ type: 'batch-done', ns: parts[0]![0]!.ns, steps: stepCount, done: done.size, total: steps.length });
          pump();
        });
    };

    const errorOf = (r: RunResult): string | undefined =>
      r.exitCode === 0 && !r.failedToRun ? undefined : r.failedToRun ?? `${r.stderr}${r.stdout ? `\n${r.stdout}` : ''}`;

    /** A user's command (setup, nft): its exit status, then everything it printed. */
    const commandError = (r: RunResult): string | undefined => {
      if (r.exitCode === 0 && !r.failedToRun) return undefined;
      const output = `${r.stdout}${r.stderr}`.trim();
      return `${r.failedToRun ? r.failedToRun : `exited with status ${r.exitCode}`}${output ? `; its output:\n${output}` : ' (no output)'}`;
    };

    /** Each segment of each namespace in a bundle is settled on its own. */
    const settleBundle = (unit: number[][], parts: Step[][], inv: Invocation, r: RunResult) => {
      // The bundle stops at the first failing segment with exit 1: exit 0 means every segment succeeded.
      if (r.exitCode === 0 && !r.failedToRun) {
        unit.forEach((group) => settle(group, [], inv, undefined));
        return;
      }
      const segs = unit.flatMap((group, k) => segmentsOf(parts[k]!).map((seg) => ({ group, steps: parts[k]!, seg })));
      const results = parseBundle(r.stderr, segs.map(({ steps: s, seg }) => `${seg.tool}:${s[0]!.ns}`));
      segs.forEach(({ group, steps: gsteps, seg }, k) => {
        const res = results[k]!;
        const idx = group.slice(seg.from, seg.to);
        const sub = gsteps.slice(seg.from, seg.to);
        if (res.ran) {
          const segInv: Invocation = { argv: [...nsPrefix(sub[0]!.ns), seg.tool, ...(seg.tool === 'sysctl' ? ['-w'] : ['-batch', '-'])] };
          settle(idx, sub, segInv, res.exitCode === 0 ? undefined : res.output || `exit ${res.exitCode}`, seg.tool !== 'sysctl');
        } else {
          for (const i of idx) requeue(i); // never reached
        }
      });
      // bash itself failed before running a segment (or timed out): blame the first step.
      const broken = r.failedToRun ?? (r.exitCode !== 0 && results.every((x) => x.exitCode === 0 || !x.ran) ? r.stderr || `exit ${r.exitCode}` : undefined);
      if (broken !== undefined) settle([unit[0]![0]!], [parts[0]![0]!], inv, broken, false);
    };

    /** Mark a finished group's steps done or failed from what the process said. */
    const settle = (group: number[], gsteps: Step[], inv: Invocation, errorText: string | undefined, viaBatch = inv.input !== undefined) => {
      if (errorText === undefined) {
        for (const i of group) markDone(i);
        return;
      }
      const tool = gsteps[0]!.argv[0];
      const perStep = viaBatch ? parseBatchFailures(errorText) : tool === 'sysctl' && group.length > 1 ? parseSysctlFailures(errorText, gsteps) : [];
      if (perStep.length === 0) {
        // The process failed as a whole (could not enter the namespace, tool missing…): blame its first step.
        perStep.push({ index: 0, message: errorText.trim() });
        for (let k = 1; k < group.length; k++) requeue(group[k]!);
      }
      const failedAt = new Map(perStep.map((f) => [f.index, f.message]));
      // Without -force, ip stops at the first failure: later lines did not run.
      const firstFail = Math.min(...perStep.map((f) => f.index));
      group.forEach((i, k) => {
        const msg = failedAt.get(k);
        if (msg !== undefined) {
          if (failureIsDone(gsteps[k]!, msg)) markDone(i);
          else {
            state[i] = 'failed';
            failures.push({ step: gsteps[k]!, message: msg, invocation: inv });
          }
        } else if (state[i] === 'running' && (force || !viaBatch || k < firstFail)) {
          markDone(i);
        } else if (state[i] === 'running') {
          requeue(i); // never ran
        }
      });
    };

    /** Per-step answers (in process): the same rules as a batch's failures, step by step. */
    const settleOutcomes = (group: number[], gsteps: Step[], inv: Invocation, outcomes: StepOutcome[]) => {
      group.forEach((i, k) => {
        const o = outcomes[k];
        if (o === undefined) markDone(i);
        else if (o === null) requeue(i); // never ran
        else if (failureIsDone(gsteps[k]!, o)) markDone(i);
        else {
          state[i] = 'failed';
          failures.push({ step: gsteps[k]!, message: o, invocation: inv });
        }
      });
    };

    const markDone = (i: number) => {
      state[i] = 'done';
      done.add(steps[i]!.id);
    };

    opts.signal?.addEventListener('abort', () => finishIfIdle(), { once: true });
    pump();
  });
}

/**
 * A step that says so takes "already gone" (teardown, removals) or "already
 * there" (a rollback re-creating what may still exist) as done.
 */
function failureIsDone(step: Step, message: string): boolean {
  return (step.ifAbsent === 'ok' && meansAbsent(message)) || (step.ifExists === 'ok' && meansExists(message));
}

function partition<T>(xs: readonly T[], pred: (x: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of xs) (pred(x) ? yes : no).push(x);
  return [yes, no];
}
