import { parsePing } from '../parse.js';
import { pingArgv, pingTimeoutMs } from '../commands.js';
import { evaluatePing, summarise } from '../evaluate.js';
import { verdict } from '../result.js';
import { errorOutcome, type CheckKindDef } from './context.js';

export const ping: CheckKindDef<'ping'> = {
  kind: 'ping',
  tools: ['ping'],
  async run(check, ctx) {
    const { r, line } = await ctx.exec(ctx.ns(check.nodes[0]!), pingArgv(check.spec, check.target!), pingTimeoutMs(check.spec));
    const stats = parsePing(r.stdout, r.stderr);
    if (!stats || r.interrupted) return errorOutcome(`ping printed no summary: ${(r.failedToRun ?? r.stderr).trim() || 'no output'}`, [line], r);
    const { held, measurements, metrics } = evaluatePing(check.spec, stats);
    return { status: verdict(held, check.expect), message: summarise(measurements), measurements, metrics, commands: [line], output: r.stdout, stderr: r.stderr };
  },
};
