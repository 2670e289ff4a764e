/**
 * Wait until a freshly built lab passes traffic. The kernel activates an
 * interface's queue asynchronously (linkwatch) after carrier comes up; until
 * then it shows `qdisc noop` and drops packets, so a check run straight after
 * `up` could lose its first probe on a big lab. Reads the lab back until every
 * interface of the lab has carrier and a real qdisc — in process when it can
 * (a netlink dump per namespace), else with `nsenter … ip` per namespace.
 */
import type { InProcess } from '../netlink/native.js';
import type { Lab } from '../topology/model.js';
import { inspectLab } from './inspect.js';
import type { Runner } from './runner.js';

export interface WaitOptions {
  /** give up after this long (default 10 s) */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** read the links in process (loadInProcess()), with no process per namespace */
  inProcess?: InProcess;
}

export async function waitReady(lab: Lab, runner: Runner, opts: WaitOptions = {}): Promise<{ ms: number; ready: boolean }> {
  const { timeoutMs = 10_000, signal, inProcess } = opts;
  const t0 = performance.now();
  const wanted = new Map<string, Set<string>>();
  const nsOf = new Map(lab.nodes.map((n) => [n.name, n.ns]));
  for (const l of lab.links) for (const e of l.ends) {
    const ns = nsOf.get(e.node)!;
    if (!wanted.has(ns)) wanted.set(ns, new Set());
    wanted.get(ns)!.add(e.ifname);
  }
  for (;;) {
    const seen = await inspectLab(lab, runner, { only: 'links', inProcess });
    const pending = [...wanted].some(([ns, ifs]) =>
      [...ifs].some((i) => {
        const l = seen.get(ns)?.links.find((x) => x.ifname === i);
        return !l || !l.flags.includes('LOWER_UP') || l.qdisc === 'noop';
      }),
    );
    const ms = performance.now() - t0;
    if (!pending) return { ms, ready: true };
    if (ms > timeoutMs || signal?.aborted) return { ms, ready: false };
    await new Promise((r) => setTimeout(r, 100));
  }
}
