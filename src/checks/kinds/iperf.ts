import { pathBetween } from '../../compile/path.js';
import { iperfClientArgv } from '../commands.js';
import { evaluateIperf, summarise } from '../evaluate.js';
import { withIperfServer, withServerSide } from '../iperf-server.js';
import { parseIperf } from '../parse.js';
import { awaitQuietPath } from '../quiet-path.js';
import { verdict } from '../result.js';
import { errorOutcome, type CheckKindDef } from './context.js';

export const iperf: CheckKindDef<'iperf'> = {
  kind: 'iperf',
  tools: ['iperf3'],
  alone: true,
  async run(check, ctx) {
    const target = check.target!;
    const server = ctx.ownerOf(target);
    if (!server) return errorOutcome(`no node of the lab has address ${target}; iperf3 needs its server inside the lab`, []);
    // A run before this one may have left datagrams queued on the way (quiet-path.ts says why that fails UDP).
    await awaitQuietPath(ctx.runner, pathBetween(ctx.lab, check.nodes[0]!, server) ?? [], { signal: ctx.signal });
    return withIperfServer(ctx.ns(server), target, async (iperfServer) => {
      const { r, line } = await ctx.exec(ctx.ns(check.nodes[0]!), iperfClientArgv(check.spec, target), ((check.spec.seconds ?? 3) + 20) * 1000);
      const commands = [iperfServer.command, line];
      const parsed = parseIperf(r.stdout);
      if (!parsed.ok || r.interrupted) return errorOutcome(parsed.ok ? 'interrupted' : withServerSide(parsed.error, await iperfServer.said()), commands, r);
      const { held, measurements, metrics } = evaluateIperf(check.spec, parsed.result);
      return { status: verdict(held, check.expect), message: summarise(measurements), measurements, metrics, commands, output: r.stdout, stderr: r.stderr };
    }, ctx.signal);
  },
};
