import { ExitCode, formatDiagnostic, NslabError } from '../diagnostics.js';
import { commandLine } from '../render/plan-sh.js';
import type { StepFailure } from './executor.js';

/** `up` failed; everything it created was rolled back (or the rollback's own failures are listed). */
export class DeployError extends NslabError {
  readonly exitCode = ExitCode.deployFailed;
  constructor(
    readonly lab: string,
    readonly failure: StepFailure | undefined,
    readonly reason: string,
    readonly rollbackFailures: StepFailure[],
  ) {
    super(failure ? `deploy of lab ${lab} failed at step ${failure.step.id} (${failure.step.why})` : `deploy of lab ${lab} ${reason}`);
    this.name = 'DeployError';
  }

  /** The failing command, what the kernel said, the YAML line, and what was undone. */
  format(sourceText?: string): string {
    const out = [`nslab: ${this.message}`];
    if (this.failure) {
      const { step, message } = this.failure;
      out.push(`  command: ${commandLine(step)}`);
      out.push(`  error:   ${message.split('\n').join('\n           ') || '(no message)'}`);
      if (step.source) {
        out.push('  from the topology:');
        out.push(formatDiagnostic({ loc: step.source, message: step.why }, sourceText).replace(/^/gm, '    '));
      }
    }
    if (this.rollbackFailures.length === 0) out.push(`rolled back: nothing of lab ${this.lab} remains.`);
    else {
      out.push(`rollback left ${this.rollbackFailures.length} problem(s); run \`nslab down ${this.lab}\` to retry:`);
      for (const f of this.rollbackFailures) out.push(`  ${commandLine(f.step)}: ${f.message}`);
    }
    return out.join('\n');
  }
}

/** The lab (or something with its names) is already there. */
export class LabConflictError extends NslabError {
  constructor(
    message: string,
    hint: string,
    /** 3 by default; 2 when the conflict is the user's input (the lab is up from another file) */
    readonly exitCode: ExitCode = ExitCode.deployFailed,
  ) {
    super(message);
    this.name = 'LabConflictError';
    this.hint = hint;
  }
}

/** `down` could not remove everything. */
export class TeardownError extends NslabError {
  readonly exitCode = ExitCode.deployFailed;
  constructor(lab: string, readonly failures: StepFailure[]) {
    super(`teardown of lab ${lab} left ${failures.length} object(s): ${failures.map((f) => `${commandLine(f.step)}: ${f.message}`).join('; ')}`);
    this.name = 'TeardownError';
    this.hint = `run \`nslab down ${lab}\` again; if it persists, remove the objects by hand`;
  }
}
