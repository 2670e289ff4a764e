/**
 * `nslab test` (the checks of a running lab) and `nslab run` (preflight,
 * up, checks, down — the CI entry point).
 *
 * Every exit writes the reports asked for: a run that stops before building
 * anything (a bad topology, an unknown `--only`, a missing tool) reports
 * one error test case saying why, at its file:line:col, and its checks as
 * skipped with that reason; TAP then ends with `Bail out!`. On SIGTERM or
 * Ctrl-C running checks are killed at once, the rest skipped, the lab torn
 * down, the reports written, and nslab exits 143 or 130.
 *
 * Live output is TAP 14 when asked or when stdout is not a terminal, a
 * readable list on a terminal. A report written to `-` takes stdout for
 * itself: the live output then goes to stderr.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ExitCode, NslabError, TopologyError } from '../../diagnostics.js';
import type { CheckResult, PhaseKind } from '../../checks/result.js';
import type { SuiteReport } from '../../report/suite.js';
import type { Check, Lab } from '../../topology/model.js';
import { VERSION, type Io } from '../io.js';
import { createProgress, progressMode } from '../progress.js';
import { labFromTarget, readLab } from './lab-name.js';

export interface CheckCliOptions {
  junit?: string;
  json?: string;
  only?: string[];
  tap?: boolean;
  quiet?: boolean;
  strict?: boolean;
}

type Reports = typeof import('../../report/tap.js') & typeof import('../../report/console.js');

/** Live output, report files, and the guarantee that reports are written whatever happens. */
class Reporter {
  readonly tap: boolean;
  /** where live output goes: stdout, unless a report claims it */
  private readonly live: (text: string) => void;
  private order: InstanceType<Reports['TapOrder']> | undefined;
  private headerDone = false;

  constructor(
    private readonly io: Io,
    private readonly opts: CheckCliOptions,
    private readonly r: Reports,
    private readonly phases: { deploy: boolean },
  ) {
    const stdoutTaken = opts.junit === '-' || opts.json === '-';
    this.tap = Boolean(opts.tap) || !io.isTTY;
    this.live = stdoutTaken ? (t) => io.err(t) : (t) => io.out(t);
  }

  /** The TAP plan: deploy, the checks in file order, teardown (or the phase that stopped the run, and the checks). */
  begin(checks: readonly Pick<Check, 'name'>[], stoppedAt?: PhaseKind, deploy = this.phases.deploy): void {
    const slots = [...(stoppedAt ? [`phase:${stoppedAt}`] : []), ...(deploy ? ['phase:deploy'] : []), ...checks.map((c) => `check:${c.name}`), ...(deploy ? ['phase:teardown'] : [])];
    this.order = new this.r.TapOrder(slots);
    if (this.tap) this.live(this.r.tapHeader(slots.length));
    this.headerDone = true;
  }

  result(res: CheckResult): void {
    if (this.tap) this.live(this.order?.put(res) ?? '');
    else if (!this.opts.quiet || res.status !== 'pass') this.live(this.r.consoleLine(res));
  }

  async finish(report: SuiteReport, bail?: string): Promise<void> {
    if (this.tap && bail) this.live(this.r.tapBailOut(bail));
    await this.write(report);
    if (!this.tap) this.live(this.r.consoleSummary(report));
  }

  /**
   * A run that stopped before it built anything: one error result, every
   * check skipped with the reason, and `Bail out!`. (A failure after the
   * plan was printed is a bug in nslab: the stream just bails out.)
   */
  async failEarly(report: SuiteReport, phase: PhaseKind, e: unknown, checks: readonly Check[]): Promise<void> {
    const { phaseResult, skipped } = await import('../../checks/result.js');
    const message = e instanceof TopologyError ? e.message : e instanceof NslabError ? `${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}` : `internal error: ${(e as Error)?.message ?? String(e)}`;
    const detail = e instanceof TopologyError ? e.format() : e instanceof NslabError ? '' : String((e as Error)?.stack ?? e);
    const loc = e instanceof TopologyError ? e.diagnostics[0]?.loc : undefined;
    const because = { topology: 'the topology is invalid', options: 'bad options', preflight: 'this host lacks what the run needs' } as Partial<Record<PhaseKind, string>>;
    report.error = phaseResult(phase, false, message, new Date(report.startedAt), 0, { stderr: detail, ...(loc ? { loc } : {}) });
    report.checks = checks.map((c) => skipped(c, `${because[phase] ?? 'nslab failed'}: ${message}`));
    if (!this.headerDone) {
      this.begin(checks, phase, false);
      this.result(report.error);
      for (const c of report.checks) this.result(c);
    }
    await this.finish(report, message);
  }

  private async write(report: SuiteReport): Promise<void> {
    if (this.opts.junit) {
      const { toJUnit } = await import('../../report/junit.js');
      await this.writeOut(this.opts.junit, toJUnit(report));
    }
    if (this.opts.json) {
      const { toJson } = await import('../../report/json.js');
      await this.writeOut(this.opts.json, toJson(report));
    }
  }

