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

export type CheckStatus = 'pass' | 'fail' | 'error';

export interface CheckResult {
  name: string;
  kind: CheckKind | 'deploy' | 'teardown';
  /** pass, fail (the network did not do what was expected), error (could not measure) */
  status: CheckStatus;
  expect: 'pass' | 'fail';
  /** one line: measured vs expected */
  message: string;
  measurements: Measurement[];
  /** commands run, as shell lines a person could repeat */
  commands: string[];
  /** what the tools printed */
  output: string;
  startedAt: string;
  ms: number;
  loc?: SourceLoc;
  /** reach: each pair that failed, `from → to (address)` */
  failedPairs?: string[];
}

/**
 * The verdict from whether the network behaved ("conditions held") and what
 * the check expected. A negative check (`expect: fail`) passes when the
 * conditions do not hold; an error is never turned into a pass.
 */
export function verdict(conditionsHeld: boolean, expect: 'pass' | 'fail'): CheckStatus {
  return conditionsHeld === (expect === 'pass') ? 'pass' : 'fail';
}
