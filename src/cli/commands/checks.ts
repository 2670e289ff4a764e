/**
 * `nslab test` (the checks and scenarios of a running lab) and `nslab run`
 * (preflight, up, checks, scenarios, down — the CI entry point; several
 * topologies at once with -j, a share of them with --shard).
 *
 * Every exit writes the reports asked for: a run that stops before building
 * anything (a bad topology, an unknown `--only`, a missing tool) reports one
 * error test case saying why, at its file:line:col, and its checks as
 * skipped with that reason; TAP then ends with `Bail out!`. On SIGTERM or
 * Ctrl-C running checks are killed at once, the rest skipped, the lab torn
 * down, the reports written, and nslab exits 143 or 130.
 *
 * Live output is TAP 14 when asked or when stdout is not a terminal, a
 * readable list on a terminal. A report written to `-` takes stdout for
 * itself: the live output then goes to stderr. With several labs, each is a
 * TAP subtest, printed whole when its lab is done, in file order.
 */
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ExitCode, NslabError, TopologyError, UsageError } from '../../diagnostics.js';
import type { CheckResult, PhaseKind } from '../../checks/result.js';
import type { SuiteReport } from '../../report/suite.js';
import type { ScenarioResult } from '../../scenarios/run.js';
import type { Check, Lab, Scenario } from '../../topology/model.js';
import { VERSION, type Io } from '../io.js';
import { createProgress, progressMode } from '../progress.js';
import { onSignals, type Interrupt } from '../signals.js';
import { labFromTarget, readLab } from './lab-name.js';

export interface CheckCliOptions {
  junit?: string;
  json?: string;
  only?: string[];
  scenario?: string[];
  tap?: boolean;
  quiet?: boolean;
  strict?: boolean;
  artifacts?: string;
  /** the lab runs over the machines of this hosts file */
  hosts?: string;
}

export interface RunCliOptions extends CheckCliOptions {
  jobs?: string;
  shard?: string;
  keepOnFail?: boolean;
}

type Reports = typeof import('../../report/tap.js') & typeof import('../../report/console.js');

/** A lab's live output: TAP in file order, or lines for a person; written wherever `write` says. */
class LiveReport {
  private order: InstanceType<Reports['TapOrder']> | undefined;
  private headerDone = false;

  constructor(
    private readonly write: (text: string) => void,
    readonly tap: boolean,
    private readonly quiet: boolean,
    private readonly r: Reports,
  ) {}

  /** The TAP plan: deploy, the checks in file order, the scenarios, the services, teardown. */
  begin(slots: string[]): void {
    this.order = new this.r.TapOrder(slots);
    if (this.tap) this.write(this.r.tapHeader(slots.length));
    this.headerDone = true;
  }

  get begun(): boolean {
    return this.headerDone;
  }

  result(res: CheckResult): void {
    if (this.tap) this.write(this.order?.put(res) ?? '');
    else if (!this.quiet || res.status !== 'pass') this.write(this.r.consoleLine(res));
  }

  /** A scenario's step, as it finishes: on a terminal, so a long scenario shows progress (TAP gets them in its subtest). */
  step(scenario: string, res: CheckResult): void {
    if (!this.tap && (!this.quiet || res.status === 'fail' || res.status === 'error')) this.write(`  [${scenario}] ${this.r.consoleLine(res)}`);
  }

  bail(reason: string): void {
    if (this.tap) this.write(this.r.tapBailOut(reason));
  }

  summary(report: SuiteReport): void {
    if (!this.tap) this.write(this.r.consoleSummary(report));
  }
}

const slotsOf = (checks: readonly Pick<Check, 'name'>[], scenarios: readonly Scenario[], lab: Lab | undefined, deploy: boolean) => [
  ...(deploy ? ['phase:deploy'] : []),
  ...checks.map((c) => `check:${c.name}`),
  ...scenarios.map((s) => `scenario:${s.name}`),
  ...(lab ? lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services.map((s) => `check:service ${s.id}`) : [])) : []),
  ...(deploy ? ['phase:teardown'] : []),
];

const phaseOf = (e: unknown): PhaseKind =>
  e instanceof TopologyError ? 'topology' : e instanceof NslabError ? (e.exitCode === ExitCode.environment ? 'preflight' : e.exitCode === ExitCode.badInput ? 'options' : 'deploy') : 'internal';

