/**
 * Names inside a lab: every node resolves to its first address (IPv4
 * first), `<node>-<ifname>` to that interface's. One hosts file per lab, in
 * the lab's etc folder; each node's /etc/netns/<ns> is a link to that
 * folder, so `ip netns exec` (services, checks, a person's shell) puts the
 * lab's hosts over /etc/hosts. A copy per node would be N² bytes (25 MB for
 * a 1000-host star); a folder per node holding a link to the file cost two
 * calls per node on `up` and three on `down` (rmdir is the dear one on ext4:
 * removing the star's 1000 took 57–70 ms, unlinking 1000 folder links 7–10 ms).
 */
import { readdirSync, readlinkSync, rmdirSync, unlinkSync, type Dirent } from 'node:fs';
import { link, lstat, mkdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
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

/** Filesystem calls in flight at once (libuv's pool runs 4). */
const FS_PARALLEL = 16;

/**
 * Write the lab's hosts file and point every namespace node's
 * /etc/netns/<ns> at the lab's etc folder: the first entry is a symlink, the
 * others hard links of it. A symlink is an inode of its own, a hard link
 * only a name: on ext4 (this machine's /etc, journalled) 1000 symlinks took
 * 154–323 ms, 1000 hard links 12–30 ms (6 runs each) — and beside the
 * namespaces being made, the symlinks slowed the star's `up` by ≈ 120 ms
 * (median of 10: 1.52 s against 1.39 s without any files).
 */
export async function installHosts(lab: Lab, dirs: LabDirs, etc = NETNS_ETC): Promise<void> {
  await mkdir(dirs.etc, { recursive: true });
  await writeFile(dirs.hosts, hostsFileText(lab));
  await mkdir(etc, { recursive: true });
  const entries = lab.nodes.flatMap((n) => (n.kind === 'netns' ? [join(etc, n.ns)] : []));
  let template: string | undefined;
  while (template === undefined && entries.length > 0) {
    const entry = entries.shift()!;
    if (await linkNode(entry, dirs)) template = entry;
  }
  const limit = pLimit(FS_PARALLEL);
  await Promise.all(entries.map((entry) => limit(() => linkNode(entry, dirs, template))));
  removeHosts(lab.name, dirs, etc, new Set(lab.nodes.map((n) => n.ns)));
}

/**
 * `/etc/netns/<ns>` → the lab's etc folder; true when it is now that link.
 * A folder a person made there (their own resolv.conf, say) stays, and gets
 * a link to the hosts file beside their files — unless it holds a hosts
 * file of theirs, which wins. A link left by a killed `up` is replaced.
 */
async function linkNode(entry: string, dirs: LabDirs, template?: string): Promise<boolean> {
  if (await linked(entry, dirs.etc, template)) return true;
  if ((await lstat(entry)).isDirectory()) await linked(join(entry, 'hosts'), dirs.hosts);
  return false;
}

/**
 * Make `path` a link to `target` — a hard link of `template` (a link to
 * `target` on the same filesystem) when there is one. A link already there
 * is kept if it points at `target` (a running lab's, on `apply`), else
 * replaced; false if a file or folder is there.
 */
async function linked(path: string, target: string, template?: string): Promise<boolean> {
  if (await created(path, target, template)) return true;
  if (!(await lstat(path)).isSymbolicLink()) return false;
  if ((await readlink(path)) === target) return true;
  await rm(path, { force: true });
  return created(path, target, template);
}

/** false if `path` exists; a hard link that cannot be made (too many links, another filesystem) is a symlink instead. */
async function created(path: string, target: string, template?: string): Promise<boolean> {
  try {
    if (template === undefined) await symlink(target, path);
    else await link(template, path).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? Promise.reject(e) : symlink(target, path)));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
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
 * `keep`: the namespaces still in the lab (installHosts, after an `apply`
 * that removed nodes, removes only theirs).
 */
export function removeHosts(lab: string, dirs: LabDirs, etc = NETNS_ETC, keep: ReadonlySet<string> = new Set()): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(etc, { withFileTypes: true }).filter((e) => e.name.startsWith(`${lab}-`) && !keep.has(e.name));
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
