/**
 * Integration test helpers: real labs on the real kernel, each with a unique
 * name (prefix `nt`), always torn down. Traffic stays inside the lab.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { down } from '../../src/exec/down.js';
import { waitReady } from '../../src/exec/ready.js';
import { up } from '../../src/exec/up.js';
import { spawnSync } from 'node:child_process';
import { loadTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { SpawnRunner } from '../../src/exec/runner.js';
import { verifyRunning } from '../../src/exec/verify.js';
import { probeKernel, type Feature, type Finding } from '../../src/exec/doctor.js';
import { parseIperf } from '../../src/checks/parse.js';

export const isRoot = process.getuid?.() === 0;
/** `nt` and the run's id (set by the global setup, inherited by every worker): each run cleans up its own. */
export const TEST_PREFIX = `nt${process.env.NSLAB_TEST_RUN ?? ''}`;

let counter = 0;
/** A lab name no other test (or person) uses: nt + run + pid + counter, ≤ 12 chars. */
export function uniqueName(): string {
  counter++;
  return `${TEST_PREFIX}${(process.pid % 46656).toString(36)}${counter.toString(36)}${Math.floor(Math.random() * 36).toString(36)}`.slice(0, 12);
}

/** A topology file's text with its lab renamed, so tests never collide. */
export function renamed(text: string, name: string): string {
  return text.replace(/^name: .*$/m, `name: ${name}`);
}

export function labFromFile(path: string, name = uniqueName()): Lab {
  return loadTopology(path, renamed(readFileSync(path, 'utf8'), name));
}

export function labFromText(text: string, name = uniqueName()): Lab {
  return loadTopology('inline.yaml', renamed(text, name));
}

export function namespaces(prefix = ''): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return [];
  }
}

/** The host's interfaces, with their aliases (nslab tags its own with `nslab:<lab>:…`). */
function hostInterfaces(): { ifname: string; ifalias?: string }[] {
  const r = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' });
  return JSON.parse(r.stdout) as { ifname: string; ifalias?: string }[];
}

export function natRules(): string[] {
  const r = spawnSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).sort() : [];
}

/**
 * Everything of the host one lab might touch, to compare before and after:
 * its namespaces, and the host interfaces and NAT rules that are its own —
 * tagged for it, named after it, or the names its file gives its host
 * attachments (so an interface left untagged still counts). Only this lab's:
 * the integration files run in parallel, so the host's whole lists change
 * under a test with other labs' objects (a CI run failed on exactly that).
 */
/** The host-side interfaces a lab's file gives its host attachments. */
export function hostInterfacesOf(lab: Lab): string[] {
  return lab.nodes.flatMap((n) => (n.kind === 'bridge' && n.host ? [n.host.hostIf] : []));
}

export function hostSnapshot(lab: Lab | string) {
  const name = typeof lab === 'string' ? lab : lab.name;
  const tag = `nslab:${name}`;
  const named = new Set(typeof lab === 'string' ? [] : hostInterfacesOf(lab));
  const links = hostInterfaces()
    .filter((l) => l.ifalias === tag || l.ifalias?.startsWith(`${tag}:`) || l.ifname.startsWith(name) || named.has(l.ifname))
    .map((l) => l.ifname)
    .sort();
  const ours = (rule: string) => rule.includes(`"${tag}"`) || rule.includes(` ${tag} `) || rule.endsWith(` ${tag}`);
  return { namespaces: namespaces(`${name}-`), links, nat: natRules().filter(ours) };
}

export const runner = new SpawnRunner();

export async function kernelDiff(lab: Lab): Promise<string[]> {
  return verifyRunning(lab, runner);
}

/**
 * ping from a node of the lab to an address inside the lab.
 *
 * `within`: ping every 0.2 s until `count` replies or that many seconds,
 * for reachability right after a live change. A fixed count is not enough
 * there: a ping that failed before the change leaves the neighbour entry
 * INCOMPLETE, its ARP probes spent; packets sent then wait on it and are
 * dropped when it turns FAILED, about a second later. Measured on this host
 * (veth pair, address added after a failed ping): added within 0.8 s,
 * `ping -c 2 -W 2` failed 4 times of 4; added after 0.9 s, it passed.
 */
export function ping(ns: string, address: string, opts: { count?: number; size?: number; df?: boolean; within?: number } = {}): boolean {
  const wait = opts.within !== undefined ? ['-w', String(opts.within)] : ['-W', '2'];
  const args = ['--net=/run/netns/' + ns, 'ping', '-n', '-q', '-c', String(opts.count ?? 1), ...wait, '-i', '0.2'];
  if (opts.size !== undefined) args.push('-s', String(opts.size));
  if (opts.df) args.push('-M', 'do');
  args.push(address);
  return spawnSync('nsenter', args, { encoding: 'utf8' }).status === 0;
}

let probed: Promise<Finding[]> | undefined;
/**
 * Why a kernel feature cannot be tested here, or undefined when it can.
 * Probed for real, once per test file, in a scratch namespace.
 */
export async function missingFeature(feature: Feature): Promise<string | undefined> {
  probed ??= probeKernel(runner);
  const f = (await probed).find((x) => x.name === feature);
  if (f?.ok) return undefined;
  return `this kernel has no ${feature} (${f?.detail ?? 'not probed'}); it is tested under QEMU by \`npm run test:vm\``;
}

/** Two nodes on one veth: a (10.0.0.1) — b (10.0.0.2); `netem` is the link's `netem:` value, if any. */
export function pairTopology(netem = ''): string {
  return `name: x
nodes: { a: {}, b: {} }
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.0.0.1/24, 10.0.0.2/24]
${netem ? `    netem: ${netem}\n` : ''}`;
}

/** TCP throughput from a to b of a pairTopology lab, in bit/s (iperf3 server in b, one shot). */
export function iperfPair(lab: Lab, seconds = 3): number {
  const nsOf = (node: string) => lab.nodes.find((n) => n.name === node)!.ns;
  const server = spawnSync('nsenter', [`--net=/run/netns/${nsOf('b')}`, 'iperf3', '-s', '-D', '-1', '-B', '10.0.0.2'], { encoding: 'utf8' });
  if (server.status !== 0) throw new Error(`iperf3 server: ${server.stderr}`);
  spawnSync('sleep', ['0.3']);
  const c = spawnSync('nsenter', [`--net=/run/netns/${nsOf('a')}`, 'iperf3', '-c', '10.0.0.2', '-t', String(seconds), '-J'], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const parsed = parseIperf(c.stdout);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.result.bitsPerSecond;
}

/**
 * A lab that is up for the tests of the enclosing describe: built (and, unless
 * told otherwise, passing traffic) before them, removed after them whatever
 * happened. Returns a getter, as the lab exists only once the hook has run.
 */
export function liveLab(make: () => Lab, opts: { waitReady?: boolean } = {}): () => Lab {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = make();
    await up(lab);
    if (opts.waitReady !== false) await waitReady(lab, runner);
  }, 60_000);
  afterAll(async () => {
    if (lab) await down(lab.name);
  });
  return () => lab!;
}

/** Build a lab from text, check it against the kernel, run `fn` once traffic flows, and always remove it. */
export async function withLab<T>(text: string, fn: (lab: Lab) => Promise<T> | T): Promise<T> {
  const lab = labFromText(text);
  try {
    await up(lab);
    expect(await kernelDiff(lab)).toEqual([]);
    await waitReady(lab, runner);
    return await fn(lab);
  } finally {
    await down(lab.name);
  }
}
