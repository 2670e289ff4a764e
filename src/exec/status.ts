import { listNamespaces } from './discover.js';
import { listStates, readState, STATE_DIR, type LabState } from './state.js';

export interface LabStatus {
  lab: string;
  file?: string;
  phase: LabState['phase'];
  since: string;
  health: 'up' | 'degraded' | 'gone';
  namespaces: { expected: number; present: number; missing: string[] };
  nodes: (LabState['nodes'][number] & { present: boolean })[];
}

/** Labs known from their state, each checked against the namespaces that exist now. */
export function status(labName?: string, stateDir = STATE_DIR): LabStatus[] {
  const states = labName ? [readState(labName, stateDir)].filter((s): s is LabState => s !== undefined) : listStates(stateDir);
  const present = new Set(listNamespaces());
  return states.map((s) => {
    const missing = s.footprint.namespaces.filter((ns) => !present.has(ns));
    const expected = s.footprint.namespaces.length;
    return {
      lab: s.lab,
      file: s.file,
      phase: s.phase,
      since: s.createdAt,
      health: missing.length === 0 ? 'up' : missing.length === expected ? 'gone' : 'degraded',
      namespaces: { expected, present: expected - missing.length, missing },
      nodes: s.nodes.map((n) => ({ ...n, present: present.has(n.ns) })),
    };
  });
}