const exitOf = (e: unknown): number => (e instanceof NslabError ? e.exitCode : 70);

/** A file that never became a lab is reported under its base name. */
const unparsed = (file: string) => ({ name: basename(file).replace(/\.ya?ml$/, '') || 'topology', file });
const earlyProperties = (file: string) => ({ 'nslab.version': VERSION, 'topology.file': file });

/** A run that stopped before it built anything: one error result, every check skipped with why. */
async function failedEarly(report: SuiteReport, phase: PhaseKind, e: unknown, checks: readonly Check[], live: LiveReport): Promise<void> {
  const { phaseResult, skipped } = await import('../../checks/result.js');
  const message = e instanceof TopologyError ? e.message : e instanceof NslabError ? `${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}` : `internal error: ${(e as Error)?.message ?? String(e)}`;
  const detail = e instanceof TopologyError ? e.format() : e instanceof NslabError ? '' : String((e as Error)?.stack ?? e);
  const loc = e instanceof TopologyError ? e.diagnostics[0]?.loc : undefined;
  const because = { topology: 'the topology is invalid', options: 'bad options', preflight: 'this host lacks what the run needs' } as Partial<Record<PhaseKind, string>>;
  report.error = phaseResult(phase, false, message, new Date(report.startedAt), 0, { stderr: detail, ...(loc ? { loc } : {}) });
  report.checks = checks.map((c) => skipped(c, `${because[phase] ?? 'nslab failed'}: ${message}`));
  if (!live.begun) {
    live.begin([`phase:${phase}`, ...checks.map((c) => `check:${c.name}`)]);
    live.result(report.error);
    for (const c of report.checks) live.result(c);
  }
  live.bail(message);
}

async function writeReports(io: Io, opts: CheckCliOptions, reports: SuiteReport[]): Promise<void> {
  const out = async (path: string, text: string) => (path === '-' ? io.out(text) : writeFile(path, text));
  if (opts.junit) await out(opts.junit, (await import('../../report/junit.js')).toJUnit(reports));
  if (opts.json) await out(opts.json, (await import('../../report/json.js')).toJson(reports));
}

/**
 * `--only` picks checks, `--scenario` scenarios; with neither, everything
 * runs; with one of them, only what it picks.
 */
async function selection(lab: Lab, opts: CheckCliOptions): Promise<{ checks: Check[]; scenarios: Scenario[] }> {
  const [{ selectChecks }, { selectByName }] = await Promise.all([import('../../checks/run.js'), import('../../checks/select.js')]);
  const checks = opts.scenario?.length && !opts.only?.length ? [] : selectChecks(lab, opts.only);
  const scenarios = opts.only?.length && !opts.scenario?.length ? [] : opts.scenario?.length ? selectByName(lab.scenarios, opts.scenario, 'scenario') : lab.scenarios;
  return { checks, scenarios };
}

export async function testCommand(io: Io, target: string, opts: CheckCliOptions): Promise<number> {
  if (opts.hosts !== undefined) return testOverHosts(io, target, opts.hosts, opts);
  const [reports, { testLab, emptyReport }, { suiteOk }] = await Promise.all([loadReports(), import('../../session/session.js'), import('../../report/suite.js')]);
  const write = opts.junit === '-' || opts.json === '-' ? (t: string) => io.err(t) : (t: string) => io.out(t);
  const live = new LiveReport(write, Boolean(opts.tap) || !io.isTTY, Boolean(opts.quiet), reports);
  const irq = onSignals(io, 'stopping the checks now and writing the reports');
  const started = new Date();
  let lab: Lab | undefined;
  let checks: Check[] = [];
  try {
    lab = await labFromTarget(io, target, { strict: opts.strict });
    const { readState } = await import('../../exec/state.js');
    if (!readState(lab.name)) throw new UsageError(`lab ${lab.name} is not up`, `run \`nslab up ${lab.file}\` first, or \`nslab run ${lab.file}\``);
    const sel = await selection(lab, opts);
    checks = sel.checks;
    live.begin(slotsOf(checks, sel.scenarios, lab, false));
    const report = await testLab(lab, checks, {
      version: VERSION, onResult: (r) => live.result(r), onStep: (s, r) => live.step(s, r), signal: irq.signal, abortReason: irq.reason,
      scenarios: sel.scenarios, artifactsDir: opts.artifacts,
    });
    if (irq.exitCode()) live.bail(irq.reason());
    live.summary(report);
    await writeReports(io, opts, [report]);
    return irq.exitCode() ?? (suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed);
  } catch (e) {
    const report = emptyReport(lab ?? unparsed(target), earlyProperties(lab?.file ?? target), started);
    await failedEarly(report, phaseOf(e), e, checks, live);
    await writeReports(io, opts, [report]);
    return exitOf(e);
  } finally {
    irq.dispose();
  }
}