  private async writeOut(path: string, text: string): Promise<void> {
    if (path === '-') this.io.out(text);
    else await writeFile(path, text);
  }
}

/** SIGINT/SIGTERM abort the session once; a second signal is ignored while teardown runs. */
function onSignals(io: Io, what: string) {
  const ac = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (signalled) return;
    signalled = sig;
    io.err(`\nnslab: ${sig}: stopping the checks now and ${what}…\n`);
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    reason: () => `interrupted by ${signalled ?? 'a signal'}`,
    exitCode: () => (signalled === 'SIGINT' ? 130 : signalled ? 143 : undefined),
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

const phaseOf = (e: unknown): PhaseKind =>
  e instanceof TopologyError ? 'topology' : e instanceof NslabError ? (e.exitCode === ExitCode.environment ? 'preflight' : e.exitCode === ExitCode.badInput ? 'options' : 'deploy') : 'internal';

/** A file that never became a lab is reported under its base name. */
const unparsed = (file: string) => ({ name: basename(file).replace(/\.ya?ml$/, '') || 'topology', file });
const earlyProperties = (file: string) => ({ 'nslab.version': VERSION, 'topology.file': file });

/** After the checks, a result per service: its slot in the TAP plan. */
const serviceNames = (lab: Lab) => lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services.map((s) => ({ name: `service ${s.id}` })) : []));

const exitOf = (e: unknown): number => (e instanceof NslabError ? e.exitCode : 70);

async function loadReports(): Promise<Reports> {
  const [tap, console] = await Promise.all([import('../../report/tap.js'), import('../../report/console.js')]);
  return { ...tap, ...console };
}

export async function testCommand(io: Io, target: string, opts: CheckCliOptions): Promise<number> {
  const [reports, { testLab, emptyReport }, { selectChecks }, { suiteOk }] = await Promise.all([loadReports(), import('../../checks/session.js'), import('../../checks/run.js'), import('../../report/suite.js')]);
  const live = new Reporter(io, opts, reports, { deploy: false });
  const irq = onSignals(io, 'writing the reports');
  const started = new Date();
  let lab: Lab | undefined;
  let checks: Check[] = [];
  try {
    lab = await labFromTarget(io, target, { strict: opts.strict });
    const { readState } = await import('../../exec/state.js');
    if (!readState(lab.name)) {
      const { UsageError } = await import('../../diagnostics.js');
      throw new UsageError(`lab ${lab.name} is not up`, `run \`nslab up ${lab.file}\` first, or \`nslab run ${lab.file}\``);
    }
    checks = selectChecks(lab, opts.only);
    live.begin([...checks, ...serviceNames(lab)]);
    const report = await testLab(lab, checks, { version: VERSION, onResult: (r) => live.result(r), signal: irq.signal, abortReason: irq.reason });
    await live.finish(report, irq.exitCode() ? irq.reason() : undefined);
    return irq.exitCode() ?? (suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed);
  } catch (e) {
    await live.failEarly(emptyReport(lab ?? unparsed(target), earlyProperties(lab?.file ?? target), started), phaseOf(e), e, checks);
    return exitOf(e);
  } finally {
    irq.dispose();
  }
}

export async function runCommand(io: Io, file: string, opts: CheckCliOptions & { jobs?: string }): Promise<number> {
  const [reports, { runLab, emptyReport, preflightRun }, { selectChecks }, { suiteOk }] = await Promise.all([loadReports(), import('../../checks/session.js'), import('../../checks/run.js'), import('../../report/suite.js')]);
  const live = new Reporter(io, opts, reports, { deploy: true });
  const started = new Date();
  const irq = onSignals(io, 'tearing the lab down');
  let lab: Lab | undefined;
  let checks: Check[] = [];
  try {
    lab = await readLab(io, file, { strict: opts.strict });
    checks = selectChecks(lab, opts.only);
    await preflightRun(lab, checks);
    live.begin([...checks, ...serviceNames(lab)]);
    const progress = createProgress(io, progressMode(io, opts.quiet || live.tap), `run ${lab.name}`);
    const report = await runLab(lab, checks, {
      signal: irq.signal,
      abortReason: irq.reason,
      version: VERSION,
      lifecycle: { onProgress: (e) => progress.onProgress(e) },
      onResult: (r) => {
        progress.end();
        live.result(r);
      },
    });
    await live.finish(report, irq.exitCode() ? irq.reason() : undefined);
    if (irq.exitCode()) return irq.exitCode()!;
    if (report.deploy?.status !== 'pass' || report.teardown?.status !== 'pass') return ExitCode.deployFailed;
    return suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed;
  } catch (e) {
    // Nothing was built (a bad file, bad options, a missing tool): report why, and the checks as skipped.
    await live.failEarly(emptyReport(lab ?? unparsed(file), earlyProperties(lab?.file ?? file), started), phaseOf(e), e, checks);
    return exitOf(e);
  } finally {
    irq.dispose();
  }
}
