import { iperfClientArgv } from '../commands.js';
import { evaluateIperf, summarise } from '../evaluate.js';
import { withIperfServer } from '../iperf-server.js';
import { parseIperf } from '../parse.js';
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
    return withIperfServer(ctx.ns(server), target, async (serverCommand) => {
      const { r, line } = await ctx.exec(ctx.ns(check.nodes[0]!), iperfClientArgv(check.spec, target), ((check.spec.seconds ?? 3) + 20) * 1000);
      const commands = [serverCommand, line];
      const parsed = parseIperf(r.stdout);
      if (!parsed.ok || r.interrupted) return errorOutcome(parsed.ok ? 'interrupted' : parsed.error, commands, r);
      const { held, measurements, metrics } = evaluateIperf(check.spec, parsed.result);
      return { status: verdict(held, check.expect), message: summarise(measurements), measurements, metrics, commands, output: r.stdout, stderr: r.stderr };
    }, ctx.signal);
  },
};
