/**
 * Names inside a lab: every node resolves to its first address (IPv4
 * first), `<node>-<ifname>` to that interface's. One hosts file per lab;
 * each node's /etc/netns/<ns>/hosts is a symlink to it (a copy per node would
 * be N² bytes: 25 MB for a 1000-host star).
 */
import { readdirSync, readlinkSync, rmdirSync, rmSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
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
 * Filesystem calls in flight at once. A 1000-host star makes 2000 of them
 * (a folder and a symlink per node): one after another they took 0.3 s on a
 * quiet host and 1.1 s while the kernel was still cleaning up a previous
 * lab, all of it on the deploy's critical path. In parallel (libuv's pool)
 * and beside the plan (see up.ts) they cost the deploy nothing measurable.
 */
const FS_PARALLEL = 16;

/** Write the lab's hosts file and point every namespace node's /etc/netns/<ns>/hosts at it. */
export async function installHosts(lab: Lab, dirs: LabDirs, etc = NETNS_ETC): Promise<void> {
  await mkdir(dirs.run, { recursive: true });
  await writeFile(dirs.hosts, hostsFileText(lab));
  const limit = pLimit(FS_PARALLEL);
  const link = async (ns: string) => {
    const dir = join(etc, ns);
    await mkdir(dir, { recursive: true });
    try {
      await symlink(dirs.hosts, join(dir, 'hosts'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await rm(join(dir, 'hosts'), { force: true });
      await symlink(dirs.hosts, join(dir, 'hosts'));
    }
  };
  await Promise.all(lab.nodes.flatMap((n) => (n.kind === 'netns' ? [limit(() => link(n.ns))] : [])));
}

/** Everything a lab's software sees before these plans run: the hosts links, and the scratch folders of the plans' commands. */
export async function prepareNodeFiles(lab: Lab, plans: readonly Plan[], dirs: LabDirs): Promise<void> {
  await installHosts(lab, dirs);
  await Promise.all(plans.flatMap(scratchDirsOf).map((d) => mkdir(d, { recursive: true })));
}

/**
 * Remove what installHosts made for a lab: every `<lab>-*` entry whose hosts
 * symlink points at this lab's hosts file — found by that, not by which
 * namespaces exist, so a killed `up` that wrote them before creating every
 * namespace leaves none behind — and the folder if nothing else is in it (a
 * file a person put there stays).
 */
export function removeHosts(lab: string, dirs: LabDirs, etc = NETNS_ETC): void {
  let entries: string[];
  try {
    entries = readdirSync(etc).filter((e) => e.startsWith(`${lab}-`));
  } catch {
    return;
  }
  for (const ns of entries) {
    const link = join(etc, ns, 'hosts');
    try {
      if (readlinkSync(link) === dirs.hosts) rmSync(link);
    } catch {
      /* not ours, or not there */
    }
    try {
      rmdirSync(join(etc, ns));
    } catch {
      /* not empty, or not there */
    }
  }
}