async function loadReports(): Promise<Reports> {
  const [tap, console] = await Promise.all([import('../../report/tap.js'), import('../../report/console.js')]);
  return { ...tap, ...console };
}

/** One lab's whole run; its live output goes to `write`. Returns its report and its exit code. */
async function runOneLab(io: Io, file: string, opts: RunCliOptions, live: LiveReport, irq: Interrupt): Promise<{ report: SuiteReport; code: number }> {
  const [{ runLab, emptyReport, preflightRun }, { suiteOk }] = await Promise.all([import('../../session/session.js'), import('../../report/suite.js')]);
  const started = new Date();
  let lab: Lab | undefined;
  let checks: Check[] = [];
  try {
    lab = await readLab(io, file, { strict: opts.strict });
    const sel = await selection(lab, opts);
    checks = sel.checks;
    await preflightRun(lab, checks);
    live.begin(slotsOf(checks, sel.scenarios, lab, true));
    const progress = createProgress(io, progressMode(io, opts.quiet || live.tap), `run ${lab.name}`);
    const report = await runLab(lab, checks, {
      signal: irq.signal, abortReason: irq.reason, version: VERSION, scenarios: sel.scenarios, artifactsDir: opts.artifacts, keepOnFail: opts.keepOnFail,
      lifecycle: { onProgress: (e) => progress.onProgress(e) },
      onResult: (r) => (progress.end(), live.result(r)),
      onStep: (s, r) => (progress.end(), live.step(s, r)),
    });
    if (irq.exitCode()) live.bail(irq.reason());
    live.summary(report);
    const code = irq.exitCode() ?? (report.deploy?.status !== 'pass' || (report.teardown?.status !== 'pass' && !report.keptUp) ? ExitCode.deployFailed : suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed);
    if (report.keptUp) io.err(keptUpHint(lab));
    return { report, code };
  } catch (e) {
    // Nothing was built (a bad file, bad options, a missing tool): report why, and the checks as skipped.
    const report = emptyReport(lab ?? unparsed(file), earlyProperties(lab?.file ?? file), started);
    await failedEarly(report, phaseOf(e), e, checks, live);
    return { report, code: exitOf(e) };
  }
}

function keptUpHint(lab: Lab): string {
  const node = lab.nodes.find((n) => n.kind === 'netns')?.name ?? 'NODE';
  return `\nnslab: a check failed, and --keep-on-fail left lab ${lab.name} up to look into:\n  nslab exec ${lab.name} ${node}          a shell in a node\n  nslab status ${lab.name} --verify    what the kernel holds\n  nslab down ${lab.name}               remove it when done\n`;
}

/** `--shard K/N`: the K-th of N stable shares of the files (by their sorted paths). */
export function shardOf(files: readonly string[], shard: string | undefined): string[] {
  if (!shard) return [...files];
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  const [k, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || n < 1 || k < 1 || k > n) throw new UsageError(`--shard ${shard}: expected K/N with 1 ≤ K ≤ N`, 'e.g. --shard 2/4 runs the second of four shares');
  const sorted = [...new Set(files.map((f) => resolve(f)))].sort();
  const mine = new Set(sorted.filter((_, i) => i % n === k - 1));
  return files.filter((f) => mine.has(resolve(f)));
}

