/**
 * The `scenarios:` section: named lists of steps, each `{ <kind>: … }`,
 * validated one by one so an error points into its step. Every node,
 * interface, service and check a step names must exist.
 */
import { didYouMean } from '../util/suggest.js';
import type { CommandSpec, InterfaceRef, Scenario, ScenarioStep } from './model.js';
import { buildCheck, checkImpairments, nodeRef, resolveTarget, type Ctx } from './checks.js';
import { commandText } from './command.js';
import { STEP_KINDS, StepBodies, type RawStep, type StepKind } from './schema.js';
import { validateStructure } from './structure.js';
import { parsePercent, parseTime } from './units.js';

const SCENARIO_NAME = /^[a-z][a-z0-9_-]*$/;
/** Probes of a watch: every 10 ms unless told otherwise. */
export const DEFAULT_WATCH_INTERVAL_MS = 10;

export function buildScenarios(raw: Record<string, unknown[]> | undefined, ctx: Ctx): Scenario[] {
  const out: Scenario[] = [];
  for (const [name, steps] of Object.entries(raw ?? {})) {
    const path = ['scenarios', name];
    if (!SCENARIO_NAME.test(name)) {
      ctx.p.at(path, `scenario name \`${name}\` must start with a letter and use only a-z, 0-9, _ and -`, undefined, 'key');
      continue;
    }
    if (steps.length === 0) ctx.p.at(path, `scenario \`${name}\` has no steps`);
    const built = steps.map((s, i) => buildStep(s, [...path, i], i, ctx)).filter((s): s is ScenarioStep => s !== undefined);
    out.push({ name, steps: built, loc: ctx.p.loc(path, 'key') });
  }
  return out;
}

function buildStep(item: unknown, path: (string | number)[], index: number, ctx: Ctx): ScenarioStep | undefined {
  const { p } = ctx;
  const kinds = STEP_KINDS.join(', ');
  if (item === null || typeof item !== 'object' || Array.isArray(item) || Object.keys(item).length !== 1) {
    p.at(path, `a step is a map with one of ${kinds}`, 'e.g. `- link: { down: r1:eth1 }`');
    return undefined;
  }
  const kind = Object.keys(item)[0]!;
  if (!(STEP_KINDS as string[]).includes(kind)) {
    p.at([...path, kind], `unknown step \`${kind}\``, didYouMean(kind, STEP_KINDS) ?? `steps are ${kinds}`, 'key');
    return undefined;
  }
  const k = kind as StepKind;
  const value = (item as Record<string, unknown>)[k];
  const base = { index, loc: p.loc(path) };
  if (k === 'check') {
    // `within:` may sit beside the check (`check: { ping: {…}, within: 5s }`), as well as inside it.
    const { within, ...rest } = (value ?? {}) as Record<string, unknown>;
    if (within !== undefined && (typeof within !== 'string' || parseTime(within) === undefined)) {
      p.at([...path, 'check', 'within'], 'expected a time with a unit, like `5s`');
      return undefined;
    }
    const check = buildCheck(rest, [...path, 'check'], ctx);
    if (check && typeof within === 'string') check.withinMs = parseTime(within)! / 1000;
    return check && { kind: 'check', check, label: `check ${check.name}`, ...base };
  }
  const { value: v, diagnostics } = validateStructure(StepBodies[k], value, p.source, [...path, k]);
  p.list.push(...diagnostics);
  if (v === undefined) return undefined;
  const before = p.count;
  const step = stepOf(k, v as RawStep[StepKind], [...path, k], ctx);
  return p.count > before || !step ? undefined : ({ ...step, ...base } as ScenarioStep);
}

/** A step without its place in the scenario (an Omit that keeps the union apart). */
type StepBody = ScenarioStep extends infer T ? (T extends unknown ? Omit<T, 'index' | 'loc'> : never) : never;

