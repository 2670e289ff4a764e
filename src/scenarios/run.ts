/**
 * Running a scenario: its steps in order, each a result with its time on
 * the scenario's clock (the timeline), watches measuring in the background
 * until the end, then the lab put back as its file describes it — links up,
 * impairments back, services running — whatever happened, so scenarios are
 * independent and `status --verify` passes after them.
 *
 * A check step that fails does not stop the scenario (what follows is still
 * worth knowing: did traffic come back?); an action that fails (a link that
 * does not go down, a command that exits non-zero) stops it, and the steps
 * after it are skipped — the lab would not be in the state they assume.
 */
import { checkContext } from '../checks/run.js';
import { phaseResult, skipped, type CheckResult, type Measurement } from '../checks/result.js';
import { summarise } from '../checks/evaluate.js';
import { STATE_DIR } from '../exec/state.js';
import type { Runner } from '../exec/runner.js';
import { setImpairment } from '../impair/apply.js';
import { setLink } from '../live/link.js';
import { controlService } from '../services/control.js';
import { commandArgv, commandText } from '../topology/command.js';
import type { Lab, Scenario, ScenarioStep } from '../topology/model.js';
import { startWatch, type RunningWatch } from './watch.js';

export interface TimelineEvent {
  /** ms since the scenario started */
  at_ms: number;
  step: string;
  event: 'start' | 'end' | 'restore';
  status?: CheckResult['status'];
}

export interface ScenarioResult extends CheckResult {
  kind: 'scenario';
  steps: CheckResult[];
  timeline: TimelineEvent[];
}

export interface ScenarioOptions {
  runner: Runner;
  signal?: AbortSignal;
  stateDir?: string;
  artifactsDir?: string;
  onStep?: (r: CheckResult) => void;
}

/** What a scenario changed, to put back at its end. */
interface Undo {
  links: Set<string>;
  impaired: Set<string>;
  services: Set<string>;
}

export async function runScenario(lab: Lab, scenario: Scenario, opts: ScenarioOptions): Promise<ScenarioResult> {
  const started = new Date();
  const t0 = performance.now();
  const at = () => Math.round(performance.now() - t0);
  const timeline: TimelineEvent[] = [];
  // Results in the order the steps are written (a watch is measured at the end, but belongs where it was started).
  const byIndex: CheckResult[] = [];
  const watches: { step: Extract<ScenarioStep, { kind: 'watch' }>; running: RunningWatch; at: number }[] = [];
  const undo: Undo = { links: new Set(), impaired: new Set(), services: new Set() };
  const ctx = checkContext(lab, opts.runner, { signal: opts.signal, artifactsDir: opts.artifactsDir });
  let stopped: string | undefined;

  for (const step of scenario.steps) {
    if (opts.signal?.aborted) stopped ??= 'interrupted';
    if (stopped) {
      byIndex[step.index] = emit(opts, skipped({ name: step.label, kind: 'step', loc: step.loc }, stopped));
      continue;
    }
    timeline.push({ at_ms: at(), step: step.label, event: 'start' });
    const s = new Date();
    const ts = performance.now();
    let r: CheckResult;
    try {
      if (step.kind === 'watch') {
        watches.push({ step, running: await startWatch(lab.nodes.find((n) => n.name === step.from)!.ns, step.target, step.intervalMs), at: at() });
        continue; // its result comes at the end
      }
      r = await runStep(lab, step, ctx, opts, undo, s, ts);
    } catch (e) {
      r = phaseResult('deploy', false, (e as Error).message, s, performance.now() - ts, { name: step.label, kind: 'step', loc: step.loc });
    }
    timeline.push({ at_ms: at(), step: step.label, event: 'end', status: r.status });
    byIndex[step.index] = emit(opts, r);
    if (r.status === 'error' || (step.kind !== 'check' && r.status !== 'pass')) stopped = `an earlier step did not succeed: ${step.label}`;
  }
  for (const w of watches) byIndex[w.step.index] = emit(opts, await finishWatch(w, at()));
  timeline.push({ at_ms: at(), step: 'restore', event: 'restore' });
  const steps = [...byIndex.filter(Boolean), emit(opts, await putBack(lab, undo, opts))];
  const failed = steps.filter((x) => x.status === 'fail' || x.status === 'error');
  const interrupted = stopped === 'interrupted';
  const outages = steps.filter((x) => x.kind === 'watch').map((w) => `${w.name}: longest outage ${w.metrics.outage_ms} ms`);
  return {
    name: scenario.name, kind: 'scenario', expect: 'pass', loc: scenario.loc, startedAt: started.toISOString(), ms: performance.now() - t0,
    status: interrupted ? 'error' : failed.length ? 'fail' : 'pass',
    message: `${interrupted ? 'interrupted' : failed.length ? `${failed.length} of ${steps.length} steps failed: ${failed.map((f) => f.name).join(', ')}` : `${steps.length} steps passed`}${outages.length ? `; ${outages.join('; ')}` : ''}`,
    measurements: steps.flatMap((x) => x.measurements.filter((m) => m.name === 'longest outage')),
    metrics: Object.fromEntries(steps.flatMap((x) => Object.entries(x.metrics).filter(([k]) => k.endsWith('outage_ms')).map(([k, v]) => [`${x.name}: ${k}`, v]))),
    commands: [], output: '', stderr: '', steps, timeline,
  };
}