export async function runCommand(io: Io, files: string[], opts: RunCliOptions): Promise<number> {
  const reports = await loadReports();
  const stdoutTaken = opts.junit === '-' || opts.json === '-';
  const write = stdoutTaken ? (t: string) => io.err(t) : (t: string) => io.out(t);
  const tap = Boolean(opts.tap) || !io.isTTY;
  const irq = onSignals(io, `stopping the checks now and ${files.length > 1 ? 'tearing the labs down' : 'tearing the lab down'}`);
  try {
    if (opts.hosts !== undefined) {
      if (files.length !== 1) throw new UsageError('--hosts runs one lab at a time', 'give one topology file');
      const { report, code } = await runOverHosts(io, files[0]!, opts.hosts, opts, new LiveReport(write, tap, Boolean(opts.quiet), reports), irq);
      await writeReports(io, opts, [report]);
      return code;
    }
    if (files.length === 1 && !opts.shard) {
      const { report, code } = await runOneLab(io, files[0]!, opts, new LiveReport(write, tap, Boolean(opts.quiet), reports), irq);
      await writeReports(io, opts, [report]);
      return code;
    }
    return await runMany(io, files, opts, reports, write, tap, irq);
  } finally {
    irq.dispose();
  }
}

/**
 * Several labs, `-j` at a time: each runs as it would alone, its live output
 * buffered and printed whole when it is done, in file order (a TAP subtest
 * each). Two labs of one name cannot run at once: refused before anything
 * runs. The exit code is the worst of them.
 */
async function runMany(io: Io, all: string[], opts: RunCliOptions, reports: Reports, write: (t: string) => void, tap: boolean, irq: Interrupt): Promise<number> {
  const files = shardOf(all, opts.shard);
  const jobs = opts.jobs === undefined ? 2 : Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`-j must be a whole number from 1 to 64, got ${opts.jobs}`);
  await refuseSameNames(files);
  if (tap) write(`TAP version 14\n1..${files.length}\n`);
  const buffers = files.map(() => '');
  const done: (number | undefined)[] = files.map(() => undefined);
  const results: { report: SuiteReport; code: number }[] = [];
  let printed = 0;
  const flush = () => {
    while (printed < files.length && done[printed] !== undefined) {
      const i = printed++;
      const report = results[i]!.report;
      if (tap) write(`# Subtest: ${report.lab} (${files[i]})\n${buffers[i]!.replace(/^(?=.)/gm, '    ')}${done[i] === 0 ? 'ok' : 'not ok'} ${i + 1} - ${report.lab}\n`);
      else write(`\n== ${report.lab} (${files[i]})\n${buffers[i]}`);
    }
  };
  const pLimit = (await import('p-limit')).default;
  const limit = pLimit(jobs);
  await Promise.all(
    files.map((file, i) =>
      limit(async () => {
        const live = new LiveReport((t) => (buffers[i] += t), tap, Boolean(opts.quiet), reports);
        results[i] = await runOneLab(io, file, { ...opts, quiet: true }, live, irq);
        done[i] = results[i]!.code;
        flush();
      }),
    ),
  );
  await writeReports(io, opts, results.map((r) => r.report));
  const codes = results.map((r) => r.code);
  const worst = irq.exitCode() ?? [ExitCode.internal, ExitCode.environment, ExitCode.deployFailed, ExitCode.badInput, ExitCode.checkFailed].find((c) => codes.includes(c)) ?? ExitCode.ok;
  if (!tap) io.out(`\n${files.length} labs: ${codes.filter((c) => c === 0).length} passed, ${codes.filter((c) => c !== 0).length} did not\n`);
  return worst;
}

/** Labs run at once must differ in name (their namespaces, state and locks are named after it). */
async function refuseSameNames(files: string[]): Promise<void> {
  const { readTopology } = await import('../../topology/load.js');
  const byName = new Map<string, string>();
  for (const f of files) {
    let name: string;
    try {
      name = (await readTopology(f)).name;
    } catch {
      continue; // reported in its own run
    }
    const other = byName.get(name);
    if (other) throw new UsageError(`${other} and ${f} are both lab \`${name}\`: labs run together must have different names`, 'give one of them another `name:`, or run them in separate jobs');
    byName.set(name, f);
  }
}