function stepOf(k: StepKind, v: RawStep[StepKind], path: (string | number)[], ctx: Ctx): StepBody | undefined {
  switch (k) {
    case 'watch': {
      const w = v as RawStep['watch'];
      const [from] = nodeRef(w.ping.from, [...path, 'ping', 'from'], ctx);
      const target = resolveTarget(w.ping.to, [...path, 'ping', 'to'], ctx);
      if (!from || !target) return undefined;
      const intervalMs = w.ping.interval ? parseTime(w.ping.interval)! / 1000 : DEFAULT_WATCH_INTERVAL_MS;
      if (intervalMs < 1) ctx.p.at([...path, 'ping', 'interval'], 'the interval is at least 1ms (ping\'s floor)');
      const name = w.name ?? `watch ping ${from} -> ${w.ping.to}`;
      return {
        kind: 'watch', name, from, target, intervalMs, label: name,
        ...(w.max_outage ? { maxOutageMs: parseTime(w.max_outage)! / 1000 } : {}),
        ...(w.max_loss ? { maxLossPct: parsePercent(w.max_loss)! } : {}),
      };
    }
    case 'link': {
      const l = v as RawStep['link'];
      const action: 'down' | 'up' = 'down' in l ? 'down' : 'up';
      const text = 'down' in l ? l.down : l.up;
      const target = interfaceRef(text, [...path, action], ctx);
      return target && { kind: 'link', action, target, label: `link ${action} ${text}` };
    }
    case 'impair': {
      const impair = checkImpairments(v as RawStep['impair'], path, ctx);
      return { kind: 'impair', impair, label: `impair ${Object.keys(v as object).join(', ')}` };
    }
    case 'service': {
      const s = v as RawStep['service'];
      const action = ('start' in s ? 'start' : 'stop' in s ? 'stop' : 'restart') as 'start' | 'stop' | 'restart';
      const id = (s as Record<string, string>)[action]!;
      const all = [...ctx.nodes.values()].flatMap((n) => (n.kind === 'netns' ? n.services.map((x) => x.id) : []));
      if (!all.includes(id)) {
        ctx.p.at([...path, action], `no service \`${id}\``, didYouMean(id, all) ?? (all.length ? `services are ${all.join(', ')}` : 'the lab has no services'));
        return undefined;
      }
      return { kind: 'service', action, id, label: `service ${action} ${id}` };
    }
    case 'exec': {
      const e = v as RawStep['exec'];
      const [node] = nodeRef(e.node, [...path, 'node'], ctx);
      return node === undefined ? undefined : { kind: 'exec', node, cmd: e.cmd as CommandSpec, exit: e.exit ?? 0, timeoutMs: e.timeout ? parseTime(e.timeout)! / 1000 : 30_000, label: `exec ${node}: ${commandText(e.cmd)}` };
    }
    case 'wait': {
      const ms = parseTime(v as string)! / 1000;
      return { kind: 'wait', ms, label: `wait ${v as string}` };
    }
    case 'check':
      return undefined; // built by buildStep
  }
}

/** `node:ifname` of a namespace node, or `bridge:port` of a bridge. */
function interfaceRef(text: string, path: (string | number)[], ctx: Ctx): InterfaceRef | undefined {
  const colon = text.indexOf(':');
  const [name, ifname] = colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
  const node = ctx.nodes.get(name);
  if (colon < 0 || !node) {
    ctx.p.at(path, colon < 0 ? `\`${text}\` names no interface` : `unknown node \`${name}\``, colon < 0 ? 'write `node:ifname` (a bridge port: `bridge:port`)' : didYouMean(name, ctx.nodes.keys()));
    return undefined;
  }
  if (!ctx.ends.get(name)?.some((e) => e.ifname === ifname)) {
    ctx.p.at(path, `\`${name}\` has no interface \`${ifname}\``, didYouMean(ifname, (ctx.ends.get(name) ?? []).map((e) => e.ifname)));
    return undefined;
  }
  return { node: name, ns: node.ns, ifname };
}
