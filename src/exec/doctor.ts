/**
 * What this host can do, found out for real: tools and their versions, and
 * kernel features tried in a scratch namespace (a feature list in /proc can
 * say a module exists while loading it fails; creating the object cannot lie).
 * The scratch namespace is always deleted, so probing leaves nothing behind.
 */
import { loadInProcess } from '../netlink/native.js';
import { release } from 'node:os';
import { EnvironmentError } from '../diagnostics.js';
import type { Check, Lab, Link } from '../topology/model.js';
import { qdiscKinds } from '../topology/netem.js';
import { MANAGED_QUEUES } from '../topology/schema.js';
import { nsPrefix } from './batch.js';
import { findInPath, PACKAGE_OF, requireTools } from './preflight.js';
import { SpawnRunner, type Runner } from './runner.js';

export type Feature = 'netns' | 'veth' | 'bridge' | 'vlan-filtering' | '8021q' | 'vxlan' | 'netem' | 'tbf' | 'htb' | (typeof MANAGED_QUEUES)[number] | 'iptables';

export interface Finding {
  name: string;
  group: 'host' | 'tool' | 'kernel';
  ok: boolean;
  /** version, or why it failed */
  detail: string;
  /** what to install or load when it is missing */
  fix?: string;
  /** without it nslab cannot deploy at all; the rest serve particular features */
  required: boolean;
  /** what needs it */
  usedFor: string;
}

interface ToolProbe {
  tool: string;
  argv: string[];
  required: boolean;
  usedFor: string;
}

const TOOLS: ToolProbe[] = [
  { tool: 'ip', argv: ['ip', '-V'], required: true, usedFor: 'namespaces, links, addresses, routes' },
  { tool: 'tc', argv: ['tc', '-V'], required: false, usedFor: 'netem impairments and shaping' },
  { tool: 'nsenter', argv: ['nsenter', '--version'], required: true, usedFor: 'running batches inside namespaces' },
  { tool: 'setpriv', argv: ['setpriv', '--version'], required: true, usedFor: 'helpers that die with nslab' },
  { tool: 'bash', argv: ['bash', '--version'], required: true, usedFor: 'per-namespace step bundles' },
  { tool: 'sysctl', argv: ['sysctl', '--version'], required: true, usedFor: 'node sysctls' },
  { tool: 'ping', argv: ['ping', '-V'], required: false, usedFor: 'ping and mtu checks' },
  { tool: 'fping', argv: ['fping', '-v'], required: false, usedFor: 'reach checks' },
  { tool: 'iperf3', argv: ['iperf3', '--version'], required: false, usedFor: 'iperf checks' },
  { tool: 'iptables', argv: ['iptables', '--version'], required: false, usedFor: 'NAT for host-attached bridges' },
  { tool: 'nft', argv: ['nft', '--version'], required: false, usedFor: '`nft:` rulesets in nodes' },
  { tool: 'tcpdump', argv: ['tcpdump', '--version'], required: false, usedFor: 'capture checks' },
  { tool: 'ethtool', argv: ['ethtool', '--version'], required: false, usedFor: 'offload sweeps in `nslab bench`' },
];

interface KernelProbe {
  feature: Feature;
  /** commands run in the scratch namespace, after the ones of the features before */
  argv: string[][];
  module: string;
  required: boolean;
  usedFor: string;
}

/** In order: later probes use the veth pair and bridge the earlier ones made. */
const KERNEL: KernelProbe[] = [
  { feature: 'veth', argv: [['ip', 'link', 'add', 'nsd0', 'type', 'veth', 'peer', 'name', 'nsd1']], module: 'veth', required: true, usedFor: 'every link' },
  { feature: 'bridge', argv: [['ip', 'link', 'add', 'nsdbr', 'type', 'bridge']], module: 'bridge', required: true, usedFor: 'bridge nodes' },
  { feature: 'vlan-filtering', argv: [['ip', 'link', 'add', 'nsdvf', 'type', 'bridge', 'vlan_filtering', '1']], module: 'bridge', required: false, usedFor: '`vlan_filtering` bridges (`vlan`, `vlans`)' },
  { feature: '8021q', argv: [['ip', 'link', 'add', 'link', 'nsd0', 'name', 'nsd0.10', 'type', 'vlan', 'id', '10']], module: '8021q', required: false, usedFor: 'tagged VLANs on a node\'s interface (`vlans:` to a node)' },
  { feature: 'vxlan', argv: [['ip', 'link', 'add', 'nsdvx', 'type', 'vxlan', 'id', '42', 'dstport', '4789']], module: 'vxlan', required: false, usedFor: 'overlay links' },
  { feature: 'netem', argv: [['tc', 'qdisc', 'add', 'dev', 'nsd0', 'root', 'netem', 'delay', '1ms']], module: 'sch_netem', required: false, usedFor: '`netem:` impairments' },
  { feature: 'tbf', argv: [['tc', 'qdisc', 'add', 'dev', 'nsd1', 'root', 'tbf', 'rate', '1mbit', 'burst', '1600', 'latency', '50ms']], module: 'sch_tbf', required: false, usedFor: '`shape:` rate limits' },
  { feature: 'htb', argv: [['tc', 'qdisc', 'add', 'dev', 'nsdbr', 'root', 'handle', '1:', 'htb']], module: 'sch_htb', required: false, usedFor: 'classful shaping' },
  // The queues `shape: { queue }` puts in front of a bottleneck (and bench sweeps); `replace`, so each probe finds nsd0 free.
  ...MANAGED_QUEUES.map((q): KernelProbe => ({ feature: q, argv: [['tc', 'qdisc', 'replace', 'dev', 'nsd0', 'root', q]], module: `sch_${q}`, required: false, usedFor: `\`shape: { queue: ${q} }\`` })),
  { feature: 'iptables', argv: [['iptables', '-w', '-t', 'nat', '-A', 'POSTROUTING', '-s', '192.0.2.0/24', '-j', 'MASQUERADE']], module: 'iptable_nat', required: false, usedFor: 'NAT for host-attached bridges' },
];

