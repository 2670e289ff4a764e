/**
 * Run a lab's checks against the live lab. Checks that do not measure
 * throughput run in parallel (bounded); iperf checks run one at a time after
 * them, so no throughput figure shares the machine with another.
 */
import pLimit from 'p-limit';
import { EnvironmentError } from '../diagnostics.js';
import { NETNS_DIR } from '../exec/batch.js';
import { impairmentFeatures, requireFeatures } from '../exec/doctor.js';
import { requireTools } from '../exec/preflight.js';
import { SpawnRunner, type Runner, type RunResult } from '../exec/runner.js';
import { setImpairment, type ImpairError } from '../impair/apply.js';
import { shJoin } from '../render/shell.js';
import { formatAddress } from '../topology/ip.js';
import type { Check, Lab } from '../topology/model.js';
import type { RawCheck } from '../topology/schema.js';
import { execArgv, fpingArgv, inNs, iperfClientArgv, payloadFor, pingArgv, pingTimeoutMs, seconds } from './commands.js';
import { withIperfServer } from './iperf-server.js';
import { evaluateIperf, evaluatePing, summarise } from './evaluate.js';
import { arpTable, sourcesPerRound } from './neighbours.js';
import { parseFping, parseIperf, parsePing } from './parse.js';
import { verdict, type CheckResult, type Measurement } from './result.js';

export interface CheckOptions {
  runner?: Runner;
  /** run only checks with these names */
  only?: string[];
  /** checks at once (default 4) */
  concurrency?: number;
  /** called as each check finishes, for live reports */
  onResult?: (r: CheckResult) => void;
  /** stop starting checks (running ones finish: their tools have deadlines) */
  signal?: AbortSignal;
}

const TOOLS: Record<Check['kind'], string[]> = { ping: ['ping'], mtu: ['ping'], reach: ['fping'], iperf: ['iperf3'], exec: ['ip'] };

export function selectChecks(lab: Lab, only?: string[]): Check[] {
  if (!only?.length) return lab.checks;
  const unknown = only.filter((n) => !lab.checks.some((c) => c.name === n));
  if (unknown.length) {
    throw new EnvironmentError(`no check named ${unknown.map((n) => `"${n}"`).join(', ')} in lab ${lab.name}`, `checks: ${lab.checks.map((c) => `"${c.name}"`).join(', ')}`);
  }
  return lab.checks.filter((c) => only.includes(c.name));
}

export async function runChecks(lab: Lab, opts: CheckOptions = {}): Promise<CheckResult[]> {
  const checks = selectChecks(lab, opts.only);
  const impairing = checks.some((c) => (c.impair?.length ?? 0) > 0);
  requireTools(new Set(['nsenter', ...checks.flatMap((c) => TOOLS[c.kind]), ...(impairing ? ['tc'] : [])]));
  const runner = opts.runner ?? new SpawnRunner();
  if (impairing) await requireFeatures(runner, impairmentFeatures([], checks), 'no check was run');
  const ctx = new Ctx(lab, runner);
  const results = new Map<Check, CheckResult>();
  const limit = pLimit(opts.concurrency ?? 4);
  const finish = (c: Check, r: CheckResult) => {
    results.set(c, r);
    opts.onResult?.(r);
  };
  const go = async (c: Check) => {
    if (!opts.signal?.aborted) finish(c, await ctx.run(c));
  };
  // Throughput tests and checks that impair a link run alone: the first to
  // keep figures honest, the second so no other check sees their impairment.
  const alone = (c: Check) => c.kind === 'iperf' || (c.impair?.length ?? 0) > 0;
  await Promise.all(checks.filter((c) => !alone(c)).map((c) => limit(() => go(c))));
  for (const c of checks.filter(alone)) await go(c);
  return checks.filter((c) => results.has(c)).map((c) => results.get(c)!);
}

class Ctx {
  private readonly nsOf: Map<string, string>;
  private readonly firstAddress = new Map<string, string>();
  private readonly ownerOf = new Map<string, string>();

  constructor(
    readonly lab: Lab,
    readonly runner: Runner,
  ) {
    this.nsOf = new Map(lab.nodes.map((n) => [n.name, n.ns]));
    for (const l of lab.links) {
      for (const e of l.ends) {
        for (const a of e.addresses) this.ownerOf.set(formatAddress(a.cidr), e.node);
        const v4 = e.addresses.find((a) => a.cidr.family === 4) ?? e.addresses[0];
        if (v4 && (!this.firstAddress.has(e.node) || (v4.cidr.family === 4 && this.firstAddress.get(e.node)!.includes(':')))) {
          this.firstAddress.set(e.node, formatAddress(v4.cidr));
        }
      }
    }
  }

