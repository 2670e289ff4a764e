/** Running nslab's probe (src/probe/probe.ts) inside a node, and reading its answer. */
import { probeScript } from '../../util/package.js';
import type { CheckContext } from './context.js';

export interface ProbeAnswer {
  result: 'open' | 'answered' | 'refused' | 'timeout' | 'unreachable' | 'unresolved' | 'error';
  address?: string;
  code?: string;
  error?: string;
  status?: number;
  body?: string;
  ms?: number;
}

/**
 * `ip netns exec` (not nsenter): names resolve through the node's hosts file,
 * which `ip netns exec` mounts over /etc/hosts.
 */
export async function probe(ctx: CheckContext, node: string, args: string[], timeoutMs: number): Promise<{ answer?: ProbeAnswer; line: string; stdout: string; stderr: string; interrupted: boolean }> {
  const argv = ['ip', 'netns', 'exec', ctx.ns(node), process.execPath, probeScript(), ...args];
  const r = await ctx.runner.run({ argv, timeoutMs: timeoutMs + 10_000, signal: ctx.signal });
  const line = argv.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
  let answer: ProbeAnswer | undefined;
  try {
    answer = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as ProbeAnswer;
  } catch {
    answer = undefined;
  }
  return { answer, line, stdout: r.stdout, stderr: r.stderr, interrupted: Boolean(r.interrupted) };
}

/** One ping: is the host there at all? (Tells a blocked port from an unreachable host.) */
export async function hostAnswers(ctx: CheckContext, node: string, address: string): Promise<boolean> {
  const { r } = await ctx.exec(ctx.ns(node), ['ping', '-n', '-q', '-c', '1', '-W', '1', address], 5000);
  return r.exitCode === 0;
}
