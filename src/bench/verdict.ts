/**
 * What a sweep says, per knob, in a sentence a person can act on: the value
 * that gives the best throughput while p99 latency under load stays within
 * a budget — and whether the difference to the next value is real. A
 * difference is called real only when the ranges of the repeats do not
 * overlap (the worst run of the winner beats the best run of the next) and
 * it is at least 1 %; otherwise the verdict says the spread is larger than
 * the effect, or that the two are the same within 1 %, rather than
 * crowning noise. Pure.
 */
import type { ComboResult, Stat } from './aggregate.js';
import type { BenchReport } from './run.js';

export interface KnobVerdict {
  knob: string;
  /** no verdict, and why (one run per combination, nothing within the budget, one value) */
  none?: string;
  best?: Candidate;
  next?: Candidate;
  /** the best value beats the next in every repeat, by at least 1 % */
  significant?: boolean;
  /** the two are within 1 % of each other */
  tiny?: boolean;
  /** values none of whose combinations kept p99 within the budget */
  overBudget: { value: string; p99Ms?: number }[];
}

export interface Candidate {
  value: string;
  throughput: Stat;
  p99Ms?: number;
  label: string;
}

/** p99 under load (median of the repeats), or the average RTT for results measured before percentiles. */
const p99Of = (r: ComboResult) => r.rttP99Ms?.median ?? r.rttMs?.median;

export function verdicts(report: BenchReport, opts: { latencyBudgetMs?: number } = {}): KnobVerdict[] {
  return report.dimensions.filter((d) => d.values.length > 1).map((d) => knobVerdict(report, d.name, d.values.map(String), opts.latencyBudgetMs));
}

function knobVerdict(report: BenchReport, knob: string, values: string[], budget: number | undefined): KnobVerdict {
  const overBudget: KnobVerdict['overBudget'] = [];
  if (report.repeat < 2) return { knob, none: 'one run per combination: no verdict (measure with --repeat 3 or more)', overBudget };
  const within = (r: ComboResult) => budget === undefined || (p99Of(r) ?? Infinity) <= budget;
  const candidates: Candidate[] = [];
  for (const value of values) {
    const measured = report.results.filter((r) => String(r.combo[knob as keyof typeof r.combo]) === value);
    if (measured.length === 0) continue;
    const ok = measured.filter(within);
    if (ok.length === 0) {
      const p99s = measured.map(p99Of).filter((v): v is number => v !== undefined);
      overBudget.push({ value, ...(p99s.length ? { p99Ms: Math.min(...p99s) } : {}) });
      continue;
    }
    const top = ok.reduce((a, b) => (b.throughput.median > a.throughput.median ? b : a));
    const p99 = p99Of(top);
    candidates.push({ value, throughput: top.throughput, label: top.label, ...(p99 !== undefined ? { p99Ms: p99 } : {}) });
  }
  if (candidates.length === 0) return { knob, none: budget === undefined ? 'nothing was measured' : `no value kept p99 under load within ${budget} ms`, overBudget };
  candidates.sort((a, b) => b.throughput.median - a.throughput.median);
  const [best, next] = candidates;
  if (!next) return { knob, best, overBudget };
  const tiny = (best!.throughput.median - next.throughput.median) / next.throughput.median < MEANINGFUL;
  return { knob, best, next, significant: !tiny && best!.throughput.min > next.throughput.max, ...(tiny ? { tiny } : {}), overBudget };
}

/**
 * Below this relative effect a difference is not worth acting on, however
 * tight the repeats: 19.12 against 19.11 Mbit/s through a 20 Mbit/s shaper
 * beat each other "in every repeat" and mean nothing.
 */
const MEANINGFUL = 0.01;

const mbit = (s: Stat) => `${(s.median / 1e6).toFixed(1)} Mbit/s (${(s.min / 1e6).toFixed(1)}–${(s.max / 1e6).toFixed(1)})`;
const ms = (v: number) => `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ms`;

/** One line per knob. */
export function formatVerdict(v: KnobVerdict, budgetMs?: number): string {
  if (v.none) return `${v.knob}: ${v.none}${overText(v, budgetMs)}`;
  const b = v.best!;
  const head = `${v.knob}: ${b.value} gives the best throughput${budgetMs !== undefined ? ` within p99 ${ms(budgetMs)}` : ''}, ${mbit(b.throughput)}${b.p99Ms !== undefined ? `, p99 ${ms(b.p99Ms)}` : ''}`;
  const next = v.next
    ? v.significant
      ? `; better than ${v.next.value} (${mbit(v.next.throughput)}) in every repeat`
      : v.tiny
        ? `; ${v.next.value} gives ${mbit(v.next.throughput)}: the same within 1 %`
        : `; ${v.next.value} gives ${mbit(v.next.throughput)}: no significant difference (the spread between repeats is larger than the effect)`
    : '';
  return head + next + overText(v, budgetMs);
}

function overText(v: KnobVerdict, budgetMs?: number): string {
  if (v.overBudget.length === 0 || budgetMs === undefined) return '';
  return `; over the ${ms(budgetMs)} budget: ${v.overBudget.map((o) => `${o.value}${o.p99Ms !== undefined ? ` (p99 ${ms(o.p99Ms)})` : ''}`).join(', ')}`;
}