function emit(opts: ScenarioOptions, r: CheckResult): CheckResult {
  opts.onStep?.(r);
  return r;
}

async function runStep(lab: Lab, step: Exclude<ScenarioStep, { kind: 'watch' }>, ctx: ReturnType<typeof checkContext>, opts: ScenarioOptions, undo: Undo, s: Date, ts: number): Promise<CheckResult> {
  const done = (ok: boolean, message: string, commands: string[] = [], extra: Partial<CheckResult> = {}) =>
    phaseResult('deploy', ok, message, s, performance.now() - ts, { name: step.label, kind: 'step', loc: step.loc, commands, ...extra });
  switch (step.kind) {
    case 'check': {
      const r = await ctx.runCheck(step.check);
      return { ...(r as CheckResult), name: step.label, loc: step.loc, startedAt: s.toISOString(), ms: performance.now() - ts, kind: step.check.kind };
    }
    case 'link': {
      const text = `${step.target.node}:${step.target.ifname}`;
      const r = await setLink(lab, text, step.action, opts.runner);
      if (step.action === 'down') undo.links.add(text);
      else undo.links.delete(text);
      return done(true, `${text} is ${step.action} (the kernel says ${r.state})`, r.commands);
    }
    case 'impair': {
      const commands: string[] = [];
      for (const i of step.impair) {
        commands.push(...(await setImpairment(opts.runner, i, i.clear ? undefined : i.spec)));
        undo.impaired.add(`${i.node}:${i.ifname}`);
      }
      return done(true, `impaired ${step.impair.map((i) => `${i.node}:${i.ifname}`).join(', ')} (read back)`, commands);
    }
    case 'service': {
      const rec = await controlService(lab, step.id, step.action, opts.stateDir ?? STATE_DIR, opts.runner, opts.signal);
      undo.services.add(step.id);
      return done(true, step.action === 'stop' ? `${step.id} stopped` : `${step.id} ${step.action === 'start' ? 'started' : 'restarted'} and ready (pid ${rec.pid})`, [rec.command]);
    }
    case 'exec': {
      const { env, cwd } = ctx.nodeContext(step.node);
      const ns = ctx.ns(step.node);
      const r = await opts.runner.run({ argv: ['ip', 'netns', 'exec', ns, ...commandArgv(step.cmd)], env, cwd, timeoutMs: step.timeoutMs, signal: opts.signal, untilExit: true });
      const ok = !r.failedToRun && r.exitCode === step.exit;
      return done(ok, ok ? `exit ${r.exitCode}` : r.failedToRun ?? `exit ${r.exitCode} (expected ${step.exit})`, [`ip netns exec ${ns} ${commandText(step.cmd)}`], { output: r.stdout, stderr: r.stderr, ...(ok ? {} : { status: 'fail' as const }) });
    }
    case 'wait': {
      await sleep(step.ms, opts.signal);
      return done(true, `waited ${step.ms / 1000} s`);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

async function finishWatch(w: { step: Extract<ScenarioStep, { kind: 'watch' }>; running: RunningWatch; at: number }, now: number): Promise<CheckResult> {
  const { stats, stdout, stderr } = await w.running.stop();
  const m: Measurement[] = [
    { name: 'longest outage', value: `${stats.outageMs} ms${stats.outageFromMs !== undefined ? ` (from ${((w.at + stats.outageFromMs) / 1000).toFixed(2)} s to ${((w.at + (stats.outageToMs ?? 0)) / 1000).toFixed(2)} s)` : ''}`, ...(w.step.maxOutageMs !== undefined ? { expected: `≤ ${w.step.maxOutageMs} ms`, ok: stats.outageMs <= w.step.maxOutageMs } : {}) },
    { name: 'loss', value: `${stats.lossPct}% (${stats.sent - stats.received} of ${stats.sent} probes every ${w.step.intervalMs} ms)`, ...(w.step.maxLossPct !== undefined ? { expected: `≤ ${w.step.maxLossPct}%`, ok: stats.lossPct <= w.step.maxLossPct } : {}) },
  ];
  const ok = m.every((x) => x.ok !== false);
  return {
    name: w.step.name, kind: 'watch', status: ok ? 'pass' : 'fail', expect: 'pass', message: summarise(m), measurements: m,
    metrics: { outage_ms: stats.outageMs, loss_pct: stats.lossPct, sent: stats.sent, received: stats.received, interval_ms: w.step.intervalMs },
    commands: [w.running.command], output: stdout.split('\n').filter((l) => !/bytes from/.test(l)).join('\n'), stderr,
    startedAt: new Date(Date.now() - (now - w.at)).toISOString(), ms: now - w.at, loc: w.step.loc,
  };
}

/** Links up, impairments as the topology has them, services running: the lab as its file describes it. */
async function putBack(lab: Lab, undo: Undo, opts: ScenarioOptions): Promise<CheckResult> {
  const s = new Date();
  const ts = performance.now();
  const commands: string[] = [];
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<string[]>) => {
    try {
      commands.push(...(await fn()));
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  for (const text of undo.links) await attempt(`link up ${text}`, async () => (await setLink(lab, text, 'up', opts.runner)).commands);
  for (const text of undo.impaired) {
    const end = lab.links.flatMap((l) => l.ends).find((e) => `${e.node}:${e.ifname}` === text)!;
    const ns = lab.nodes.find((n) => n.name === end.node)!.ns;
    await attempt(`impairment of ${text}`, () => setImpairment(opts.runner, { node: end.node, ns, ifname: end.ifname, ...(end.mtu !== undefined ? { mtu: end.mtu } : {}) }, end.netem?.spec));
  }
  for (const id of undo.services) await attempt(`service ${id}`, async () => [(await controlService(lab, id, 'start', opts.stateDir ?? STATE_DIR, opts.runner)).command]);
  const touched = undo.links.size + undo.impaired.size + undo.services.size;
  return phaseResult('deploy', problems.length === 0, problems.length ? `could not put the lab back: ${problems.join('; ')}` : touched ? `the lab is as its file describes it again (${touched} thing${touched === 1 ? '' : 's'} put back)` : 'nothing to put back', s, performance.now() - ts, { name: 'restore', kind: 'step', commands });
}
