/**
 * Segmentation and receive offloads as a sweep dimension. On veth pairs they
 * decide throughput more than MTU does: with GSO/TSO a sender hands the
 * stack 64 KiB super-packets whatever the MTU, and GRO merges on receive.
 * `offload: on|off` sets the three together with ethtool; what the kernel
 * then reports is read back (a driver may refuse a feature, or tie them).
 * Pure: the commands and the parsing; bench/run.ts runs them.
 */

export type OffloadState = 'on' | 'off';

/** ethtool's names for the three features, in `ethtool -K` words and `ethtool -k` lines. */
export const OFFLOAD_FEATURES = [
  { word: 'gso', line: 'generic-segmentation-offload' },
  { word: 'gro', line: 'generic-receive-offload' },
  { word: 'tso', line: 'tcp-segmentation-offload' },
] as const;

export type Offloads = Record<(typeof OFFLOAD_FEATURES)[number]['word'], boolean>;

/** `ethtool -K IF gso on gro on tso on`: one state for all three, or each its own (to restore). */
export function offloadArgv(ifname: string, want: OffloadState | Offloads): string[] {
  const state = (w: keyof Offloads) => (typeof want === 'string' ? want : want[w] ? 'on' : 'off');
  return ['ethtool', '-K', ifname, ...OFFLOAD_FEATURES.flatMap((f) => [f.word, state(f.word)])];
}

/** The three features from `ethtool -k IF` (`generic-receive-offload: on`, maybe `[fixed]`). */
export function parseOffloads(text: string): Offloads | undefined {
  const out: Partial<Offloads> = {};
  for (const f of OFFLOAD_FEATURES) {
    const m = new RegExp(`^${f.line}: (on|off)`, 'm').exec(text);
    if (!m) return undefined;
    out[f.word] = m[1] === 'on';
  }
  return out as Offloads;
}

/** What differs from `want`, in words a person reads. */
export function offloadMismatches(where: string, want: OffloadState, got: Offloads | undefined): string[] {
  if (!got) return [`${where}: ethtool -k did not report gso, gro and tso`];
  return OFFLOAD_FEATURES.filter((f) => got[f.word] !== (want === 'on')).map((f) => `${where}: ${f.word} is ${got[f.word] ? 'on' : 'off'}, expected ${want}`);
}
