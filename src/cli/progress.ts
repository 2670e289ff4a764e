/**
 * Progress for long work: a line at once saying what is being built, then a
 * live line on a terminal (steps, processes, elapsed, ETA), or a line per
 * 10 % in CI logs (no TTY), nothing with --quiet. Fed by executor events;
 * only the CLI prints. Everything goes to stderr: stdout is for results.
 */
import type { ProgressEvent } from '../exec/executor.js';
import type { Io } from './io.js';

export type ProgressMode = 'tty' | 'plain' | 'quiet';

export function progressMode(io: Io, quiet?: boolean): ProgressMode {
  return quiet ? 'quiet' : io.isTTY ? 'tty' : 'plain';
}

export interface Progress {
  /** say what is about to happen, before the first step runs */
  begin(text: string): void;
  onProgress(e: ProgressEvent & { phase: string }): void;
  /** clear the live line before the final output */
  end(): void;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `12 s`, `1m05s`: a duration a person reads at a glance. */
export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** Time left from the rate so far; undefined until there is a rate to go by. */
export function eta(done: number, total: number, elapsedSec: number): number | undefined {
  if (done <= 0 || done >= total || elapsedSec < 0.2) return undefined;
  return (elapsedSec * (total - done)) / done;
}

export function createProgress(io: Io, mode: ProgressMode, what: string): Progress {
  const t0 = performance.now();
  let phaseStart = t0;
  let lastDraw = 0;
  let lastDecile = -1;
  let lastPhase = '';
  let processes = 0;
  let drawn = false;
  const elapsed = (from = t0) => (performance.now() - from) / 1000;
  const clear = () => {
    if (drawn) io.err('\r\x1b[K');
    drawn = false;
  };
  return {
    begin(text) {
      if (mode === 'quiet') return;
      clear();
      io.err(`${what}: ${text}\n`);
    },
    onProgress(e) {
      if (mode === 'quiet') return;
      if (e.phase !== lastPhase) {
        if (lastPhase !== '' || e.phase === 'rollback') {
          clear();
          io.err(`${what}: ${e.phase === 'rollback' ? 'failed; rolling back what was created…' : e.phase}\n`);
        }
        lastPhase = e.phase;
        lastDecile = -1;
        phaseStart = performance.now();
      }
      if (e.type !== 'batch-done') return;
      processes++;
      const pct = Math.floor((100 * e.done) / Math.max(1, e.total));
      const left = eta(e.done, e.total, elapsed(phaseStart));
      const etaText = left === undefined ? '' : `, about ${formatSeconds(left)} left`;
      if (mode === 'tty') {
        const now = performance.now();
        if (now - lastDraw < 80) return;
        lastDraw = now;
        drawn = true;
        io.err(`\r\x1b[K${what} [${e.phase}]: ${e.done}/${e.total} steps (${pct}%) · ${plural(processes, 'process', 'processes')} · ${formatSeconds(elapsed())}${etaText}`);
      } else {
        // Quick work needs no log lines; long work gets one per 10 %.
        const decile = Math.floor(pct / 10);
        if (decile === lastDecile || elapsed() < 1) return;
        lastDecile = decile;
        io.err(`${what} [${e.phase}]: ${pct}% (${e.done}/${e.total} steps, ${formatSeconds(elapsed())}${etaText})\n`);
      }
    },
    end: clear,
  };
}
