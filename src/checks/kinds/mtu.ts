/**
 * mtu: with `size`, does a packet of that many bytes (the whole IP packet,
 * DF set) get through; without, a binary search for the path MTU, narrowed
 * at once when the kernel reports a local MTU ("message too long, mtu=N").
 */
import type { Check } from '../../topology/model.js';
import { parsePing } from '../parse.js';
import { payloadFor, pingArgv, pingTimeoutMs } from '../commands.js';
import { summarise } from '../evaluate.js';
import { verdict, type Measurement } from '../result.js';
import type { CheckContext, CheckKindDef, Outcome } from './context.js';

export const mtu: CheckKindDef<'mtu'> = {
  kind: 'mtu',
  tools: ['ping'],
  async run(check, ctx) {
    const target = check.target!;
    const trace = { commands: [] as string[], output: '', stderr: '', interrupted: false };
    const probe = (size: number) => probeSize(ctx, check, target, size, trace);
    if (check.spec.size !== undefined) {
      const p = await probe(check.spec.size);
      const m: Measurement[] = [{ name: `${check.spec.size}-byte packet with DF`, value: p.ok ? 'passed' : `did not pass${p.localMtu ? ` (local MTU ${p.localMtu})` : ''}`, expected: check.expect === 'pass' ? 'passes' : 'does not pass', ok: p.ok === (check.expect === 'pass') }];
      return finish(trace, verdict(p.ok, check.expect), m, { size_bytes: check.spec.size, passed: p.ok ? 1 : 0 });
    }
    let lo = target.includes(':') ? 1280 : 68;
    let hi = 65535;
    if (!(await probe(lo)).ok) {
      const m = [{ name: 'path MTU', value: 'nothing passes', expected: `≥ ${check.spec.min ?? lo}`, ok: false }];
      return finish(trace, verdict(false, check.expect), m, {});
    }
    while (lo < hi && !trace.interrupted) {
      const mid = Math.ceil((lo + hi) / 2);
      const p = await probe(mid);
      if (p.ok) lo = mid;
      else hi = p.localMtu !== undefined && p.localMtu < mid ? Math.max(lo, p.localMtu) : mid - 1;
    }
    const min = check.spec.min;
    const m: Measurement[] = [{ name: 'path MTU', value: `${lo} bytes`, ...(min !== undefined ? { expected: `≥ ${min} bytes`, ok: lo >= min } : {}) }];
    return finish(trace, verdict(min === undefined || lo >= min, check.expect), m, { path_mtu_bytes: lo });
  },
};

interface Trace {
  commands: string[];
  output: string;
  stderr: string;
  interrupted: boolean;
}

/** Does a `size`-byte packet with DF set get through? Also the local PMTU the kernel reports. */
async function probeSize(ctx: CheckContext, check: Check<'mtu'>, target: string, size: number, trace: Trace) {
  const spec = { count: 2, interval: '100ms', timeout: '1s', size: payloadFor(size, target) };
  const { r, line } = await ctx.exec(ctx.ns(check.nodes[0]!), pingArgv(spec, target, { df: true }), pingTimeoutMs(spec));
  trace.commands.push(line);
  trace.output += r.stdout;
  trace.stderr += r.stderr;
  trace.interrupted ||= Boolean(r.interrupted);
  const stats = parsePing(r.stdout, r.stderr);
  const mtu = /mtu=(\d+)/.exec(stats?.localError ?? r.stderr)?.[1];
  return { ok: (stats?.received ?? 0) > 0, localMtu: mtu === undefined ? undefined : Number(mtu) };
}

function finish(trace: Trace, status: Outcome['status'], m: Measurement[], metrics: Record<string, number>): Outcome {
  if (trace.interrupted) return { status: 'error', message: 'interrupted', measurements: [], metrics: {}, commands: trace.commands, output: trace.output, stderr: trace.stderr };
  return { status, message: summarise(m), measurements: m, metrics, commands: trace.commands, output: trace.output, stderr: trace.stderr };
}
