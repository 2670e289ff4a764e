/**
 * `nslab test` (the checks of a running lab) and `nslab run` (up, checks,
 * down — the CI entry point). Live output is TAP 14 when asked or when
 * stdout is not a terminal, a readable list on a terminal; JUnit and JSON
 * go to files.
 */
import { writeFile } from 'node:fs/promises';
import { ExitCode, UsageError } from '../../diagnostics.js';
import type { CheckResult } from '../../checks/result.js';
import type { SuiteReport } from '../../report/suite.js';
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

/** Prints results as they come, in TAP or for a person. */
function liveReporter(io: Io, opts: CheckCliOptions, planned: number) {
  const tap = opts.tap || !io.isTTY;
  let n = 0;
  return {
    tap,
    async start() {
      const { tapHeader } = await import('../../report/tap.js');
      if (tap) io.out(tapHeader(planned));
    },
    async result(r: CheckResult) {
      n++;
      if (tap) io.out((await import('../../report/tap.js')).tapPoint(n, r));
      else if (!opts.quiet || r.status !== 'pass') io.out((await import('../../report/console.js')).consoleLine(r));
    },
    /** TAP needs every planned point: checks that never ran are skipped, with the reason. */
    async skip(names: string[], reason: string) {
      if (!tap) return;
      for (const name of names) io.out(`ok ${++n} - ${name.replace(/#/g, '\\#')} # SKIP ${reason}\n`);
    },
  };
}

async function writeReports(io: Io, report: SuiteReport, opts: CheckCliOptions): Promise<void> {
  if (opts.junit) {
    const { toJUnit } = await import('../../report/junit.js');
    await writeOut(io, opts.junit, toJUnit(report));
  }
  if (opts.json) {
    const { toJson } = await import('../../report/json.js');
    await writeOut(io, opts.json, toJson(report));
  }
}

async function writeOut(io: Io, path: string, text: string): Promise<void> {
  if (path === '-') io.out(text);
  else await writeFile(path, text);
}

async function finish(io: Io, report: SuiteReport, opts: CheckCliOptions, tap: boolean): Promise<void> {
  await writeReports(io, report, opts);
  if (!tap) io.out((await import('../../report/console.js')).consoleSummary(report));
}

export async function testCommand(io: Io, target: string, opts: CheckCliOptions): Promise<number> {
  const lab = await labFromTarget(io, target, { strict: opts.strict });
  const { readState } = await import('../../exec/state.js');
  if (!readState(lab.name)) throw new UsageError(`lab ${lab.name} is not up`, `run \`nslab up ${lab.file}\` first, or \`nslab run ${lab.file}\``);
  const [{ testLab }, { selectChecks }, { suiteOk }] = await Promise.all([import('../../checks/session.js'), import('../../checks/run.js'), import('../../report/suite.js')]);
  const selected = selectChecks(lab, opts.only);
  const live = liveReporter(io, opts, selected.length);
  await live.start();
  let printing = Promise.resolve();
  const report = await testLab(lab, { only: opts.only, version: VERSION, onResult: (r) => void (printing = printing.then(() => live.result(r))) });
  await printing;
  await finish(io, report, opts, live.tap);
  return suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed;
}

export async function runCommand(io: Io, file: string, opts: CheckCliOptions & { jobs?: string }): Promise<number> {
  const lab = await readLab(io, file, { strict: opts.strict });
  const [{ runLab }, { selectChecks }, { suiteOk }] = await Promise.all([import('../../checks/session.js'), import('../../checks/run.js'), import('../../report/suite.js')]);
  const selected = selectChecks(lab, opts.only);
  const live = liveReporter(io, opts, selected.length + 2);
  const progress = createProgress(io, progressMode(io, opts.quiet || live.tap), `run ${lab.name}`);
  const ac = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) return; // already stopping; teardown must finish
    signalled = sig;
    io.err(`\nnslab: ${sig}: stopping checks and tearing lab ${lab.name} down…\n`);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const selectedRan: string[] = [];
  let deployOk = false;
  try {
    await live.start();
    // Results print in the order they become known: deploy, checks, teardown.
    let printing = Promise.resolve();
    const report = await runLab(lab, {
      only: opts.only,
      signal: ac.signal,
      version: VERSION,
      lifecycle: { onProgress: (e) => progress.onProgress(e) },
      onResult: (r) => {
        progress.end();
        if (r.kind === 'teardown') {
          const ran = new Set(selectedRan);
          printing = printing.then(() => live.skip(selected.filter((c) => !ran.has(c.name)).map((c) => c.name), deployOk ? 'interrupted' : 'deploy failed'));
        }
        if (r.kind === 'deploy') deployOk = r.status === 'pass';
        else if (r.kind !== 'teardown') selectedRan.push(r.name);
        printing = printing.then(() => live.result(r));
      },
    });
    await printing;
    await finish(io, report, opts, live.tap);
    if (signalled) return signalled === 'SIGINT' ? 130 : 143;
    if (report.deploy?.status !== 'pass' || report.teardown?.status !== 'pass') return ExitCode.deployFailed;
    return suiteOk(report) ? ExitCode.ok : ExitCode.checkFailed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
