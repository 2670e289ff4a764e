/**
 * Progress for long work: a live line on a terminal, a line per 10 % in CI
 * logs (no TTY), nothing with --quiet. Fed by executor events; only the CLI
 * prints.
 */
import type { ProgressEvent } from '../exec/executor.js';
import type { Io } from './io.js';

export type ProgressMode = 'tty' | 'plain' | 'quiet';

export function progressMode(io: Io, quiet?: boolean): ProgressMode {
  return quiet ? 'quiet' : io.isTTY ? 'tty' : 'plain';
}

export interface Progress {
  onProgress(e: ProgressEvent & { phase: string }): void;
  /** clear the live line before the final output */
  end(): void;
}

export function createProgress(io: Io, mode: ProgressMode, what: string): Progress {
  const t0 = performance.now();
  let lastDraw = 0;
  let lastDecile = -1;
  let lastPhase = '';
  let processes = 0;
  let drawn = false;
  const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
  return {
    onProgress(e) {
      if (mode === 'quiet') return;
      if (e.phase !== lastPhase) {
        if (lastPhase !== '' || e.phase === 'rollback') {
          if (drawn) io.err('\r\x1b[K');
          io.err(`${what}: ${e.phase === 'rollback' ? 'failed; rolling back what was created…' : e.phase}\n`);
        }
        lastPhase = e.phase;
        lastDecile = -1;
      }
      if (e.type !== 'batch-done') return;
      processes++;
      const pct = Math.floor((100 * e.done) / Math.max(1, e.total));
      if (mode === 'tty') {
        const now = performance.now();
        if (now - lastDraw < 80 || now - t0 < 300) return;
        lastDraw = now;
        drawn = true;
        io.err(`\r\x1b[K${what} [${e.phase}]: ${e.done}/${e.total} steps (${pct}%) · ${processes} processes · ${secs()} s`);
      } else {
        // Quick work needs no log lines; long work gets one per 10 %.
        const decile = Math.floor(pct / 10);
        if (decile === lastDecile || performance.now() - t0 < 1000) return;
        lastDecile = decile;
        io.err(`${what} [${e.phase}]: ${pct}% (${e.done}/${e.total} steps, ${secs()} s)\n`);
      }
    },
    end() {
      if (drawn) io.err('\r\x1b[K');
      drawn = false;
    },
  };
}
