/**
 * The in-process path into namespaces, when it can be had: the addon built
 * from native/netns.c (`npm run build:native`, also tried by `npm ci`), or
 * the prebuilt one shipped for this platform. Without it — no compiler at
 * install, another architecture, `NSLAB_NATIVE=0` — nslab runs every step
 * through `ip -batch`, as it always did: same plan, same kernel state.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Step } from '../compile/plan.js';
import { NETNS_DIR } from '../exec/batch.js';
import { packageRoot } from '../util/package.js';
import { encodeOps, encodeStep, type Op } from './encode.js';
import { failureText, type NativeFailure } from './messages.js';

interface Addon {
  configure(nsPath: string, ops: Buffer, keepGoing: boolean): Promise<(0 | Buffer | null | NativeFailure)[] | { errno: number; text: string; where: string }>;
  sourceHash: string;
}

/** What became of each step: undefined done, null never ran (an earlier one failed), or what failed, in the tool's words. */
export type StepOutcome = string | null | undefined;

/** What the executor needs of the in-process path. */
export interface Configurer {
  /** Every step has an in-process encoding (otherwise the group takes the ip path). */
  handles(steps: readonly Step[]): boolean;
  /** Runs a namespace's steps in order inside it, off the main thread; stops at the first failure unless keepGoing. */
  run(ns: string, steps: readonly Step[], keepGoing: boolean): Promise<StepOutcome[]>;
  /** where the addon was loaded from (nslab doctor says it) */
  origin: string;
}

export interface InProcess extends Configurer {
  /** One query inside the namespace (see encode.ts): the kernel's answer, or what failed, in words. */
  query(ns: string, op: Op): Promise<Uint8Array | string>;
}

/** The addon's candidates, most specific first: a local build, then the shipped prebuild. */
export function addonPaths(root: string): string[] {
  return [join(root, 'build/Release/nslab_netns.node'), join(root, `native/prebuilds/${process.platform}-${process.arch}/nslab_netns.node`)];
}

let cached: InProcess | null | undefined;

export function loadInProcess(env: NodeJS.ProcessEnv = process.env): InProcess | undefined {
  if (env.NSLAB_NATIVE === '0') return undefined;
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  const require = createRequire(import.meta.url);
  for (const path of addonPaths(packageRoot())) {
    if (!existsSync(path)) continue;
    try {
      cached = inProcessWith(require(path) as Addon, path);
      break;
    } catch {
      // built for another node or libc: the next candidate, or the ip path
    }
  }
  return cached ?? undefined;
}

export function inProcessWith(addon: Addon, origin: string): InProcess {
  const memo = new WeakMap<Step, Op[] | undefined>();
  const opOf = (s: Step) => {
    if (!memo.has(s)) memo.set(s, encodeStep(s));
    return memo.get(s);
  };
  return {
    origin,
    handles: (steps) => steps.every((s) => opOf(s) !== undefined),
    async run(ns, steps, keepGoing) {
      const perStep = steps.map((s) => opOf(s)!);
      const ops = perStep.flat();
      const r = await addon.configure(`${NETNS_DIR}/${ns}`, encodeOps(ops), keepGoing);
      if (!Array.isArray(r)) {
        // the namespace could not be entered: what nsenter would have said, on the first step
        return steps.map((_, k) => (k === 0 ? `nsenter: cannot open ${NETNS_DIR}/${ns}: ${r.text}` : null));
      }
      // a step is its operations' first failure, or not run, or done
      let at = 0;
      return perStep.map((stepOps) => {
        const answers = r.slice(at, (at += stepOps.length));
        const failed = answers.findIndex((x) => Array.isArray(x));
        if (failed >= 0) return failureText(stepOps[failed]!, answers[failed] as NativeFailure);
        return answers.some((x) => x === null) ? null : undefined;
      });
    },
    async query(ns, op) {
      const r = await addon.configure(`${NETNS_DIR}/${ns}`, encodeOps([op]), false);
      if (!Array.isArray(r)) return `cannot enter ${NETNS_DIR}/${ns}: ${r.text}`;
      const [answer] = r;
      if (Buffer.isBuffer(answer)) return answer;
      if (Array.isArray(answer)) return failureText(op, answer);
      return 'the kernel sent no answer';
    },
  };
}
