/**
 * Simulated hosts on one machine, the way Mininet's `fakecluster` does it:
 * each host is a network namespace with its own mount namespace (its own
 * /run/netns, /run/nslab and /etc/netns, so the labs it builds are its own)
 * and its own sshd; a controller namespace runs the coordinator. All of them
 * hang off one underlay bridge (198.51.100.0/24, TEST-NET-2: documentation
 * addresses, only ever inside these namespaces).
 *
 * A host lives as long as its sshd: killing it and every process still in
 * its mount namespace frees the namespaces it built, whatever state they
 * were left in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const NSLAB = [process.execPath, join(ROOT, 'bin/nslab.js')];
const NET = '198.51.100';

export interface SimHost {
  name: string;
  ns: string;
  address: string;
  sshd: ChildProcess;
}

export interface Cluster {
  hosts: SimHost[];
  hostsFile: string;
  dir: string;
  /** run the nslab CLI in the controller, as a user would */
  nslab(args: string[], opts?: { timeoutMs?: number }): { code: number; stdout: string; stderr: string };
  /** start the nslab CLI in the controller without waiting (to interrupt it) */
  spawnNslab(args: string[]): ChildProcess;
  /** run a command on a host, over ssh */
  onHost(host: string, cmd: string): { code: number; stdout: string; stderr: string };
  /** cut (or restore) a host's underlay link: it can no longer be reached */
  setReachable(host: string, up: boolean): void;
  /** the MTU of a host's underlay interface (9000 to start with) */
  setMtu(host: string, mtu: number): void;
  close(): Promise<void>;
}

const ip = (...args: string[]) => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
};

/** `count` hosts named m1…mN, their namespaces `<prefix>m1`…, a hosts file naming them. */
export async function startCluster(prefix: string, count: number, extraHostsYaml = ''): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-sim-'));
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'hostkey')]);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
  spawnSync('cp', [join(dir, 'id.pub'), join(dir, 'authorized_keys')]);
  spawnSync('mkdir', ['-p', '/run/sshd']);
  writeFileSync(join(dir, 'ssh_config'), `Host *\n  User root\n  IdentityFile ${dir}/id\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n`);
  const ul = `${prefix}ul`;
  const ctl = `${prefix}ctl`;
  ip('netns', 'add', ul);
  ip('-n', ul, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', ul, 'link', 'set', 'br0', 'up');
  const attach = (ns: string, address: string) => {
    ip('netns', 'add', ns);
    ip('-n', ul, 'link', 'add', `p-${ns}`.slice(0, 15), 'mtu', '9000', 'master', 'br0', 'type', 'veth', 'peer', 'name', 'u0', 'mtu', '9000', 'netns', ns);
    ip('-n', ul, 'link', 'set', `p-${ns}`.slice(0, 15), 'up');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'u0');
    ip('-n', ns, 'link', 'set', 'u0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  };
  attach(ctl, `${NET}.254`);
  const hosts: SimHost[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `m${i}`;
    const ns = `${prefix}${name}`;
    const address = `${NET}.${i}`;
    attach(ns, address);
    const cfg = join(dir, `sshd_${name}`);
    writeFileSync(cfg, `ListenAddress ${address}\nHostKey ${dir}/hostkey\nPidFile none\nAuthorizedKeysFile ${dir}/authorized_keys\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\nMaxStartups 100\nMaxSessions 100\n`);
    const boot = 'mount -t tmpfs tmpfs /run/netns && mkdir -p /run/nslab /etc/netns && mount -t tmpfs tmpfs /run/nslab && mount -t tmpfs tmpfs /etc/netns && exec /usr/sbin/sshd -D -e -f "$0"';
    const sshd = spawn('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', boot, cfg], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    await new Promise<void>((ok, fail) => {
      let log = '';
      const timer = setTimeout(() => fail(new Error(`sshd of ${name} did not start: ${log}`)), 10_000);
      sshd.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Server listening')) {
          clearTimeout(timer);
          ok();
        }
      });
      sshd.on('exit', () => fail(new Error(`sshd of ${name} exited: ${log}`)));
    });
    sshd.stderr!.resume();
    hosts.push({ name, ns, address, sshd });
  }
  const hostsFile = join(dir, 'hosts.yaml');
  writeFileSync(
    hostsFile,
    `hosts:\n${hosts.map((h) => `  ${h.name}: { ssh: root@${h.address} }\n`).join('')}ssh_config: ${dir}/ssh_config\nconnect_timeout: 3\nnslab: ${JSON.stringify(NSLAB)}\n${extraHostsYaml}`,
  );
  const sh = (argv: string[], timeoutMs = 300_000) => {
    const r = spawnSync('ip', ['netns', 'exec', ctl, ...argv], { encoding: 'utf8', timeout: timeoutMs, cwd: ROOT });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    hosts,
    hostsFile,
    dir,
    nslab: (args, opts) => sh([...NSLAB, ...args], opts?.timeoutMs),
    // `ip netns exec` execs: the child's pid is nslab's.
    spawnNslab: (args) => spawn('ip', ['netns', 'exec', ctl, ...NSLAB, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }),
    onHost: (host, cmd) => sh(['ssh', '-F', join(dir, 'ssh_config'), '-o', 'BatchMode=yes', `root@${hosts.find((h) => h.name === host)!.address}`, cmd], 60_000),
    setReachable: (host, up) => ip('-n', `${prefix}${host}`, 'link', 'set', 'u0', up ? 'up' : 'down'),
    setMtu: (host, mtu) => ip('-n', `${prefix}${host}`, 'link', 'set', 'u0', 'mtu', String(mtu)),
    async close() {
      for (const h of hosts) {
        // Everything still in the host's mount namespace (sshd, sessions, services a lab left): gone with it.
        const mnt = mountNsOf(h.sshd.pid);
        for (const pid of mnt ? pidsInMountNs(mnt) : []) spawnSync('kill', ['-KILL', String(pid)]);
        h.sshd.kill('SIGKILL');
      }
      await new Promise((r) => setTimeout(r, 200));
      for (const ns of [...hosts.map((h) => h.ns), ctl, ul]) spawnSync('ip', ['netns', 'del', ns]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The mount namespace of sshd (the `unshare` child `ip netns exec` started; sh exec'd into sshd). */
function mountNsOf(pid: number | undefined): string | undefined {
  if (pid === undefined) return undefined;
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

function pidsInMountNs(mnt: string): number[] {
  return readdirSync('/proc').flatMap((p) => {
    if (!/^\d+$/.test(p)) return [];
    try {
      return readlinkSync(`/proc/${p}/ns/mnt`) === mnt ? [Number(p)] : [];
    } catch {
      return [];
    }
  });
}
