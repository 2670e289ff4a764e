/**
 * What a check found, in a form every report (console, TAP, JUnit, JSON)
 * can render without knowing the check kinds.
 */
import type { SourceLoc } from '../diagnostics.js';
import type { CheckKind } from '../topology/schema.js';

export interface Measurement {
  /** e.g. `loss`, `rtt avg`, `throughput`, `path MTU` */
  name: string;
  value: string;
  /** the bound it was held to, e.g. `≤ 1%` */
  expected?: string;
  ok?: boolean;
}

/**
 * pass; fail (the network did not do what was expected); error (could not
 * measure, or interrupted while measuring); skip (never ran: the deploy
 * failed, the run was interrupted, a tool is missing — `skipReason` says).
 */
export type CheckStatus = 'pass' | 'fail' | 'error' | 'skip';

/**
 * Results that are not checks: the phases of a run. `topology`, `options`
 * and `preflight` stand for a run that stopped before building anything.
 */
export type PhaseKind = 'topology' | 'options' | 'preflight' | 'deploy' | 'teardown' | 'internal';

/** A service's health, reported after the checks of a run. */
export type ServiceKind = 'service';

/** A scenario as a whole, an action step of one (link, impair, service, exec, wait), a watch. */
export type ScenarioKind = 'scenario' | 'step' | 'watch';

export interface CheckResult {
  name: string;
  kind: CheckKind | PhaseKind | ServiceKind | ScenarioKind;
  status: CheckStatus;
  expect: 'pass' | 'fail';
  /** one line: measured vs expected, or what went wrong */
  message: string;
  measurements: Measurement[];
  /**
   * The same figures as numbers, for machines: the unit in the key
   * (`rtt_avg_ms`, `loss_pct`, `throughput_bps`, `path_mtu_bytes`).
   */
  metrics: Record<string, number>;
  /** commands run, as shell lines a person could repeat */
  commands: string[];
  /** what the tools printed on stdout */
  output: string;
  /** what the tools printed on stderr */
  stderr: string;
  startedAt: string;
  ms: number;
  loc?: SourceLoc;
  /** reach: each pair that failed, `from -> to (address)` */
  failedPairs?: string[];
  /** status skip: why it never ran */
  skipReason?: string;
  /** files the check kept (a capture), attached to JUnit when it fails */
  attachments?: string[];
}

/**
 * The verdict from whether the network behaved ("conditions held") and what
 * the check expected. A negative check (`expect: fail`) passes when the
 * conditions do not hold; an error is never turned into a pass.
 */
export function verdict(conditionsHeld: boolean, expect: 'pass' | 'fail'): CheckStatus {
  return conditionsHeld === (expect === 'pass') ? 'pass' : 'fail';
}

/** A result for a check (or phase) that never ran. */
export function skipped(c: { name: string; kind: CheckResult['kind']; expect?: 'pass' | 'fail'; loc?: SourceLoc }, reason: string, at = new Date()): CheckResult {
  return {
    name: c.name, kind: c.kind, status: 'skip', expect: c.expect ?? 'pass', message: `skipped: ${reason}`, skipReason: reason,
    measurements: [], metrics: {}, commands: [], output: '', stderr: '', startedAt: at.toISOString(), ms: 0, ...(c.loc ? { loc: c.loc } : {}),
  };
}

/** A phase of a run (deploy, teardown…) as a result, so CI sees infrastructure apart from the network. */
export function phaseResult(kind: PhaseKind, ok: boolean, message: string, startedAt: Date, ms: number, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    name: kind, kind, status: ok ? 'pass' : 'error', expect: 'pass', message, measurements: [], metrics: {}, commands: [], output: '', stderr: '',
    startedAt: startedAt.toISOString(), ms, ...extra,
  };
}
