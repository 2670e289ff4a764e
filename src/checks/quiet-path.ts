/**
 * Waiting for a path's queues to empty before a throughput measurement.
 *
 * iperf3's UDP setup (3.12, Debian 12) has no retry: its server takes the
 * first datagram that reaches its port as the new client's hello and
 * answers it. Behind a queue that keeps flows apart (fq_codel, cake, fq,
 * sfq), the previous run's control connection is not queued behind its
 * datagrams, so that run ends while they still wait: 0.35–0.4 s of them
 * under cake in the bufferbloat lab (its `pk_delay`). The next server takes
 * one of them for the hello, answers a sender that is gone ("Connection
 * refused" on its side), and the new client waits 30 s and fails ("unable
 * to read from stream socket"). That failed the bufferbloat queue sweep in
 * 3 of 4 CI runs in the kernel VM. A run that starts on an empty path also
 * measures what it says: its first RTTs are not the last run's queue.
 */
import type { PathInterface } from '../compile/path.js';
import { nsPrefix } from '../exec/batch.js';
import type { Runner } from '../exec/runner.js';

export interface Queued {
  node: string;
  ifname: string;
  packets: number;
}

/**
 * Packets queued per interface, from `tc -s -j qdisc show`. A parent
 * qdisc's figure includes its children's, so the largest one of an
 * interface is its queue. Interfaces with nothing queued are left out.
 */
export function queuedPackets(tcJson: string): Map<string, number> {
  const out = new Map<string, number>();
  let qdiscs: unknown;
  try {
    qdiscs = JSON.parse(tcJson);
  } catch {
    return out;
  }
  if (!Array.isArray(qdiscs)) return out;
  for (const q of qdiscs as { dev?: unknown; qlen?: unknown }[]) {
    if (typeof q.dev !== 'string' || typeof q.qlen !== 'number' || q.qlen <= 0) continue;
    out.set(q.dev, Math.max(out.get(q.dev) ?? 0, q.qlen));
  }
  return out;
}

export interface QuietOptions {
  /** give up after this long and report what is still queued (10 s) */
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves once no interface of `path` has a packet queued, or at the
 * timeout with what is still queued (traffic the lab makes itself may never
 * stop; the measurement then goes ahead). A namespace that cannot be read
 * (a node on another host) counts as empty: waiting is a courtesy to the
 * measurement, never a reason for it to fail.
 */
export async function awaitQuietPath(runner: Runner, path: readonly PathInterface[], opts: QuietOptions = {}): Promise<{ waitedMs: number; queued: Queued[] }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pollMs = opts.pollMs ?? 50;
  const t0 = performance.now();
  for (;;) {
    const queued = await readQueued(runner, path);
    const waitedMs = performance.now() - t0;
    if (queued.length === 0 || waitedMs >= timeoutMs || opts.signal?.aborted) return { waitedMs, queued };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function readQueued(runner: Runner, path: readonly PathInterface[]): Promise<Queued[]> {
  const byNs = new Map<string, PathInterface[]>();
  for (const p of path) byNs.set(p.ns, [...(byNs.get(p.ns) ?? []), p]);
  const reads = [...byNs].map(async ([ns, ifaces]) => {
    const r = await runner.run({ argv: [...nsPrefix(ns), 'tc', '-s', '-j', 'qdisc', 'show'] });
    const packets = r.exitCode === 0 ? queuedPackets(r.stdout) : new Map<string, number>();
    return ifaces.filter((p) => packets.has(p.ifname)).map((p) => ({ node: p.node, ifname: p.ifname, packets: packets.get(p.ifname)! }));
  });
  return (await Promise.all(reads)).flat();
}
