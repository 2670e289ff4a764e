// What the benches share: a clock, the median, waiting for the kernel's
// background cleanup to end, and timing one command.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const secs = () => Number(process.hrtime.bigint()) / 1e9;
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cpuSample() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
}

/**
 * Deleted namespaces are cleaned up by the kernel in the background (the
 * netns cleanup workqueue and RCU callbacks, ≈ 2–6 s of kworker time after a
 * 1000-namespace lab here); let that finish before the next measurement so
 * no run pays for another's: wait until the CPUs are idle (95 % over a
 * quarter second), not a fixed time. After `pause` seconds, for at most
 * `rounds` quarter seconds. Returns how long it waited.
 */
export function settle({ pause = 0, rounds = 60 } = {}) {
  const t0 = secs();
  if (pause > 0) spawnSync('sleep', [String(pause)]);
  for (let i = 0; i < rounds; i++) {
    const a = cpuSample();
    spawnSync('sleep', ['0.25']);
    const b = cpuSample();
    if ((b.idle - a.idle) / Math.max(1, b.total - a.total) > 0.95) break;
  }
  return secs() - t0;
}

/** Seconds one command takes; it must succeed. */
export function timed(cmd, args) {
  const t0 = secs();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return secs() - t0;
}

/** Namespaces of a lab still in /run/netns. */
export const leftovers = (lab) => readdirSync('/run/netns').filter((n) => n.startsWith(`${lab}-`)).length;
