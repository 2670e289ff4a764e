/** route: what the kernel would do for a destination (`ip route get`): the gateway, the interface, the source it picks. */
import { summarise } from '../evaluate.js';
import { verdict, type Measurement } from '../result.js';
import { errorOutcome, type CheckKindDef, type Outcome } from './context.js';

export interface RouteGet {
  dst: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
}

/** `ip -j route get` output → the route, or the kernel's refusal. Pure. */
export function parseRouteGet(stdout: string, stderr: string): { route?: RouteGet; error?: string } {
  try {
    const [route] = JSON.parse(stdout || '[]') as RouteGet[];
    if (route) return { route };
  } catch {
    /* not JSON: the kernel said no */
  }
  return { error: stderr.replace(/^RTNETLINK answers: /, '').trim() || 'no route' };
}

export const route: CheckKindDef<'route'> = {
  kind: 'route',
  tools: ['ip'],
  async run(check, ctx): Promise<Outcome> {
    const spec = check.spec;
    const { r, line } = await ctx.exec(ctx.ns(check.nodes[0]!), ['ip', '-j', 'route', 'get', check.target!], 5000);
    if (r.interrupted) return errorOutcome('interrupted', [line], r);
    const got = parseRouteGet(r.stdout, r.stderr);
    const seen = got.route ? `${got.route.gateway ? `via ${got.route.gateway} ` : 'directly '}dev ${got.route.dev}${got.route.prefsrc ? ` src ${got.route.prefsrc}` : ''}` : got.error!;
    const m: Measurement[] = [{ name: 'the kernel chose', value: seen }];
    const want = (name: string, expected: string | undefined, actual: string | undefined) => expected !== undefined && m.push({ name, value: actual ?? 'none', expected, ok: actual === expected });
    want('via', spec.via, got.route?.gateway);
    want('dev', spec.dev, got.route?.dev);
    want('src', spec.src, got.route?.prefsrc);
    const held = got.route !== undefined && m.every((x) => x.ok !== false);
    // What the kernel chose leads the message, whatever was expected: it is what a person needs when it differs.
    return { status: verdict(held, check.expect), message: `the kernel chose ${seen}; ${summarise(m.slice(1))}`, measurements: m, metrics: {}, commands: [line], output: r.stdout, stderr: r.stderr };
  },
};
