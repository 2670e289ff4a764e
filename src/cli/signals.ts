import type { Io } from './io.js';

/**
 * SIGINT/SIGTERM abort the work once, saying what happens now (`doing`); a
 * second signal is ignored while the teardown or rollback runs. The exit
 * code is the shell's for the signal: 130 or 143.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** `interrupted by SIGTERM`, for the results it skips */
  reason(): string;
  /** 130 or 143 once signalled */
  exitCode(): number | undefined;
  dispose(): void;
}

export function onSignals(io: Io, doing: string): Interrupt {
  const ac = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (signalled) return;
    signalled = sig;
    io.err(`\nnslab: ${sig}: ${doing}…\n`);
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