  async run(check: Check): Promise<CheckResult> {
    const started = new Date();
    const t0 = performance.now();
    const base = { name: check.name, kind: check.kind, expect: check.expect, loc: check.loc, startedAt: started.toISOString() };
    const impairCommands: string[] = [];
    let result: Omit<CheckResult, 'ms'>;
    try {
      for (const i of check.impair ?? []) impairCommands.push(...(await setImpairment(this.runner, i, i.spec)));
      const r = await this.measure(check);
      result = { ...base, ...r, commands: [...impairCommands, ...r.commands] };
    } catch (e) {
      result = { ...base, status: 'error', message: (e as Error).message, measurements: [], commands: [...impairCommands, ...((e as ImpairError).commands ?? [])], output: '' };
    }
    // Put back what the topology declared, whatever happened; a link left
    // impaired would fail every later check for the wrong reason.
    for (const i of check.impair ?? []) {
      try {
        result.commands.push(...(await setImpairment(this.runner, i, i.restore)));
      } catch (e) {
        result = { ...result, status: 'error', message: `could not restore ${i.node}:${i.ifname} after the check: ${(e as Error).message}` };
      }
    }
    return { ...result, ms: performance.now() - t0 };
  }

  private async exec(ns: string, argv: string[], timeoutMs?: number): Promise<{ r: RunResult; line: string }> {
    const full = inNs(ns, argv);
    return { r: await this.runner.run({ argv: full, timeoutMs }), line: `ip netns exec ${ns} ${shJoin(argv)}` };
  }

  private measure(check: Check): Promise<Omit<CheckResult, 'name' | 'kind' | 'expect' | 'loc' | 'startedAt' | 'ms'>> {
    switch (check.kind) {
      case 'ping':
        return this.ping(check as Check<'ping'>);
      case 'mtu':
        return this.mtu(check as Check<'mtu'>);
      case 'reach':
        return this.reach(check as Check<'reach'>);
      case 'iperf':
        return this.iperf(check as Check<'iperf'>);
      case 'exec':
        return this.execCheck(check as Check<'exec'>);
    }
  }

  private async ping(check: Check<'ping'>) {
    const { r, line } = await this.exec(this.nsOf.get(check.nodes[0]!)!, pingArgv(check.spec, check.target!), pingTimeoutMs(check.spec));
    const stats = parsePing(r.stdout, r.stderr);
    if (!stats) return errorResult(`ping printed no summary: ${(r.failedToRun ?? r.stderr).trim() || 'no output'}`, line, r);
    const { held, measurements } = evaluatePing(check.spec, stats);
    return { status: verdict(held, check.expect), message: summarise(measurements), measurements, commands: [line], output: r.stdout + r.stderr };
  }

