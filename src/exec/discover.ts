/**
 * A lab's footprint read from the kernel alone, for `down` when the state
 * file is gone. Candidates are namespaces named `<lab>-*`. nslab tags each
 * namespace's loopback with `nslab:<lab>`, so lab `a` never takes lab `a-b`'s
 * namespaces. A namespace killed between its creation and its tag carries no
 * tag: it is taken unless another lab's state file claims it. Host
 * interfaces are found by their alias, NAT rules by their comment.
 */
import { readdirSync } from 'node:fs';
import pLimit from 'p-limit';
import type { Footprint } from '../compile/teardown.js';
import { linkAlias } from '../netlink/decode.js';
import { loopbackQuery } from '../netlink/encode.js';
import type { InProcess } from '../netlink/native.js';
import { hostTag } from '../topology/names.js';
import { NETNS_DIR } from './batch.js';
import type { Runner } from './runner.js';

export interface DiscoverOptions {
  /** bash processes at a time on the ip path */
  concurrency?: number;
  /** the in-process path, when it can be had: no process per namespace */
  inProcess?: InProcess;
}

export function listNamespaces(): string[] {
  try {
    return readdirSync(NETNS_DIR).sort();
  } catch {
    return [];
  }
}

/**
 * The tag on each namespace's loopback (`nslab:<lab>`), or undefined for an
 * untagged one — or one that could not be entered (gone meanwhile).
 * In process: a netlink query from a thread inside each namespace; a lab
 * of 1000 namespaces without its state took 13.6 s to find this way by
 * `nsenter … ip` per namespace on a machine where a process start costs
 * ≈ 3–8 ms. Otherwise one bash process reads up to 64 namespaces; names
 * are arguments, never shell code.
 */
export async function namespaceTags(runner: Runner, namespaces: readonly string[], opts: DiscoverOptions = {}): Promise<Map<string, string | undefined>> {
  const { inProcess } = opts;
  if (inProcess) {
    const query = loopbackQuery();
    const answers = await Promise.all(namespaces.map((ns) => inProcess.query(ns, query)));
    return new Map(namespaces.map((ns, i) => [ns, typeof answers[i] === 'string' ? undefined : linkAlias(answers[i] as Uint8Array)]));
  }
  const script = `for ns do printf '@@ %s ' "$ns"; nsenter --net=${NETNS_DIR}/"$ns" ip -o link show dev lo 2>/dev/null || echo; done`;
  const limit = pLimit(opts.concurrency ?? 4);
  const chunks: string[][] = [];
  for (let i = 0; i < namespaces.length; i += 64) chunks.push(namespaces.slice(i, i + 64));
  const outputs = await Promise.all(chunks.map((c) => limit(() => runner.run({ argv: ['bash', '-c', script, 'nslab-tags', ...c] }))));
  const tags = new Map<string, string | undefined>();
  for (const out of outputs) {
    for (const line of out.stdout.split('\n')) {
      const m = /^@@ (\S+) (.*)$/.exec(line);
      if (m) tags.set(m[1]!, / alias (\S+)/.exec(m[2]!)?.[1]);
    }
  }
  return tags;
}

export async function discoverFootprint(lab: string, runner: Runner, claimedByOthers: ReadonlySet<string> = new Set(), opts: DiscoverOptions = {}): Promise<Footprint> {
  const tag = hostTag(lab);
  const candidates = listNamespaces().filter((n) => n.startsWith(`${lab}-`) && !claimedByOthers.has(n));
  const tags = await namespaceTags(runner, candidates, opts);
  const owned = candidates.filter((ns) => tags.has(ns) && ownedBy(tags.get(ns), tag));
  const links = await runner.run({ argv: ['ip', '-j', 'link', 'show'] });
  const hostLinks = links.exitCode === 0
    ? (JSON.parse(links.stdout || '[]') as { ifname: string; ifalias?: string }[]).filter((l) => l.ifalias?.startsWith(`${tag}:`)).map((l) => l.ifname)
    : [];
  // Every chain of the nat table: masquerade (POSTROUTING) and published ports (PREROUTING, OUTPUT).
  const rules = await runner.run({ argv: ['iptables', '-w', '-t', 'nat', '-S'] });
  const natRules = rules.exitCode === 0 ? parseTaggedRules(rules.stdout, tag) : [];
  return { lab, namespaces: owned, hostLinks, natRules };
}

/** Labs the kernel holds (namespaces tagged `nslab:<lab>`) among these namespaces, by lab name. */
export async function labsInKernel(runner: Runner, namespaces: readonly string[], opts: DiscoverOptions = {}): Promise<Map<string, string[]>> {
  const labs = new Map<string, string[]>();
  for (const [ns, alias] of await namespaceTags(runner, namespaces, opts)) {
    const lab = alias?.startsWith('nslab:') ? alias.slice('nslab:'.length) : undefined;
    if (lab) (labs.get(lab) ?? labs.set(lab, []).get(lab)!).push(ns);
  }
  return labs;
}

/** Ours if tagged for this lab, or untagged (created, then killed before the tag); never one tagged otherwise. */
export function ownedBy(alias: string | undefined, tag: string): boolean {
  return alias === undefined || alias === tag;
}

/** `-A CHAIN … --comment nslab:lab …` lines → the words after `-A`. */
export function parseTaggedRules(iptablesS: string, tag: string): string[][] {
  return iptablesS
    .split('\n')
    .map(ruleWords)
    .filter((w) => w[0] === '-A' && w.some((x, i) => x === tag && w[i - 1] === '--comment'))
    .map((w) => w.slice(1));
}

/**
 * `iptables -S` quotes words it would otherwise misread: iptables-nft prints
 * `--comment "nslab:lab"` for a comment with a colon. Unquote them, so the
 * words can be passed back to `iptables -D` as argv.
 */
function ruleWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.trim().matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return words;
}

export function footprintSize(f: Footprint): number {
  return f.namespaces.length + f.hostLinks.length + f.natRules.length;
}
