/**
 * reach: every ordered pair among the nodes pings, one fping per source,
 * sources in parallel, in rounds that fit the host-wide ARP table
 * (neighbours.ts). A negative reach (`expect: fail`) means full isolation:
 * every pair must fail.
 */
import pLimit from 'p-limit';
import { NETNS_DIR } from '../../exec/batch.js';
import { fpingArgv } from '../commands.js';
import { reachVerdict } from '../evaluate.js';
import { arpTable, sourcesPerRound } from '../neighbours.js';
import { parseFping } from '../parse.js';
import type { CheckContext, CheckKindDef, Outcome } from './context.js';

export const reach: CheckKindDef<'reach'> = {
  kind: 'reach',
  tools: ['fping'],
  async run(check, ctx): Promise<Outcome> {
    const nodes = check.nodes;
    // Over several hosts each host pings from its own nodes (multihost/checks.ts); here, from all.
    const sources = check.sources ?? nodes;
    const failed: string[] = [];
    const commands: string[] = [];
    let output = '';
    let stderr = '';
    let pairs = 0;
    let interrupted = false;
    const table = arpTable();
    const perRound = sourcesPerRound(nodes.length, table.limit, table.inUse);
    const limit = pLimit(Math.min(8, perRound));
    for (let start = 0; start < sources.length && !interrupted; start += perRound) {
      if (start > 0) await flushNeighbours(ctx, sources);
      await Promise.all(
        sources.slice(start, start + perRound).map((from) =>
          limit(async () => {
            const targets = nodes.filter((n) => n !== from).map((n) => ctx.firstAddress(n)!);
            const { r, line } = await ctx.exec(ctx.ns(from), fpingArgv(check.spec, targets));
            interrupted ||= Boolean(r.interrupted);
            commands.push(line);
            stderr += `# from ${from}\n${r.stderr}`;
            const seen = new Map(parseFping(r.stderr).map((t) => [t.target, t]));
            for (const to of nodes.filter((n) => n !== from)) {
              pairs++;
              const addr = ctx.firstAddress(to)!;
              if ((seen.get(addr)?.received ?? 0) === 0) failed.push(`${from} -> ${to} (${addr})`);
            }
          }),
        ),
      );
    }
    if (interrupted) return { status: 'error', message: 'interrupted', measurements: [], metrics: {}, commands, output, stderr };
    if (perRound < sources.length) output = `# ${Math.ceil(sources.length / perRound)} rounds of ${perRound} sources: the host's ARP table holds ${table.limit} entries (${table.inUse} in use)\n`;
    return { ...reachVerdict(check.expect, pairs, failed), commands, output, stderr };
  },
};

/** Empty the neighbour caches of these nodes (one process; names are arguments, not code). */
async function flushNeighbours(ctx: CheckContext, nodes: string[]): Promise<void> {
  const script = `for ns do nsenter --net=${NETNS_DIR}/$ns ip neigh flush all; done`;
  await ctx.runner.run({ argv: ['bash', '-c', script, 'nslab-flush', ...nodes.map((n) => ctx.ns(n))], signal: ctx.signal });
}
