/**
 * Where a lifecycle command's time goes, phase by phase, as nslab itself
 * sees it (`nslab up --timings`). Laps are sequential: their sum is the
 * command's own time, from reading the file to the state written.
 */
export type Timings = Array<{ phase: string; ms: number }>;

export interface Stopwatch {
  /** Close the phase that ran since the last lap. */
  lap(phase: string): void;
  readonly timings: Timings;
}

export function stopwatch(start = performance.now()): Stopwatch {
  let last = start;
  const timings: Timings = [];
  return {
    timings,
    lap(phase) {
      const now = performance.now();
      timings.push({ phase, ms: now - last });
      last = now;
    },
  };
}
