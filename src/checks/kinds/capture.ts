/**
 * capture: count the packets matching a BPF filter on an interface while
 * another check runs (`while:`) — proof that traffic crossed a point, or
 * never did. tcpdump runs in the interface's namespace; the capture file is
 * kept (in the run's artifacts folder) and a failing capture attaches it to
 * the JUnit report. Both must hold: the counts, and the inner check.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBackground } from '../../exec/runner.js';
import { shJoin } from '../../render/shell.js';
import { inNs } from '../commands.js';
import { summarise } from '../evaluate.js';
import { verdict, type Measurement } from '../result.js';
import { errorOutcome, type CheckKindDef, type Outcome } from './context.js';

/** `N packets captured`, which tcpdump prints on stderr when it stops. */
export function capturedCount(stderr: string): number | undefined {
  const m = /(\d+) packets? captured/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

const fileName = (name: string) => `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)}.pcap`;

export const capture: CheckKindDef<'capture'> = {
  kind: 'capture',
  tools: ['tcpdump'],
  alone: true,
  async run(check, ctx): Promise<Outcome> {
    const c = check.capture!;
    const spec = check.spec;
    const dir = join(ctx.artifactsDir, ctx.lab.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, fileName(check.name));
    // --immediate-mode: without it packets wait in the kernel's ring until a block fills or times out,
    // and a capture stopped a moment after the traffic counts none of them ("4 received by filter, 0 captured").
    const argv = ['tcpdump', '--immediate-mode', '-i', c.ifname, '-n', '-U', '-w', file, ...(spec.filter ? spec.filter.split(/\s+/) : [])];
    const line = `ip netns exec ${c.ns} ${shJoin(argv)}`;
    const dump = startBackground(inNs(c.ns, argv), /listening on/);
    try {
      await dump.ready;
    } catch (e) {
      const r = await dump.stop();
      return errorOutcome(`tcpdump did not start: ${(e as Error).message}`, [line], r);
    }
    let inner: Outcome;
    try {
      inner = await ctx.runCheck(c.inner);
    } finally {
      // Packets already on their way are still counted: give them a moment.
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await dump.stop('SIGINT');
    const count = capturedCount(r.stderr);
    if (count === undefined) return errorOutcome(`tcpdump reported no count: ${r.stderr.trim() || 'no output'}`, [line, ...inner.commands], r);
    const m: Measurement[] = [];
    const bound = [spec.min !== undefined ? `≥ ${spec.min}` : '', spec.max !== undefined ? `≤ ${spec.max}` : ''].filter(Boolean).join(' and ');
    const countOk = (spec.min === undefined || count >= spec.min) && (spec.max === undefined || count <= spec.max);
    m.push({ name: `packets on ${spec.on}${spec.filter ? ` matching ${spec.filter}` : ''}`, value: String(count), expected: bound, ok: countOk });
    m.push({ name: `while ${c.inner.name}`, value: `${inner.status}: ${inner.message}`, expected: 'pass', ok: inner.status === 'pass' });
    const held = countOk && inner.status === 'pass';
    const status = verdict(held, check.expect);
    return {
      status, message: summarise(m), measurements: m, metrics: { packets: count },
      commands: [line, ...inner.commands], output: inner.output, stderr: `${r.stderr}${inner.stderr}`,
      attachments: [file],
    };
  },
};
