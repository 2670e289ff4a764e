/**
 * Lab state under /run/nslab (tmpfs: gone at reboot, like the namespaces):
 *   <lab>.json  what `up` created: the footprint, nodes, addresses — written
 *               before the first kernel object exists, so a killed `up`
 *               still leaves a record for `down`
 *
 * A lab name becomes a file name here and nowhere else, so this is where it
 * is checked: a name like `../../tmp/x` never reaches the file system.
 *
 * State files are read as untrusted input: a file that is not JSON or not of
 * the expected shape is reported as damaged (with the reason), never
 * trusted, and never breaks the reading of another lab's state.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { ExitCode, NslabError, UsageError } from '../diagnostics.js';
import type { Footprint } from '../compile/teardown.js';
import { labNameProblem } from '../topology/names.js';

export const STATE_DIR = process.env.NSLAB_STATE_DIR ?? '/run/nslab';

const FootprintSchema = z.object({
  lab: z.string(),
  namespaces: z.array(z.string()),
  hostLinks: z.array(z.string()),
  natRules: z.array(z.array(z.string())),
});

const LabStateSchema = z.object({
  version: z.literal(1),
  lab: z.string(),
  /** absolute path of the topology file */
  file: z.string().optional(),
  /** sha256 of the creation plan: the same file unchanged builds the same plan */
  planHash: z.string().optional(),
  /**
   * The topology as it is running: its text (what `apply` compares a changed
   * file with, and what `connect`/`disconnect` edit) and the sha256 of each
   * node's nft file, so a ruleset changed on disk is reloaded.
   */
  topology: z.object({ text: z.string(), nft: z.record(z.string(), z.string()).optional(), edited: z.boolean().optional() }).optional(),
  phase: z.enum(['creating', 'up']),
  pid: z.number(),
  createdAt: z.string(),
  footprint: FootprintSchema,
  nodes: z.array(z.object({ name: z.string(), kind: z.enum(['netns', 'bridge']), ns: z.string(), addresses: z.array(z.string()) })),
  /** the services started in the lab's nodes */
  services: z
    .array(
      z.object({
        id: z.string(), node: z.string(), ns: z.string(), pid: z.number(), startTicks: z.number(), log: z.string(), statusFile: z.string(),
        startedAt: z.string(), command: z.string(), stopped: z.boolean().optional(), cwd: z.string(), env: z.record(z.string(), z.string()),
      }),
    )
    .optional(),
});

export type LabState = z.infer<typeof LabStateSchema> & { footprint: Footprint };

export type StateRead =
  | { kind: 'absent' }
  | { kind: 'ok'; state: LabState }
  | { kind: 'damaged'; lab: string; path: string; reason: string };

export class LabBusyError extends NslabError {
  readonly exitCode = ExitCode.deployFailed;
  constructor(lab: string, pid: number | undefined) {
    super(`lab ${lab} is locked by another nslab process${pid ? ` (pid ${pid})` : ''}`);
    this.hint = 'wait for it to finish; if it is stuck, stop it, then run `nslab down` for the lab';
  }
}

/** The state file of a lab; the name is checked here, where it becomes a path. */
export function statePath(dir: string, lab: string): string {
  const problem = labNameProblem(lab);
  if (problem) throw new UsageError(problem, 'a lab name is 1-12 characters of a-z, 0-9 and -, starting with a letter (see `nslab status`)');
  return join(dir, `${lab}.json`);
}

export function readStateFile(lab: string, dir = STATE_DIR): StateRead {
  const path = statePath(dir, lab);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'damaged', lab, path, reason: (e as Error).message };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: 'damaged', lab, path, reason: 'not JSON' };
  }
  const parsed = LabStateSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { kind: 'damaged', lab, path, reason: `${issue.path.join('.') || 'the file'}: ${issue.message}` };
  }
  if (parsed.data.lab !== lab) return { kind: 'damaged', lab, path, reason: `it describes lab ${parsed.data.lab}` };
  return { kind: 'ok', state: parsed.data };
}

/** The state of a lab, or undefined when there is none or it is damaged (see readStateFile). */
export function readState(lab: string, dir = STATE_DIR): LabState | undefined {
  const r = readStateFile(lab, dir);
  return r.kind === 'ok' ? r.state : undefined;
}

/** Atomic: a reader never sees half a file. */
export function writeState(state: LabState, dir = STATE_DIR): void {
  const path = statePath(dir, state.lab);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, path);
}

export function removeState(lab: string, dir = STATE_DIR): void {
  rmSync(statePath(dir, lab), { force: true });
}

/** Every state file: the good ones, and the damaged ones with why. Files that are not `<lab>.json` are ignored. */
/** Every lab's state but `except`'s (down reads its own lab's once, on its own: a 1000-node state takes ≈ 10 ms to read and check). */
export function readAllStates(dir = STATE_DIR, except?: string): { states: LabState[]; damaged: Extract<StateRead, { kind: 'damaged' }>[] } {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return { states: [], damaged: [] };
  }
  const states: LabState[] = [];
  const damaged: Extract<StateRead, { kind: 'damaged' }>[] = [];
  for (const f of files.sort()) {
    const lab = f.endsWith('.json') ? f.slice(0, -5) : undefined;
    if (!lab || lab === except || labNameProblem(lab)) continue;
    const r = readStateFile(lab, dir);
    if (r.kind === 'ok') states.push(r.state);
    else if (r.kind === 'damaged') damaged.push(r);
  }
  return { states, damaged };
}

export function listStates(dir = STATE_DIR, except?: string): LabState[] {
  return readAllStates(dir, except).states;
}

export function planHash(planText: string): string {
  return createHash('sha256').update(planText).digest('hex');
}

/**
 * The lab's lock: an abstract unix socket named after the state directory
 * and the lab. Binding it is atomic (one process wins, the kernel decides),
 * and the kernel releases it when its holder exits, however it exits — so
 * there is no stale lock to take over, and no race in taking one over.
 * (A pid file with O_EXCL was not exclusive: two processes could both find
 * a dead owner's file stale and both proceed.) The holder answers a
 * connection with its pid, for the error message. Abstract sockets belong
 * to a network namespace: nslab runs in the host's, as it must to create
 * namespaces there.
 */
export async function acquireLock(lab: string, dir = STATE_DIR): Promise<() => void> {
  statePath(dir, lab); // the name is checked before it is used
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st = statSync(dir);
  const address = `\0nslab-lock/${st.dev}/${st.ino}/${lab}`;
  const server = createServer((c) => c.end(String(process.pid)));
  const taken = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(false) : reject(e)));
    server.listen({ path: address }, () => resolve(true));
  });
  if (!taken) throw new LabBusyError(lab, await holderPid(address));
  server.unref();
  return releaseOf(server);
}

function releaseOf(server: Server): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    server.close();
  };
}

async function holderPid(address: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const c = createConnection({ path: address });
    let data = '';
    const done = () => resolve(Number(data.trim()) || undefined);
    c.setTimeout(1000, () => (c.destroy(), done()));
    c.on('data', (d) => (data += d.toString()));
    c.on('end', done);
    c.on('error', done);
  });
}
