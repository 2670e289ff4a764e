/** http: fetch a URL from a node (names resolve inside the lab) and hold the status and body to what is expected. */
import { seconds } from '../commands.js';
import { summarise } from '../evaluate.js';
import { verdict, type Measurement } from '../result.js';
import { errorOutcome, type CheckKindDef, type Outcome } from './context.js';
import { probe } from './probe.js';

export const http: CheckKindDef<'http'> = {
  kind: 'http',
  tools: ['ip'],
  async run(check, ctx): Promise<Outcome> {
    const spec = check.spec;
    const timeoutMs = seconds(spec.timeout, 5) * 1000;
    const p = await probe(ctx, check.nodes[0]!, ['http', spec.url, spec.method ?? 'GET', String(timeoutMs)], timeoutMs);
    if (p.interrupted) return errorOutcome('interrupted', [p.line]);
    const a = p.answer;
    if (!a || a.result === 'error' || a.result === 'unresolved') return errorOutcome(`the request failed: ${a?.error ?? (p.stderr.trim() || 'no answer')}`, [p.line]);
    const m: Measurement[] = [];
    const metrics: Record<string, number> = {};
    if (a.result !== 'answered') {
      m.push({ name: 'response', value: `none: ${a.result}${a.code ? ` (${a.code})` : ''}${a.error ? `: ${a.error}` : ''}`, expected: spec.status ? String(spec.status) : '2xx', ok: false });
    } else {
      const statusOk = spec.status !== undefined ? a.status === spec.status : a.status! >= 200 && a.status! < 300;
      m.push({ name: 'status', value: String(a.status), expected: spec.status !== undefined ? String(spec.status) : '2xx', ok: statusOk });
      metrics.status = a.status!;
      if (spec.body !== undefined) {
        const ok = new RegExp(spec.body, 'm').test(a.body ?? '');
        m.push({ name: 'body', value: ok ? 'matched' : `did not match (${(a.body ?? '').length} bytes: ${JSON.stringify((a.body ?? '').slice(0, 80))})`, expected: `/${spec.body}/`, ok });
      }
    }
    if (a.ms !== undefined) metrics.duration_ms = a.ms;
    const held = m.every((x) => x.ok);
    return { status: verdict(held, check.expect), message: summarise(m), measurements: m, metrics, commands: [p.line], output: a.body ?? p.stdout, stderr: p.stderr };
  },
};
