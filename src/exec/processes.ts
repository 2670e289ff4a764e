/**
 * The processes living in a lab's namespaces, found from the kernel alone,
 * and how they are stopped. Deleting a namespace does not stop a process in
 * it (the process keeps the namespace alive, detached from its name): a
 * `sleep` started with `nslab exec`, a check's ping left by a killed nslab,
 * a service. `down` stops them first, whether or not a state file is left.
 *
 * A process is in a namespace when /proc/PID/ns/net is the same nsfs inode
 * as /run/netns/NAME (what `ip netns pids` does, for every namespace in one
 * pass over /proc instead of one per namespace).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { NETNS_DIR } from './batch.js';

const inodeKey = (st: { dev: number; ino: number }) => `${st.dev}:${st.ino}`;

/** Pids per namespace name, for the namespaces that hold any. nslab's own process is never listed. */
export function processesIn(namespaces: readonly string[], procDir = '/proc', netnsDir = NETNS_DIR): Map<string, number[]> {
  const byInode = new Map<string, string>();
  for (const ns of namespaces) {
    try {
      byInode.set(inodeKey(statSync(`${netnsDir}/${ns}`)), ns);
    } catch {
      /* already gone */
    }
  }
  const out = new Map<string, number[]>();
  if (byInode.size === 0) return out;
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let key: string;
    try {
      key = inodeKey(statSync(`${procDir}/${entry}/ns/net`));
    } catch {
      continue; // exited meanwhile, or a kernel thread
    }
    const ns = byInode.get(key);
    if (ns && !isZombie(pid, procDir)) (out.get(ns) ?? out.set(ns, []).get(ns)!).push(pid);
  }
  return out;
}

function isZombie(pid: number, procDir: string): boolean {
  try {
    // `pid (comm) S …`: the state follows the last `)` (comm may itself hold parentheses).
    const stat = readFileSync(`${procDir}/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true; // gone
  }
}

function alive(pid: number, procDir = '/proc'): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid, procDir);
}

/**
 * TERM, then KILL whatever is still alive after `graceMs`; resolves once all
 * are gone (or after another second, for a process stuck in the kernel).
 * Returns the pids that needed KILL.
 */
export async function stopPids(pids: readonly number[], graceMs = 2000): Promise<number[]> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const waitGone = async (ms: number) => {
    const until = performance.now() + ms;
    for (let left = pids.filter((p) => alive(p)); left.length; left = left.filter((p) => alive(p))) {
      if (performance.now() > until) return left;
      await new Promise((r) => setTimeout(r, 20));
    }
    return [];
  };
  const stubborn = await waitGone(graceMs);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  await waitGone(1000);
  return stubborn;
}

/** Stop every process in these namespaces (TERM, then KILL); how many there were. */
export async function stopProcessesIn(namespaces: readonly string[]): Promise<number> {
  const pids = [...processesIn(namespaces).values()].flat();
  if (pids.length) await stopPids(pids);
  return pids.length;
}
