/**
 * Names inside a lab: every node resolves to its first address (IPv4
 * first), `<node>-<ifname>` to that interface's. One hosts file per lab, in
 * the lab's etc folder; each node's /etc/netns/<ns> is a symlink to that
 * folder, so `ip netns exec` (services, checks, a person's shell) puts the
 * lab's hosts over /etc/hosts. A copy per node would be N² bytes (25 MB for
 * a 1000-host star); a folder per node holding a link to the file cost two
 * calls per node on `up` and three on `down` (rmdir is the dear one on ext4:
 * removing the star's 1000 took 57–70 ms, unlinking 1000 folder links 7–10 ms).
 */
import { readdirSync, readlinkSync, rmdirSync, unlinkSync, type Dirent } from 'node:fs';
import { lstat, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { scratchDirsOf } from '../compile/dirs.js';
import type { Plan } from '../compile/plan.js';
import pLimit from 'p-limit';
import { join } from 'node:path';
import { formatAddress, type Cidr } from '../topology/ip.js';
import type { Lab } from '../topology/model.js';
import { NETNS_ETC, type LabDirs } from './paths.js';
import { endsAndVlanIfs } from '../topology/interfaces.js';

const first = (cidrs: Cidr[]) => cidrs.find((c) => c.family === 4) ?? cidrs[0];

/** The hosts file of a lab. Pure. */
export function hostsFileText(lab: Lab): string {
  const names = new Map<string, string[]>();
  const add = (addr: string, name: string) => (names.get(addr) ?? names.set(addr, []).get(addr)!).push(name);
  const byNode = new Map<string, { ifname: string; cidrs: Cidr[] }[]>();
  for (const l of lab.links) for (const e of endsAndVlanIfs(l)) if (e.kind === 'netns' && e.addresses.length) (byNode.get(e.node) ?? byNode.set(e.node, []).get(e.node)!).push({ ifname: e.ifname, cidrs: e.addresses.map((a) => a.cidr) });
  for (const [node, ifaces] of byNode) {
    add(formatAddress(first(ifaces.flatMap((i) => i.cidrs))!), node);
    for (const i of ifaces) add(formatAddress(first(i.cidrs)!), `${node}-${i.ifname}`);
  }
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `# lab ${lab.name}, written by nslab`];
  for (const [addr, n] of names) lines.push(`${addr}\t${n.join(' ')}`);
  return lines.join('\n') + '\n';
}

/**
 * Filesystem calls in flight at once: a 1000-host star makes 1000 links.
 * When they were 2000 calls (a folder and a link per node), one after
 * another they took 0.3 s on a quiet host and 1.1 s while the kernel was
 * still cleaning up a previous lab, all of it on the deploy's critical path.
 * In parallel (libuv's pool) and beside the plan (see up.ts) they cost the
 * deploy nothing measurable.
 */
const FS_PARALLEL = 16;

/** Write the lab's hosts file and point every namespace node's /etc/netns/<ns> at the lab's etc folder. */
export async function installHosts(lab: Lab, dirs: LabDirs, etc = NETNS_ETC): Promise<void> {
  await mkdir(dirs.etc, { recursive: true });
  await writeFile(dirs.hosts, hostsFileText(lab));
  await mkdir(etc, { recursive: true });
  const limit = pLimit(FS_PARALLEL);
  await Promise.all(lab.nodes.flatMap((n) => (n.kind === 'netns' ? [limit(() => linkNode(join(etc, n.ns), dirs))] : [])));
}

/**
 * `/etc/netns/<ns>` → the lab's etc folder. A folder a person made there
 * (their own resolv.conf, say) stays, and gets a link to the hosts file
 * beside their files — unless it holds a hosts file of theirs, which wins.
 * A link left by a killed `up` is replaced.
 */
async function linkNode(entry: string, dirs: LabDirs): Promise<void> {
  if (await linked(entry, dirs.etc)) return;
  if ((await lstat(entry)).isDirectory()) await linked(join(entry, 'hosts'), dirs.hosts);
}

/** Make `path` a link to `target`, replacing a link (never a file or folder); false if something else is there. */
async function linked(path: string, target: string): Promise<boolean> {
  try {
    await symlink(target, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (!(await lstat(path)).isSymbolicLink()) return false;
  await rm(path, { force: true });
  await symlink(target, path);
  return true;
}

/** Everything a lab's software sees before these plans run: the hosts links, and the scratch folders of the plans' commands. */
export async function prepareNodeFiles(lab: Lab, plans: readonly Plan[], dirs: LabDirs): Promise<void> {
  await installHosts(lab, dirs);
  await Promise.all(plans.flatMap(scratchDirsOf).map((d) => mkdir(d, { recursive: true })));
}

/**
 * Remove what installHosts made for a lab: every `<lab>-*` entry that links
 * to this lab's etc folder, and in a person's folder the link to this lab's
 * hosts file (and the folder, if nothing else is in it). Found by where the
 * links point, not by which namespaces exist, so a killed `up` that made
 * them before every namespace leaves none behind. Labs made by nslab before
 * the etc folder (a folder per node, a link to `<run>/hosts`) are removed too.
 */
export function removeHosts(lab: string, dirs: LabDirs, etc = NETNS_ETC): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(etc, { withFileTypes: true }).filter((e) => e.name.startsWith(`${lab}-`));
  } catch {
    return;
  }
  const ours = new Set([dirs.hosts, join(dirs.run, 'hosts')]);
  for (const e of entries) {
    const entry = join(etc, e.name);
    if (e.isSymbolicLink()) unlinkIf(entry, (to) => to === dirs.etc);
    else if (e.isDirectory()) {
      unlinkIf(join(entry, 'hosts'), (to) => ours.has(to));
      try {
        rmdirSync(entry);
      } catch {
        /* not empty: a person's files stay */
      }
    }
  }
}

function unlinkIf(path: string, ours: (target: string) => boolean): void {
  try {
    if (ours(readlinkSync(path))) unlinkSync(path);
  } catch {
    /* not a link, or not there */
  }
}