  private async mtu(check: Check<'mtu'>) {
    const ns = this.nsOf.get(check.nodes[0]!)!;
    const target = check.target!;
    const commands: string[] = [];
    let output = '';
    /** Does a `size`-byte packet with DF set get through? Also returns the local PMTU the kernel reports. */
    const probe = async (size: number) => {
      const spec = { count: 2, interval: '100ms', timeout: '1s', size: payloadFor(size, target) };
      const { r, line } = await this.exec(ns, pingArgv(spec, target, { df: true }), pingTimeoutMs(spec));
      commands.push(line);
      output += r.stdout + r.stderr;
      const stats = parsePing(r.stdout, r.stderr);
      const mtu = /mtu=(\d+)/.exec(stats?.localError ?? r.stderr)?.[1];
      return { ok: (stats?.received ?? 0) > 0, localMtu: mtu === undefined ? undefined : Number(mtu) };
    };
    if (check.spec.size !== undefined) {
      const p = await probe(check.spec.size);
      const m: Measurement[] = [{ name: `${check.spec.size}-byte packet with DF`, value: p.ok ? 'passed' : `did not pass${p.localMtu ? ` (local MTU ${p.localMtu})` : ''}`, expected: check.expect === 'pass' ? 'passes' : 'does not pass', ok: p.ok === (check.expect === 'pass') }];
      return { status: verdict(p.ok, check.expect), message: summarise(m), measurements: m, commands, output };
    }
    // Discovery: binary search on the packet size; a local "message too long,
    // mtu=N" (a known path MTU) narrows it at once.
    let lo = target.includes(':') ? 1280 : 68;
    let hi = 65535;
    if (!(await probe(lo)).ok) {
      const m = [{ name: 'path MTU', value: 'nothing passes', expected: `≥ ${check.spec.min ?? lo}`, ok: false }];
      return { status: verdict(false, check.expect), message: summarise(m), measurements: m, commands, output };
    }
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const p = await probe(mid);
      if (p.ok) lo = mid;
      else hi = p.localMtu !== undefined && p.localMtu < mid ? Math.max(lo, p.localMtu) : mid - 1;
    }
    const min = check.spec.min;
    const m: Measurement[] = [{ name: 'path MTU', value: `${lo} bytes`, ...(min !== undefined ? { expected: `≥ ${min} bytes`, ok: lo >= min } : {}) }];
    return { status: verdict(min === undefined || lo >= min, check.expect), message: summarise(m), measurements: m, commands, output };
  }

  private async reach(check: Check<'reach'>) {
    const nodes = check.nodes;
    const failed: string[] = [];
    const commands: string[] = [];
    let output = '';
    let pairs = 0;
    const table = arpTable();
    const perRound = sourcesPerRound(nodes.length, table.limit, table.inUse);
    const limit = pLimit(Math.min(8, perRound));
    for (let start = 0; start < nodes.length; start += perRound) {
      if (start > 0) await this.flushNeighbours(nodes);
      await Promise.all(
        nodes.slice(start, start + perRound).map((from) =>
          limit(async () => {
            const targets = nodes.filter((n) => n !== from).map((n) => this.firstAddress.get(n)!);
            const { r, line } = await this.exec(this.nsOf.get(from)!, fpingArgv(check.spec, targets));
            commands.push(line);
            output += `# from ${from}\n${r.stderr}`;
            const seen = new Map(parseFping(r.stderr).map((t) => [t.target, t]));
            for (const to of nodes.filter((n) => n !== from)) {
              pairs++;
              const addr = this.firstAddress.get(to)!;
              if ((seen.get(addr)?.received ?? 0) === 0) failed.push(`${from} -> ${to} (${addr})`);
            }
          }),
        ),
      );
    }
    if (perRound < nodes.length) output = `# ${Math.ceil(nodes.length / perRound)} rounds of ${perRound} sources: the host's ARP table holds ${table.limit} entries (${table.inUse} in use)\n${output}`;
    failed.sort();
    const held = failed.length === 0;
    const m: Measurement[] = [{ name: 'pairs reached', value: `${pairs - failed.length}/${pairs}`, expected: check.expect === 'pass' ? `${pairs}/${pairs}` : 'none', ok: check.expect === 'pass' ? held : failed.length === pairs }];
    // A negative reach means full isolation: every pair must fail.
    const status = check.expect === 'pass' ? verdict(held, 'pass') : verdict(failed.length === pairs, 'pass');
    const message = `${summarise(m)}${failed.length && check.expect === 'pass' ? `; unreachable: ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? `, … (${failed.length} in all)` : ''}` : ''}`;
    return { status, message, measurements: m, commands, output, failedPairs: failed };
  }

  /** Empty the neighbour caches of these nodes (one process; names are arguments, not code). */
  private async flushNeighbours(nodes: string[]): Promise<void> {
    const script = `for ns do nsenter --net=${NETNS_DIR}/$ns ip neigh flush all; done`;
    await this.runner.run({ argv: ['bash', '-c', script, 'nslab-flush', ...nodes.map((n) => this.nsOf.get(n)!)] });
  }

  private async iperf(check: Check<'iperf'>) {
    const target = check.target!;
    const server = this.ownerOf.get(target);
    if (!server) throw new Error(`no node of the lab has address ${target}; iperf3 needs its server inside the lab`);
    return withIperfServer(this.nsOf.get(server)!, target, async (serverCommand) => {
      const { r, line } = await this.exec(this.nsOf.get(check.nodes[0]!)!, iperfClientArgv(check.spec, target), ((check.spec.seconds ?? 3) + 20) * 1000);
      const commands = [serverCommand, line];
      const parsed = parseIperf(r.stdout);
      if (!parsed.ok) return errorResult(parsed.error, commands.join('\n'), r);
      const { held, measurements } = evaluateIperf(check.spec, parsed.result);
      return { status: verdict(held, check.expect), message: summarise(measurements), measurements, commands, output: r.stdout };
    });
  }

  private async execCheck(check: Check<'exec'>) {
    const spec: RawCheck['exec'] = check.spec;
    const ns = this.nsOf.get(check.nodes[0]!)!;
    const argv = execArgv(spec.cmd);
    // `ip netns exec`: the command sees the namespace's own /sys, as interactive use would.
    const r = await this.runner.run({ argv: ['ip', 'netns', 'exec', ns, ...argv], timeoutMs: seconds(spec.timeout, 30) * 1000 });
    const line = `ip netns exec ${ns} ${shJoin(argv)}`;
    if (r.failedToRun) return errorResult(r.failedToRun, line, r);
    const wantExit = spec.exit ?? 0;
    const m: Measurement[] = [{ name: 'exit code', value: String(r.exitCode), expected: String(wantExit), ok: r.exitCode === wantExit }];
    if (spec.stdout !== undefined) {
      const ok = new RegExp(spec.stdout, 'm').test(r.stdout);
      m.push({ name: 'stdout', value: ok ? 'matched' : 'did not match', expected: `/${spec.stdout}/`, ok });
    }
    const held = m.every((x) => x.ok);
    return { status: verdict(held, check.expect), message: summarise(m), measurements: m, commands: [line], output: r.stdout + r.stderr };
  }
}

function errorResult(message: string, command: string, r: RunResult) {
  return { status: 'error' as const, message, measurements: [], commands: [command], output: r.stdout + r.stderr };
}
