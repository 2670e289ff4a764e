/**
 * After the whole suite: nothing of ours may remain. Test labs are named
 * `nt…`; a leftover namespace or state file fails the run (and is removed,
 * so the next run starts clean).
 */
import { readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const PREFIX = 'nt';

function leftovers(): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(PREFIX));
  } catch {
    return [];
  }
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
    for (const f of states) rmSync(`/run/nslab/${f}`, { force: true });
    if (left.length || states.length) {
      throw new Error(`the suite leaked: namespaces ${left.join(' ') || 'none'}; state files ${states.join(' ') || 'none'}`);
    }
  };
}
