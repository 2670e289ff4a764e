/**
 * Which labs exist: from their state files, each checked against the
 * namespaces present now — and, as root, from the kernel's tags, for labs
 * whose state file is missing or damaged (a killed `up`, a wiped /run/nslab,
 * a file edited by hand). Such a lab is shown, and `down` removes it.
 */
import { health } from '../services/supervise.js';
import { labsInKernel, listNamespaces } from './discover.js';
import type { InProcess } from '../netlink/native.js';
import type { Runner } from './runner.js';
import { readAllStates, readStateFile, STATE_DIR, type LabState } from './state.js';

export interface LabStatus {
  lab: string;
  file?: string;
  /** `connect`/`disconnect` changed it since it was built or applied from the file */
  edited?: boolean;
  phase: LabState['phase'];
  since: string;
  health: 'up' | 'degraded' | 'gone';
  namespaces: { expected: number; present: number; missing: string[] };
  nodes: (LabState['nodes'][number] & { present: boolean })[];
  /** each service: running, or how it ended */
  services: { id: string; pid: number; running: boolean; ended?: string; stopped?: boolean; log: string }[];
}

/** A lab the kernel holds without a usable state file. */
export interface StatelessLab {
  lab: string;
  namespaces: string[];
  /** the state file exists but cannot be trusted: why */
  damaged?: string;
}

export interface StatusReport {
  labs: LabStatus[];
  stateless: StatelessLab[];
  /** state files that cannot be read, for labs with nothing left in the kernel */
  damaged: { lab: string; path: string; reason: string }[];
}

function statusOf(s: LabState, present: ReadonlySet<string>): LabStatus {
  const missing = s.footprint.namespaces.filter((ns) => !present.has(ns));
  const expected = s.footprint.namespaces.length;
  return {
    lab: s.lab,
    file: s.file,
    ...(s.topology?.edited ? { edited: true } : {}),
    phase: s.phase,
    since: s.createdAt,
    health: missing.length === expected ? 'gone' : missing.length > 0 || (s.services ?? []).some((r) => !r.stopped && !health(r).alive) ? 'degraded' : 'up',
    namespaces: { expected, present: expected - missing.length, missing },
    nodes: s.nodes.map((n) => ({ ...n, present: present.has(n.ns) })),
    services: (s.services ?? []).map((r) => {
      const h = health(r);
      return { id: r.id, pid: r.pid, running: h.alive, ...(h.ended ? { ended: h.ended } : {}), ...(r.stopped ? { stopped: true } : {}), log: r.log };
    }),
  };
}

/**
 * Labs known from their state, and — given a runner (root: it enters
 * namespaces) — labs found from the kernel's tags that no state describes.
 */
export async function status(labName?: string, opts: { stateDir?: string; runner?: Runner; inProcess?: InProcess } = {}): Promise<StatusReport> {
  const dir = opts.stateDir ?? STATE_DIR;
  const all = labName ? one(labName, dir) : readAllStates(dir);
  const namespaces = listNamespaces();
  const present = new Set(namespaces);
  const labs = all.states.map((s) => statusOf(s, present));
  const stateless: StatelessLab[] = [];
  if (opts.runner) {
    const claimed = new Set(readAllStates(dir).states.flatMap((s) => s.footprint.namespaces));
    const unclaimed = namespaces.filter((ns) => !claimed.has(ns) && (!labName || ns.startsWith(`${labName}-`)));
    for (const [lab, nss] of await labsInKernel(opts.runner, unclaimed, { inProcess: opts.inProcess })) {
      if (labName && lab !== labName) continue;
      const damaged = all.damaged.find((d) => d.lab === lab);
      stateless.push({ lab, namespaces: nss, ...(damaged ? { damaged: damaged.reason } : {}) });
    }
  }
  const damaged = all.damaged.filter((d) => !stateless.some((s) => s.lab === d.lab)).map(({ lab, path, reason }) => ({ lab, path, reason }));
  return { labs, stateless: stateless.sort((a, b) => a.lab.localeCompare(b.lab)), damaged };
}

function one(lab: string, dir: string): ReturnType<typeof readAllStates> {
  const r = readStateFile(lab, dir);
  return { states: r.kind === 'ok' ? [r.state] : [], damaged: r.kind === 'damaged' ? [r] : [] };
}
