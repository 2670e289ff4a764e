/**
 * connect: a TCP connection (or a UDP datagram that must be answered) from a
 * node to a port. With `expect: fail` it proves the port is blocked — which
 * needs the host to be reachable: a port that does not answer because the
 * whole host is unreachable proves nothing about a firewall, so that case
 * fails, saying so. Refused (a reset, or ICMP port unreachable) means the
 * host answered; no answer, or ICMP unreachable, is followed by a ping to
 * tell "dropped by a filter" from "the host is not there".
 */
import { seconds } from '../commands.js';
import { summarise } from '../evaluate.js';
import type { Measurement } from '../result.js';
import { errorOutcome, type CheckKindDef, type Outcome } from './context.js';
import { hostAnswers, probe, type ProbeAnswer } from './probe.js';

type Verdict = 'open' | 'blocked' | 'unreachable' | 'unknown';

export const connect: CheckKindDef<'connect'> = {
  kind: 'connect',
  tools: ['ip', 'ping'],
  async run(check, ctx): Promise<Outcome> {
    const spec = check.spec;
    const proto = spec.proto ?? 'tcp';
    const from = check.nodes[0]!;
    const target = check.target!;
    const timeoutMs = seconds(spec.timeout, 2) * 1000;
    const commands: string[] = [];
    let stdout = '';
    let stderr = '';
    const m: Measurement[] = [];
    const metrics: Record<string, number> = {};
    let pingedHost: boolean | undefined;
    for (const port of spec.ports ?? [spec.port!]) {
      const args = [proto, target, String(port), String(timeoutMs), ...(proto === 'udp' ? [spec.payload ?? ''] : [])];
      const p = await probe(ctx, from, args, timeoutMs);
      commands.push(p.line);
      stdout += p.stdout;
      stderr += p.stderr;
      if (p.interrupted) return errorOutcome('interrupted', commands);
      if (!p.answer || p.answer.result === 'error' || p.answer.result === 'unresolved') return errorOutcome(`the probe failed: ${p.answer?.error ?? (p.stderr.trim() || 'no answer')}`, commands);
      if (needsPing(p.answer)) pingedHost ??= await hostAnswers(ctx, from, target);
      const v = judge(p.answer, pingedHost);
      const ok = check.expect === 'pass' ? v === 'open' : v === 'blocked';
      m.push({ name: `${proto}/${port}`, value: describe(p.answer, proto, pingedHost), expected: check.expect === 'pass' ? (proto === 'udp' ? 'answered' : 'open') : 'blocked', ok });
      metrics[`${proto}_${port}_open`] = v === 'open' ? 1 : 0;
      if (p.answer.ms !== undefined) metrics[`${proto}_${port}_ms`] = p.answer.ms;
    }
    const held = m.every((x) => x.ok);
    return { status: held ? 'pass' : 'fail', message: summarise(m), measurements: m, metrics, commands, output: stdout, stderr };
  },
};

function needsPing(a: ProbeAnswer): boolean {
  return a.result === 'timeout' || a.result === 'unreachable';
}

function judge(a: ProbeAnswer, hostUp: boolean | undefined): Verdict {
  if (a.result === 'open' || a.result === 'answered') return 'open';
  if (a.result === 'refused') return 'blocked';
  return hostUp ? 'blocked' : 'unreachable';
}

function describe(a: ProbeAnswer, proto: 'tcp' | 'udp', hostUp: boolean | undefined): string {
  switch (a.result) {
    case 'open':
      return 'open';
    case 'answered':
      return 'answered';
    case 'refused':
      return proto === 'tcp' ? 'blocked: refused (a reset: nothing listens, or a firewall rejects)' : 'blocked: ICMP port unreachable';
    case 'timeout':
      return hostUp ? 'blocked: no answer, dropped (the host answers ping)' : `host unreachable: no answer, and no answer to ping either${proto === 'udp' ? ' (UDP alone cannot tell)' : ''}`;
    default:
      return hostUp ? `blocked: ${a.code ?? 'unreachable'} (a filter rejects it; the host answers ping)` : `host unreachable (${a.code ?? 'no route'})`;
  }
}
