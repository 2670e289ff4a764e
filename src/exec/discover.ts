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
import { hostTag } from '../topology/names.js';
import { NETNS_DIR, nsPrefix } from './batch.js';
import type { Runner } from './runner.js';

export function listNamespaces(): string[] {
  try {
    return readdirSync(NETNS_DIR).sort();
  } catch {
    return [];
  }
}

export async function discoverFootprint(lab: string, runner: Runner, concurrency = 4, claimedByOthers: ReadonlySet<string> = new Set()): Promise<Footprint> {
  const tag = hostTag(lab);
  const limit = pLimit(concurrency);
  const candidates = listNamespaces().filter((n) => n.startsWith(`${lab}-`) && !claimedByOthers.has(n));
  const owned = await Promise.all(
    candidates.map((ns) =>
      limit(async () => {
        const r = await runner.run({ argv: [...nsPrefix(ns), 'ip', '-o', 'link', 'show', 'dev', 'lo'] });
        const alias = / alias (\S+)/.exec(r.stdout)?.[1];
        return ownedBy(alias, tag) ? ns : undefined;
      }),
    ),
  );
  const links = await runner.run({ argv: ['ip', '-j', 'link', 'show'] });
  const hostLinks = links.exitCode === 0
    ? (JSON.parse(links.stdout || '[]') as { ifname: string; ifalias?: string }[]).filter((l) => l.ifalias?.startsWith(`${tag}:`)).map((l) => l.ifname)
    : [];
  const rules = await runner.run({ argv: ['iptables', '-w', '-t', 'nat', '-S', 'POSTROUTING'] });
  const natRules = rules.exitCode === 0 ? parseTaggedRules(rules.stdout, tag) : [];
  return { lab, namespaces: owned.filter((n): n is string => n !== undefined), hostLinks, natRules };
}

/** Ours if tagged for this lab, or untagged (created, then killed before the tag); never one tagged otherwise. */
export function ownedBy(alias: string | undefined, tag: string): boolean {
  return alias === undefined || alias === tag;
}

/** `-A POSTROUTING … --comment nslab:lab …` lines → the words after `-A`. */
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
