/**
 * Where a lab's software keeps its files: a folder per lab beside its state
 * file (/run/nslab/<lab>/, tmpfs), holding the shared hosts file, each
 * service's log and exit status, and a scratch folder per node
 * ($NSLAB_DIR). `down` removes it with the lab.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { nodeDirIn } from '../compile/dirs.js';

/** `ip netns exec NS` bind-mounts the files of /etc/netns/NS over /etc. */
export const NETNS_ETC = process.env.NSLAB_NETNS_ETC ?? '/etc/netns';

export interface LabDirs {
  run: string;
  /** the files `ip netns exec` puts over /etc in every node: /etc/netns/<ns> is a symlink to this folder */
  etc: string;
  hosts: string;
  logs: string;
  nodes: string;
}

export function labDirs(stateDir: string, lab: string): LabDirs {
  const run = join(stateDir, lab);
  return { run, etc: join(run, 'etc'), hosts: join(run, 'etc', 'hosts'), logs: join(run, 'logs'), nodes: join(run, 'nodes') };
}

/** `srv/web` → files named `srv.web` (node and service names have no dots). */
export const serviceLog = (dirs: LabDirs, id: string) => join(dirs.logs, `${id.replace('/', '.')}.log`);
export const serviceStatus = (dirs: LabDirs, id: string) => join(dirs.logs, `${id.replace('/', '.')}.status`);
export const nodeDir = (dirs: LabDirs, node: string) => nodeDirIn(dirs.run, node);

/**
 * The variables every command nslab runs in a node sees. The scratch folder
 * is made here, on first use, not for every node at `up`: most nodes of a
 * big lab never run anything, and a folder per node cost a 1000-host star
 * 1000 mkdirs on `up` and as many rmdirs on `down`.
 */
export function nodeEnv(lab: string, node: string, dirs: LabDirs): Record<string, string> {
  mkdirSync(nodeDir(dirs, node), { recursive: true });
  return { NSLAB_LAB: lab, NSLAB_NODE: node, NSLAB_DIR: nodeDir(dirs, node) };
}
