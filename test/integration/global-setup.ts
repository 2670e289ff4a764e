/**
 * After the whole suite: nothing of ours may remain. Test labs are named
 * `nt<run>…` (this run's two-character id); a leftover namespace (a lab's, or a doctor probe's scratch one),
 * state file or run folder, hosts file under /etc/netns, tagged host
 * interface or NAT rule fails the run (and is removed, so the next run
 * starts clean).
 */
import { readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

// Each run removes only its own labs: a second suite on the same host (a CI
// checkout's beside a developer's) keeps its labs. Workers inherit the id.
process.env.NSLAB_TEST_RUN ??= Math.random().toString(36).slice(2, 4).padEnd(2, '0');
const PREFIX = `nt${process.env.NSLAB_TEST_RUN}`;

function leftovers(): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(PREFIX) || n.startsWith('nslab-doctor-'));
  } catch {
    return [];
  }
}

/** Host interfaces tagged for a test lab (alias `nslab:nt…:bridge`). */
function hostLinks(): string[] {
  const r = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return (JSON.parse(r.stdout) as { ifname: string; ifalias?: string }[]).filter((l) => l.ifalias?.startsWith(`nslab:${PREFIX}`)).map((l) => l.ifname);
}

/** NAT rules tagged for a test lab, as `iptables -S` prints them. */
function natRules(): string[] {
  const r = spawnSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l.startsWith('-A') && l.includes(`nslab:${PREFIX}`)) : [];
}

export default function setup() {
  return () => {
    const left = leftovers();
    for (const ns of left) spawnSync('ip', ['netns', 'del', ns]);
    let states: string[] = [];
    try {
      states = readdirSync('/run/nslab').filter((f) => f.startsWith(PREFIX));
    } catch {
      /* no state dir */
    }
    for (const f of states) rmSync(`/run/nslab/${f}`, { force: true, recursive: true });
    let etc: string[] = [];
    try {
      etc = readdirSync('/etc/netns').filter((f) => f.startsWith(PREFIX));
    } catch {
      /* no /etc/netns */
    }
    for (const f of etc) rmSync(`/etc/netns/${f}`, { force: true, recursive: true });
    const links = hostLinks();
    for (const l of links) spawnSync('ip', ['link', 'del', l]);
    const rules = natRules();
    // `-S` output is `-A CHAIN args…`; deleting takes the same words after `-D`, quotes removed.
    for (const rule of rules) spawnSync('iptables', ['-w', '-t', 'nat', '-D', ...rule.replace(/"/g, '').split(/\s+/).slice(1)]);
    if (left.length || states.length || etc.length || links.length || rules.length) {
      // vitest reports an error thrown here ("error during close") but still
      // exits 0; the exit code is what CI reads.
      process.exitCode = 1;
      throw new Error(
        `the suite leaked: namespaces ${left.join(' ') || 'none'}; state files and folders ${states.join(' ') || 'none'}; /etc/netns ${etc.join(' ') || 'none'}; host links ${links.join(' ') || 'none'}; NAT rules ${rules.join(' | ') || 'none'}`,
      );
    }
  };
}