/** A lab over hosts as the check commands need it: read, placed, its hosts file, and its checks selected. */
async function overHosts(io: Io, file: string, hostsFile: string, opts: CheckCliOptions) {
  const lab = await readLab(io, file, { strict: opts.strict });
  const [{ planAcrossHosts }, { readHostsFile, remoteFor }] = await Promise.all([import('../../multihost/plan.js'), import('./hosts.js')]);
  const { spec, text: hostsText } = await readHostsFile(hostsFile);
  const { plan, diagnostics } = planAcrossHosts(lab, spec);
  if (!plan) throw new TopologyError(diagnostics, hostsText);
  const sel = await selection(lab, opts);
  const files = { topology: { file: lab.file, text: lab.source ?? '' }, hosts: { file: hostsFile, text: hostsText } };
  return { lab, spec, plan, sel, files, remote: await remoteFor(spec) };
}

type OverHosts = Awaited<ReturnType<typeof overHosts>>;

/** A report for a lab over hosts: the usual properties, and the hosts it ran on. */
async function reportOverHosts(h: OverHosts, hostsFile: string, started: Date): Promise<SuiteReport> {
  const [{ emptyReport, properties }, { SpawnRunner }] = await Promise.all([import('../../session/session.js'), import('../../exec/runner.js')]);
  return emptyReport(h.lab, { ...(await properties(h.lab, new SpawnRunner(), VERSION)), 'hosts.file': resolve(hostsFile), hosts: h.spec.hosts.map((x) => x.name).join(' ') }, started);
}

/**
 * Each host runs the checks of its nodes (multihost/checks.ts); the answers
 * merge back in file order. Scenarios and services stay with single-host
 * labs for now: reported as skipped, with why.
 */
async function checksOverHosts(h: OverHosts, live: LiveReport): Promise<{ checks: CheckResult[]; scenarios: ScenarioResult[] }> {
  const [{ assignChecks, mergeReach }, deploy, { skipped, phaseResult }] = await Promise.all([import('../../multihost/checks.js'), import('../../multihost/deploy.js'), import('../../checks/result.js')]);
  const { lab, plan, sel } = h;
  const { perHost, spread } = assignChecks(lab, sel.checks, plan.placement.hostOf);
  const answers = await deploy.checksOnHosts(h.remote, plan, h.files, perHost);
  const errorOf = (c: Check, message: string, ms = 0) => ({ ...phaseResult('internal', false, message, new Date(), ms), name: c.name, kind: c.kind, status: 'error' as const, ...(c.loc ? { loc: c.loc } : {}) });
  const pieces = new Map<number, CheckResult[]>();
  for (const { host, checks: mine } of perHost) {
    const got = answers.get(host)!;
    mine.forEach(({ index }, k) => {
      const c = lab.checks[index]!;
      (pieces.get(index) ?? pieces.set(index, []).get(index)!).push(Array.isArray(got) ? got[k]! : errorOf(c, `host ${host} could not run it: ${got.detail}`, got.ms));
    });
  }
  const checks = sel.checks.map((c) => {
    const away = spread.find((x) => x.check === c);
    const got = pieces.get(lab.checks.indexOf(c));
    const r = away ? errorOf(c, `not run: ${away.reason}`) : c.kind === 'reach' ? mergeReach(c, got!) : got![0]!;
    live.result(r);
    return r;
  });
  const why = 'scenarios and services of a lab over several hosts are not run yet';
  const scenarios = sel.scenarios.map((s) => ({ ...skipped({ name: s.name, kind: 'scenario', loc: s.loc }, why), kind: 'scenario', steps: [], timeline: [] }) as ScenarioResult);
  const services = lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services : [])).map((s) => skipped({ name: `service ${s.id}`, kind: 'service', loc: s.loc }, why));
  for (const r of [...scenarios, ...services]) live.result(r);
  return { checks: [...checks, ...services], scenarios };
}

/** `test FILE --hosts HOSTS`: the checks of a lab that is up over several hosts, one report. */
async function testOverHosts(io: Io, file: string, hostsFile: string, opts: CheckCliOptions): Promise<number> {
  const [reports, { emptyReport }, { suiteOk }, { closeConnections }] = await Promise.all([loadReports(), import('../../session/session.js'), import('../../report/suite.js'), import('../../multihost/deploy.js')]);
  const write = opts.junit === '-' || opts.json === '-' ? (t: string) => io.err(t) : (t: string) => io.out(t);
  const live = new LiveReport(write, Boolean(opts.tap) || !io.isTTY, Boolean(opts.quiet), reports);
  const started = new Date();
  let h: OverHosts | undefined;
  try {
    h = await overHosts(io, file, hostsFile, opts);
    live.begin(slotsOf(h.sel.checks, h.sel.scenarios, h.lab, false));
    const report = await reportOverHosts(h, hostsFile, started);
    Object.assign(report, await checksOverHosts(h, live));
    report.ms = Date.now() - started.getTime();
    live.summary(report);
    await writeReports(io, opts, [report]);
    return suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed;
  } catch (e) {
    const report = emptyReport(h?.lab ?? unparsed(file), earlyProperties(h?.lab.file ?? file), started);
    await failedEarly(report, phaseOf(e), e, h?.sel.checks ?? [], live);
    await writeReports(io, opts, [report]);
    return exitOf(e);
  } finally {
    if (h) await closeConnections(h.remote);
  }
}

