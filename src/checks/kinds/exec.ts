import type { RawCheck } from '../../topology/schema.js';
import { shJoin } from '../../render/shell.js';
import { execArgv, seconds } from '../commands.js';
import { summarise } from '../evaluate.js';
import { verdict, type Measurement } from '../result.js';
import { errorOutcome, type CheckKindDef } from './context.js';

export const exec: CheckKindDef<'exec'> = {
  kind: 'exec',
  tools: ['ip'],
  async run(check, ctx) {
    const spec: RawCheck['exec'] = check.spec;
    const ns = ctx.ns(check.nodes[0]!);
    const argv = execArgv(spec.cmd);
    // `ip netns exec`: the command sees the namespace's own /sys and /etc/netns files, as interactive use would.
    const r = await ctx.runner.run({ argv: ['ip', 'netns', 'exec', ns, ...argv], ...ctx.nodeContext(check.nodes[0]!), timeoutMs: seconds(spec.timeout, 30) * 1000, signal: ctx.signal, untilExit: true });
    const line = `ip netns exec ${ns} ${shJoin(argv)}`;
    if (r.failedToRun) return errorOutcome(r.failedToRun, [line], r);
    const wantExit = spec.exit ?? 0;
    const m: Measurement[] = [{ name: 'exit code', value: String(r.exitCode), expected: String(wantExit), ok: r.exitCode === wantExit }];
    if (spec.stdout !== undefined) {
      const ok = new RegExp(spec.stdout, 'm').test(r.stdout);
      m.push({ name: 'stdout', value: ok ? 'matched' : 'did not match', expected: `/${spec.stdout}/`, ok });
    }
    const held = m.every((x) => x.ok);
    return { status: verdict(held, check.expect), message: summarise(m), measurements: m, metrics: { exit_code: r.exitCode }, commands: [line], output: r.stdout, stderr: r.stderr };
  },
};