function kernelFix(p: KernelProbe, stderr: string): string {
  if (p.feature === 'iptables' && /not found|No such file/i.test(stderr) && !findInPath('iptables')) return 'apt-get install iptables';
  const generic = `modprobe ${p.module}; if there is no such module, this kernel was built without it — use a distribution kernel (Debian: linux-image-amd64)`;
  if (p.feature === 'netem') return `${generic}. nslab's own CI measures netem in such a kernel under QEMU (ci/qemu/)`;
  if (p.feature === 'vlan-filtering') {
    return 'this kernel\'s bridge was built without CONFIG_BRIDGE_VLAN_FILTERING; use a distribution kernel (Debian: linux-image-amd64). nslab\'s own CI tests VLANs in such a kernel under QEMU (ci/qemu/)';
  }
  if (p.feature === '8021q') return `${generic}. nslab's own CI tests VLAN interfaces in such a kernel under QEMU (ci/qemu/)`;
  if ((MANAGED_QUEUES as readonly string[]).includes(p.feature)) return `${generic}. nslab's own CI tests each queue in such a kernel under QEMU (ci/qemu/)`;
  return generic;
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.trim() ?? '';

async function probeTools(runner: Runner): Promise<Finding[]> {
  return Promise.all(
    TOOLS.map(async (t): Promise<Finding> => {
      const base = { name: t.tool, group: 'tool' as const, required: t.required, usedFor: t.usedFor };
      if (!findInPath(t.tool)) return { ...base, ok: false, detail: 'not installed', fix: `apt-get install ${PACKAGE_OF[t.tool] ?? t.tool}` };
      const r = await runner.run({ argv: t.argv, timeoutMs: 5000 });
      return { ...base, ok: true, detail: firstLine(r.stdout) || firstLine(r.stderr) || 'installed' };
    }),
  );
}

/**
 * Try each kernel feature in a scratch namespace. `only` limits the probe to
 * what a topology needs (netns and veth are always tried: the rest need them).
 */
export async function probeKernel(runner: Runner, only?: ReadonlySet<Feature>): Promise<Finding[]> {
  const ns = `nslab-doctor-${process.pid}-${Date.now() % 100000}`;
  const findings: Finding[] = [];
  const add = await runner.run({ argv: ['ip', 'netns', 'add', ns] });
  findings.push({
    name: 'netns', group: 'kernel', required: true, usedFor: 'every node',
    ok: add.exitCode === 0,
    detail: add.exitCode === 0 ? 'network namespaces work' : firstLine(add.failedToRun ?? add.stderr),
    ...(add.exitCode === 0 ? {} : { fix: 'run as root on a kernel with CONFIG_NET_NS (every distribution kernel has it)' }),
  });
  if (add.exitCode !== 0) return findings;
  try {
    for (const p of KERNEL) {
      if (only && p.feature !== 'veth' && !only.has(p.feature)) continue;
      let error = '';
      for (const argv of p.argv) {
        const r = await runner.run({ argv: [...nsPrefix(ns), ...argv], timeoutMs: 10_000 });
        if (r.exitCode !== 0) {
          error = firstLine(r.failedToRun ?? r.stderr) || `exit ${r.exitCode}`;
          break;
        }
      }
      findings.push({
        name: p.feature, group: 'kernel', required: p.required, usedFor: p.usedFor,
        ok: error === '',
        detail: error === '' ? 'works' : error,
        ...(error === '' ? {} : { fix: kernelFix(p, error) }),
      });
    }
  } finally {
    await runner.run({ argv: ['ip', 'netns', 'del', ns] });
  }
  return findings;
}

export async function runDoctor(runner: Runner = new SpawnRunner()): Promise<Finding[]> {
  const root = typeof process.getuid !== 'function' || process.getuid() === 0;
  const host: Finding[] = [
    { name: 'kernel', group: 'host', ok: true, required: false, detail: release(), usedFor: 'everything' },
    {
      name: 'root', group: 'host', ok: root, required: true, usedFor: 'creating namespaces',
      detail: root ? 'running as root' : `running as uid ${process.getuid?.()}`,
      ...(root ? {} : { fix: 'run as root, e.g. `sudo npx nslab doctor`' }),
    },
    inProcessFinding(),
  ];
  const tools = await probeTools(runner);
  const kernel = root && findInPath('ip') ? await probeKernel(runner) : [];
  return [...host, ...tools, ...kernel];
}

/** The in-process path (src/netlink): optional, faster; without it every namespace is configured by ip -batch. */
function inProcessFinding(): Finding {
  const addon = loadInProcess();
  return {
    name: 'in-process', group: 'host', ok: addon !== undefined, required: false, usedFor: 'configuring namespaces without a process each',
    detail: addon ? `addon ${addon.origin}` : process.env.NSLAB_NATIVE === '0' ? 'off (NSLAB_NATIVE=0): ip -batch' : 'no addon for this platform: ip -batch',
    ...(addon || process.env.NSLAB_NATIVE === '0' ? {} : { fix: 'install a C compiler (apt-get install gcc) and run `npm run build:native` in the nslab checkout' }),
  };
}

/**
 * What `doctor --fix` installs: the Debian package of every missing tool
 * (and of iptables when NAT is missing for want of it), with what each is
 * for. Kernel features are not packages: they are reported, not "fixed".
 */
export function packagesToInstall(findings: readonly Finding[]): { pkg: string; for: string[] }[] {
  const byPkg = new Map<string, string[]>();
  for (const f of findings) {
    if (f.ok || !f.fix) continue;
    const m = /^apt-get install (\S+)$/.exec(f.fix);
    if (!m) continue;
    (byPkg.get(m[1]!) ?? byPkg.set(m[1]!, []).get(m[1]!)!).push(f.usedFor);
  }
  return [...byPkg].map(([pkg, uses]) => ({ pkg, for: [...new Set(uses)] })).sort((a, b) => a.pkg.localeCompare(b.pkg));
}

/**
 * Before deploying: the kernel features a lab needs must work here, or the
 * deploy fails with what to do instead of halfway with a tc error.
 */
export async function requireFeatures(runner: Runner, features: ReadonlySet<Feature>, consequence = 'nothing was deployed'): Promise<void> {
  if (features.size === 0) return;
  // A probe whose tool is missing fails too: that is the problem to report, not the kernel.
  requireTools(probeToolsFor(features));
  const missing = (await probeKernel(runner, features)).filter((f) => !f.ok && (features.has(f.name as Feature) || f.required));
  if (missing.length === 0) return;
  const what = missing.map((f) => `${f.name} (${f.detail})`).join(', ');
  throw new EnvironmentError(`this kernel cannot do what the lab needs: ${what}; ${consequence}`, missing.map((f) => f.fix).filter(Boolean).join('; '));
}

/** The tools the probes of these features run (`tc` for a qdisc, `iptables` for NAT…). */
export function probeToolsFor(features: ReadonlySet<Feature>): string[] {
  return [...new Set(KERNEL.filter((p) => p.feature === 'veth' || features.has(p.feature)).flatMap((p) => p.argv.map((argv) => argv[0]!)))];
}

/**
 * Kernel features a lab needs beyond namespaces, veths and bridges (those
 * fail on the first step anyway, with nothing to roll back): its
 * impairments, VLANs and tunnels.
 */
export function labFeatures(lab: Lab): Set<Feature> {
  const out = impairmentFeatures(lab.links, lab.checks);
  for (const n of lab.nodes) if (n.kind === 'bridge' && n.options.vlanFiltering) out.add('vlan-filtering');
  for (const l of lab.links) {
    if (l.vxlan) out.add('vxlan');
    if (l.ends.some((e) => e.vlanIfs?.length)) out.add('8021q');
  }
  // One host's part of a lab over several: its tunnels to the others.
  if (lab.crossHost?.length) out.add('vxlan');
  for (const t of lab.crossHost ?? []) if (t.end.netem) for (const k of qdiscKinds(t.end.netem.spec)) out.add(k);
  return out;
}

/** Kernel features the impairments of some links and checks need (netem, tbf); namespaces, veths and bridges need no probe. */
export function impairmentFeatures(links: readonly Link[], checks: readonly Check[] = []): Set<Feature> {
  const out = new Set<Feature>();
  for (const l of links) for (const e of l.ends) if (e.netem) for (const k of qdiscKinds(e.netem.spec)) out.add(k);
  for (const c of checks) for (const i of c.impair ?? []) for (const k of qdiscKinds(i.spec)) out.add(k);
  return out;
}