/**
 * `run FILE --hosts HOSTS`: build over the hosts, run the checks, sweep every
 * host whatever happened; deploy and teardown are results of the report,
 * each host's line in their output.
 */
async function runOverHosts(io: Io, file: string, hostsFile: string, opts: RunCliOptions, live: LiveReport, irq: Interrupt): Promise<{ report: SuiteReport; code: number }> {
  const [{ emptyReport }, { suiteOk }, deploy, { phaseResult, skipped }, { buildFailure, hostLine }] = await Promise.all([
    import('../../session/session.js'), import('../../report/suite.js'), import('../../multihost/deploy.js'), import('../../checks/result.js'), import('./hosts.js'),
  ]);
  const started = new Date();
  let h: OverHosts | undefined;
  try {
    h = await overHosts(io, file, hostsFile, opts);
    // A signal kills the ssh sessions; each host then rolls its part back, and the teardown sweeps them all.
    h.remote.signal = irq.signal;
    const { lab, plan, sel } = h;
    live.begin(slotsOf(sel.checks, sel.scenarios, lab, true));
    const report = await reportOverHosts(h, hostsFile, started);
    const t0 = performance.now();
    const b = await deploy.buildOverHosts(h.remote, plan, h.files);
    report.deploy = phaseResult('deploy', b.ok, b.ok ? `built over ${h.spec.hosts.length} hosts, ${plan.split.tunnels.length} VNIs between them` : b.outcomes.filter((o) => !o.ok).map((o) => `${o.host}: ${o.detail}`).join('; '), started, performance.now() - t0, {
      output: b.outcomes.map(hostLine).join(''), ...(b.ok ? {} : { stderr: buildFailure(lab.name, hostsFile, b) }),
    });
    live.result(report.deploy);
    if (!b.ok) {
      report.checks = sel.checks.map((c) => skipped(c, 'the deploy failed'));
      for (const c of report.checks) live.result(c);
      report.teardown = skipped({ name: 'teardown', kind: 'teardown' }, b.phase === 'preflight' ? 'nothing was built' : 'every host was swept by the rollback');
      live.result(report.teardown);
    } else {
      if (!irq.signal.aborted) Object.assign(report, await checksOverHosts(h, live));
      else report.checks = sel.checks.map((c) => skipped(c, irq.reason()));
      const t1 = new Date();
      const swept = await deploy.downOnHosts(h.remote, lab.name);
      const ok = swept.every((o) => o.ok);
      report.teardown = phaseResult('teardown', ok, ok ? 'removed from every host' : `not removed from ${swept.filter((o) => !o.ok).map((o) => o.host).join(', ')}: run \`nslab down ${lab.name} --hosts ${hostsFile}\` once they can be reached`, t1, Date.now() - t1.getTime(), { output: swept.map(hostLine).join('') });
      live.result(report.teardown);
    }
    report.ms = Date.now() - started.getTime();
    live.summary(report);
    if (irq.exitCode()) live.bail(irq.reason());
    const code = irq.exitCode() ?? (!b.ok ? (b.phase === 'preflight' ? ExitCode.environment : ExitCode.deployFailed) : report.teardown.status !== 'pass' ? ExitCode.deployFailed : suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed);
    return { report, code };
  } catch (e) {
    const report = emptyReport(h?.lab ?? unparsed(file), earlyProperties(h?.lab.file ?? file), started);
    await failedEarly(report, phaseOf(e), e, h?.sel.checks ?? [], live);
    return { report, code: exitOf(e) };
  } finally {
    if (h) await deploy.closeConnections(h.remote);
  }
}
