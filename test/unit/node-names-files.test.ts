/**
 * The files that make node names resolve: one hosts file per lab in the
 * lab's etc folder, and /etc/netns/<ns> a link to that folder for every
 * namespace node (what `ip netns exec` puts over /etc). Run against
 * scratch folders standing in for /etc/netns and /run/nslab.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { installHosts, removeHosts } from '../../src/services/hosts.js';
import { labDirs, type LabDirs } from '../../src/services/paths.js';
import { loadTopology } from '../../src/topology/load.js';

const lab = loadTopology(
  'lab.yaml',
  `name: nm
nodes:
  a: {}
  b: {}
  sw: { kind: bridge, subnet: 10.9.0.0/24 }
links:
  - endpoints: [a:eth0, sw]
  - endpoints: [b:eth0, sw]
`,
);

let etc: string;
let dirs: LabDirs;
beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), 'nslab-names-'));
  etc = join(root, 'netns');
  dirs = labDirs(join(root, 'run'), lab.name);
});

describe('rule: each namespace node’s /etc/netns entry is one link to the lab’s etc folder', () => {
  it('links the namespace nodes (not the bridge) to the folder that holds the hosts file', async () => {
    await installHosts(lab, dirs, etc);
    expect(readdirSync(etc).sort()).toEqual(['nm-a', 'nm-b']);
    for (const ns of ['nm-a', 'nm-b']) {
      expect(lstatSync(join(etc, ns)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(etc, ns))).toBe(dirs.etc);
    }
    // The folder holds only what should go over /etc: ip netns exec bind-mounts every entry.
    expect(readdirSync(dirs.etc)).toEqual(['hosts']);
    expect(readFileSync(join(etc, 'nm-a', 'hosts'), 'utf8')).toMatch(/^10\.9\.0\.\d+\ta a-eth0$/m);
  });

  it('is one symlink with a hard link per further node (a name, not an inode: 20× cheaper on ext4)', async () => {
    await installHosts(lab, dirs, etc);
    const [a, b] = ['nm-a', 'nm-b'].map((ns) => lstatSync(join(etc, ns)));
    expect(a!.ino).toBe(b!.ino);
    expect(a!.nlink).toBe(2);
  });

  it('keeps the links of a running lab when written again (apply): no moment without names', async () => {
    await installHosts(lab, dirs, etc);
    // An inode number can be reused at once; with its birth time it names one file.
    const id = () => { const st = lstatSync(join(etc, 'nm-b'), { bigint: true }); return `${st.ino}@${st.birthtimeNs}`; };
    const before = id();
    await installHosts(lab, dirs, etc);
    expect(id()).toBe(before);
  });

  it('replaces a link a killed `up` left behind', async () => {
    mkdirSync(etc, { recursive: true });
    symlinkSync('/nonexistent/old', join(etc, 'nm-a'));
    await installHosts(lab, dirs, etc);
    expect(readlinkSync(join(etc, 'nm-a'))).toBe(dirs.etc);
  });

  it('keeps a hosts file a person put in their folder: theirs wins, up and down', async () => {
    mkdirSync(join(etc, 'nm-a'), { recursive: true });
    writeFileSync(join(etc, 'nm-a', 'hosts'), '192.0.2.1 theirs\n');
    await installHosts(lab, dirs, etc);
    expect(readFileSync(join(etc, 'nm-a', 'hosts'), 'utf8')).toBe('192.0.2.1 theirs\n');
    removeHosts(lab.name, dirs, etc);
    expect(readFileSync(join(etc, 'nm-a', 'hosts'), 'utf8')).toBe('192.0.2.1 theirs\n');
  });

  it('keeps a folder a person made for the namespace, and links the hosts file into it', async () => {
    mkdirSync(join(etc, 'nm-b'), { recursive: true });
    writeFileSync(join(etc, 'nm-b', 'resolv.conf'), 'nameserver 192.0.2.53\n');
    await installHosts(lab, dirs, etc);
    expect(lstatSync(join(etc, 'nm-b')).isDirectory()).toBe(true);
    expect(readlinkSync(join(etc, 'nm-b', 'hosts'))).toBe(dirs.hosts);
    removeHosts(lab.name, dirs, etc);
    expect(readdirSync(join(etc, 'nm-b'))).toEqual(['resolv.conf']);
  });
});

describe('rule: removing a lab’s names removes only what points at this lab', () => {
  it('removes the links, and nothing of another lab or a person', async () => {
    await installHosts(lab, dirs, etc);
    symlinkSync('/run/nslab/other/etc', join(etc, 'nm-c')); // same prefix, another lab's folder
    mkdirSync(join(etc, 'nmx-a'));
    removeHosts(lab.name, dirs, etc);
    expect(readdirSync(etc).sort()).toEqual(['nm-c', 'nmx-a']);
  });

  it('writing the names of a changed lab (apply) removes the links of nodes it no longer has', async () => {
    await installHosts(lab, dirs, etc);
    const smaller = { ...lab, nodes: lab.nodes.filter((n) => n.name !== 'b') };
    await installHosts(smaller, dirs, etc);
    expect(readdirSync(etc)).toEqual(['nm-a']);
  });

  it('removes the layout of labs made before the etc folder: a folder per node with a link to <run>/hosts', () => {
    mkdirSync(join(etc, 'nm-a'), { recursive: true });
    symlinkSync(join(dirs.run, 'hosts'), join(etc, 'nm-a', 'hosts'));
    removeHosts(lab.name, dirs, etc);
    expect(existsSync(join(etc, 'nm-a'))).toBe(false);
  });

  it('leaves a person’s hosts file that is not a link', () => {
    mkdirSync(join(etc, 'nm-a'), { recursive: true });
    writeFileSync(join(etc, 'nm-a', 'hosts'), '192.0.2.1 theirs\n');
    removeHosts(lab.name, dirs, etc);
    expect(readFileSync(join(etc, 'nm-a', 'hosts'), 'utf8')).toBe('192.0.2.1 theirs\n');
  });
});
