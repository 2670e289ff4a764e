/**
 * Lab state under /run/nslab (tmpfs: gone at reboot, like the namespaces):
 *   <lab>.json  what `up` created: the footprint, nodes, addresses — written
 *               before the first kernel object exists, so a killed `up`
 *               still leaves a record for `down`
 *   <lab>.lock  a per-lab lock holding the owner's pid; stale when that
 *               process is gone
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { NslabError, ExitCode } from '../diagnostics.js';
import type { Footprint } from '../compile/teardown.js';

export const STATE_DIR = process.env.NSLAB_STATE_DIR ?? '/run/nslab';

export interface LabState {
  version: 1;
  lab: string;
  file?: string;
  phase: 'creating' | 'up';
  pid: number;
  createdAt: string;
  footprint: Footprint;
  nodes: { name: string; kind: 'netns' | 'bridge'; ns: string; addresses: string[] }[];
}

export class LabBusyError extends NslabError {
  readonly exitCode = ExitCode.deployFailed;
  constructor(lab: string, pid: number) {
    super(`lab ${lab} is locked by another nslab process (pid ${pid})`);
    this.hint = 'wait for it to finish; if it is stuck, stop it, then run `nslab down` for the lab';
  }
}

const statePath = (dir: string, lab: string) => join(dir, `${lab}.json`);
const lockPath = (dir: string, lab: string) => join(dir, `${lab}.lock`);

export function readState(lab: string, dir = STATE_DIR): LabState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir, lab), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** Atomic: a reader never sees half a file. */
export function writeState(state: LabState, dir = STATE_DIR): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = `${statePath(dir, state.lab)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, statePath(dir, state.lab));
}

export function removeState(lab: string, dir = STATE_DIR): void {
  rmSync(statePath(dir, lab), { force: true });
}

export function listStates(dir = STATE_DIR): LabState[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => readState(f.slice(0, -5), dir))
    .filter((s): s is LabState => s !== undefined)
    .sort((a, b) => a.lab.localeCompare(b.lab));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the lab's lock (O_EXCL create). A lock whose owner is dead — killed
 * with SIGKILL, say — is stale and taken over. Returns the release function.
 */
export function acquireLock(lab: string, dir = STATE_DIR): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = lockPath(dir, lab);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path, 'utf8').trim() || '0');
      if (owner && owner !== process.pid && alive(owner)) throw new LabBusyError(lab, owner);
      rmSync(path, { force: true }); // stale
    }
  }
  throw new LabBusyError(lab, 0);
}
