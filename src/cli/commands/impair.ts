/**
 * `nslab impair LAB NODE:IF --delay 50ms --loss 1%` · `--clear` · `--show`:
 * change a running lab's impairments and read them back from the kernel.
 */
import { ExitCode, UsageError } from '../../diagnostics.js';
import { nsPrefix } from '../../exec/batch.js';
import { listNamespaces } from '../../exec/discover.js';
import { nodeNamespace } from '../../exec/exec-node.js';
import { requireRoot, requireTools } from '../../exec/preflight.js';
import { SpawnRunner, type Runner } from '../../exec/runner.js';
import { readState } from '../../exec/state.js';
import { applyImpairment, readImpairments } from '../../impair/apply.js';
import { describeImpairment, type Impairment } from '../../impair/readback.js';
import { validateNetem } from '../../topology/netem.js';
import type { RawNetem } from '../../topology/schema.js';
import type { Io } from '../io.js';
import { jsonOut } from '../json.js';
import { snakeKeys } from '../../report/json-style.js';
import { resolveLabName } from './lab-name.js';

export interface ImpairOpts {
  delay?: string;
  jitter?: string;
  correlation?: string;
  distribution?: string;
  keepOrder?: boolean;
  loss?: string;
  lossBurst?: string;
  duplicate?: string;
  corrupt?: string;
  reorder?: string;
  gap?: string;
  rate?: string;
  limit?: string;
  shape?: string;
  clear?: boolean;
  show?: boolean;
  json?: boolean;
}

/** Flags → the same spec a topology's `netem:` holds, validated by the same rules. */
export function specFromFlags(o: ImpairOpts): RawNetem | undefined {
  const raw: Record<string, unknown> = {};
  const set = (key: string, v: unknown) => v !== undefined && (raw[key] = v);
  set('delay', o.delay);
  set('jitter', o.jitter);
  set('correlation', o.correlation);
  set('distribution', o.distribution);
  set('keep_order', o.keepOrder);
  set('loss', o.loss);
  set('duplicate', o.duplicate);
  set('corrupt', o.corrupt);
  set('reorder', o.reorder);
  set('gap', o.gap === undefined ? undefined : Number(o.gap));
  set('rate', o.rate);
  set('limit', o.limit === undefined ? undefined : Number(o.limit));
  if (o.lossBurst !== undefined) {
    if (o.loss !== undefined) throw new UsageError('--loss and --loss-burst both set the loss model', 'use one: --loss 1% (random) or --loss-burst p,r[,bad,good] (Gilbert-Elliott)');
    const [p, r, bad, good] = o.lossBurst.split(',').map((s) => s.trim());
    raw.loss = { gemodel: { p, ...(r ? { r } : {}), ...(bad ? { loss_bad: bad } : {}), ...(good ? { loss_good: good } : {}) } };
  }
  if (o.shape !== undefined) raw.shape = { rate: o.shape };
  if (Object.keys(raw).length === 0) return undefined;
  const checked = validateNetem(raw);
  if ('spec' in checked) return checked.spec;
  const where = checked.path.length ? `${flagOf(checked.path)}: ` : '';
  throw new UsageError(`${where}${checked.message}`, checked.fromSchema ? 'units as in tc: 50ms, 1%, 10mbit; see nslab impair --help' : checked.hint);
}

function flagOf(path: (string | number)[]): string {
  const head = String(path[0]);
  if (head === 'loss' && path.length > 1) return '--loss-burst';
  if (head === 'keep_order') return '--keep-order';
  return `--${head}`;
}

export async function impairCommand(io: Io, labArg: string, target: string | undefined, opts: ImpairOpts, runner: Runner = new SpawnRunner()): Promise<number> {
  requireRoot('nslab impair', 'it changes qdiscs inside the lab namespaces');
  requireTools(['tc', 'nsenter']);
  const lab = await resolveLabName(labArg);
  const spec = specFromFlags(opts);
  if (opts.show || (!target && !spec && !opts.clear)) {
    if (spec || opts.clear) throw new UsageError('--show reads impairments; it does not change them', 'drop --show, or the other options');
    return show(io, runner, lab, target, opts.json);
  }
  if (!target) throw new UsageError('which interface?', `name it as NODE:IF, e.g. nslab impair ${lab} r1:eth0 --delay 50ms`);
  if (opts.clear && spec) throw new UsageError('--clear removes the impairment; it takes no other settings', 'drop --clear to replace the impairment instead');
  if (!opts.clear && !spec) throw new UsageError('nothing to apply', 'give --delay, --loss, --rate… or --clear');
  const { node, ifname, ns } = locate(lab, target);
  const mtu = await interfaceMtu(runner, ns, node, ifname);
  const now = await applyImpairment(runner, { node, ns, ifname, mtu }, spec);
  if (opts.json) jsonOut(io, 'impair', { lab, node, ifname, impairment: snakeKeys(now ?? null) });
  else io.out(now ? `${node}:${ifname}: ${describeImpairment(now)}\n` : `${node}:${ifname}: no impairment\n`);
  return ExitCode.ok;
}

function locate(lab: string, target: string): { node: string; ifname: string; ns: string } {
  const colon = target.indexOf(':');
  if (colon <= 0 || colon === target.length - 1) throw new UsageError(`\`${target}\` is not NODE:IF`, `e.g. r1:eth0; list interfaces with nslab exec ${lab} NODE -- ip -br link`);
  const node = target.slice(0, colon);
  return { node, ifname: target.slice(colon + 1), ns: nodeNamespace(lab, node) };
}

async function interfaceMtu(runner: Runner, ns: string, node: string, ifname: string): Promise<number | undefined> {
  const r = await runner.run({ argv: [...nsPrefix(ns), 'ip', '-j', 'link', 'show', 'dev', ifname] });
  if (r.exitCode !== 0) throw new UsageError(`${node} has no interface ${ifname}`, `list them with: nslab exec LAB ${node} -- ip -br link`);
  const [link] = JSON.parse(r.stdout) as { mtu?: number }[];
  return link?.mtu;
}

async function show(io: Io, runner: Runner, lab: string, target: string | undefined, json?: boolean): Promise<number> {
  const state = readState(lab);
  const prefix = `${lab}-`;
  const nodes = state
    ? state.nodes.map((n) => ({ node: n.name, ns: n.ns }))
    : listNamespaces().filter((ns) => ns.startsWith(prefix)).map((ns) => ({ node: ns.slice(prefix.length), ns }));
  if (nodes.length === 0) throw new UsageError(`lab ${lab} is not up`, 'see running labs with `nslab status`');
  const wanted = target ? locate(lab, target) : undefined;
  const rows: { node: string; ifname: string; impairment: Impairment }[] = [];
  for (const n of nodes) {
    if (wanted && n.node !== wanted.node) continue;
    for (const imp of await readImpairments(runner, n.ns, wanted?.ifname)) rows.push({ node: n.node, ifname: imp.dev, impairment: imp });
  }
  if (json) {
    jsonOut(io, 'impair', { lab, impairments: snakeKeys(rows) });
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    io.out(`lab ${lab}: no impairments${wanted ? ` on ${wanted.node}:${wanted.ifname}` : ''}\n`);
    return ExitCode.ok;
  }
  const width = Math.max(...rows.map((r) => r.node.length + r.ifname.length + 1));
  io.out(`lab ${lab}: ${rows.length} impaired interface${rows.length === 1 ? '' : 's'} (read from the kernel)\n`);
  for (const r of rows) io.out(`  ${`${r.node}:${r.ifname}`.padEnd(width)}  ${describeImpairment(r.impairment)}\n`);
  return ExitCode.ok;
}
