/**
 * Where a lab's files go, as plans name them. A module of its own, apart
 * from create.ts: `down` needs these paths but not the compiler, and
 * importing create.ts loaded graphology and the topology's schema into every
 * `down` (≈ 40 ms of a 0.3 s command).
 */
import type { Plan } from './plan.js';

/** Where `up` keeps a lab's files unless told otherwise (NSLAB_STATE_DIR moves them). */
export const defaultRunDir = (lab: string) => `${process.env.NSLAB_STATE_DIR ?? '/run/nslab'}/${lab}`;
/** A node's scratch folder in its lab's run folder: $NSLAB_DIR of everything run in the node. */
export const nodeDirIn = (runDir: string, node: string) => `${runDir}/nodes/${node}`;

/** The scratch folders the plan's commands (setup, nft) run with: made before the plan runs, by `up` and by the script of `plan --format sh`. */
export const scratchDirsOf = (plan: Plan): string[] => [...new Set(plan.steps.flatMap((s) => (s.command?.env.NSLAB_DIR ? [s.command.env.NSLAB_DIR] : [])))];
