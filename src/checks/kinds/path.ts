/**
 * path: the nodes traffic crosses to a destination, asked of the kernel hop
 * by hop — `ip route get DST` at the source, then `ip route get DST from SRC
 * iif IN` at each router, as the packet would arrive there. Exact (policy
 * routing, routes a daemon installed) and fast, where traceroute would be
 * slow and depend on TTL handling.
 */
import { summarise } from '../evaluate.js';
import { verdict, type Measurement } from '../result.js';
import { errorOutcome, type CheckContext, type CheckKindDef, type Outcome } from './context.js';
import { parseRouteGet } from './route.js';

export const path: CheckKindDef<'path'> = {
  kind: 'path',
  tools: ['ip'],
  async run(check, ctx): Promise<Outcome> {
    const walked = await walk(ctx, check.nodes[0]!, check.target!);
    if (walked.interrupted) return errorOutcome('interrupted', walked.commands);
    const seen = walked.nodes.slice(1, walked.arrived ? -1 : undefined);
    const want = check.spec.hops;
    const same = walked.arrived && seen.length === want.length && seen.every((n, i) => n === want[i]);
    const shown = `${walked.nodes.join(' -> ')}${walked.arrived ? '' : ` -> ✗ ${walked.stopped}`}`;
    const m: Measurement[] = [{ name: 'path', value: shown, expected: [check.nodes[0], ...want, `(${check.spec.to})`].join(' -> '), ok: same }];
    return { status: verdict(same, check.expect), message: summarise(m), measurements: m, metrics: { hops: seen.length }, commands: walked.commands, output: walked.output, stderr: '' };
  },
};

interface Walk {
  nodes: string[];
  arrived: boolean;
  stopped?: string;
  commands: string[];
  output: string;
  interrupted: boolean;
}

async function walk(ctx: CheckContext, from: string, dst: string): Promise<Walk> {
  const w: Walk = { nodes: [from], arrived: false, commands: [], output: '', interrupted: false };
  let node = from;
  let src: string | undefined;
  let iif: string | undefined;
  for (let hop = 0; hop < 32; hop++) {
    if (ctx.ownerOf(dst) === node) {
      w.arrived = true;
      return w;
    }
    const argv = ['ip', '-j', 'route', 'get', dst, ...(src && iif ? ['from', src, 'iif', iif] : [])];
    const { r, line } = await ctx.exec(ctx.ns(node), argv, 5000);
    w.commands.push(line);
    w.output += `# at ${node}\n${r.stdout}${r.stderr}`;
    if (r.interrupted) return { ...w, interrupted: true };
    const got = parseRouteGet(r.stdout, r.stderr);
    if (!got.route) return { ...w, stopped: `${node} has no way on: ${got.error}` };
    src ??= got.route.prefsrc;
    const next = got.route.gateway ?? dst;
    const owner = ctx.ownerOf(next);
    if (!owner) return { ...w, stopped: `${node} sends it to ${next} on ${got.route.dev}, which no node of the lab has` };
    if (w.nodes.includes(owner)) return { ...w, nodes: [...w.nodes, owner], stopped: 'a routing loop' };
    iif = ctx.interfaceWith(owner, next);
    w.nodes.push(owner);
    node = owner;
  }
  return { ...w, stopped: 'more than 32 hops' };
}
