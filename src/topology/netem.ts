/**
 * netem: what tc would reject, and the tc arguments for a valid spec.
 * The schema already checked units; here are the rules between fields.
 */
import type { RawNetem } from './schema.js';
import { parseRate, parseTime } from './units.js';

export interface NetemProblem {
  field: keyof RawNetem | null;
  message: string;
  hint?: string;
}

/** tc stores netem times as 32-bit microseconds in the classic interface. */
const MAX_TIME_US = 4_294_967_295;

export function netemProblems(spec: RawNetem): NetemProblem[] {
  const problems: NetemProblem[] = [];
  const has = (k: keyof RawNetem) => spec[k] !== undefined;
  if (Object.keys(spec).length === 0) {
    problems.push({ field: null, message: 'netem is empty', hint: 'add delay, loss, rate… or remove it' });
  }
  if (has('jitter') && !has('delay')) {
    problems.push({ field: 'jitter', message: 'jitter needs a delay', hint: 'add `delay: 10ms` (jitter varies the delay)' });
  }
  if (has('correlation') && !has('jitter')) {
    problems.push({ field: 'correlation', message: 'correlation needs jitter', hint: 'add `jitter:`; correlation relates successive delays' });
  }
  if (has('distribution') && !has('jitter')) {
    problems.push({ field: 'distribution', message: 'distribution needs delay and jitter', hint: 'tc refuses a distribution without jitter' });
  }
  if (has('reorder') && !has('delay')) {
    problems.push({ field: 'reorder', message: 'reorder needs a delay', hint: 'netem reorders by sending some packets without the delay; add `delay:`' });
  }
  if (has('gap') && !has('reorder')) {
    problems.push({ field: 'gap', message: 'gap needs reorder', hint: 'add `reorder: 25%`' });
  }
  for (const k of ['delay', 'jitter'] as const) {
    const t = spec[k] === undefined ? undefined : parseTime(spec[k]);
    if (t !== undefined && t > MAX_TIME_US) {
      problems.push({ field: k, message: `${k} ${spec[k]} is larger than tc can represent (about 4294s)` });
    }
  }
  if (spec.rate !== undefined && parseRate(spec.rate) === 0) {
    problems.push({ field: 'rate', message: 'rate must be greater than zero', hint: 'to cut a link, use `loss: 100%`' });
  }
  return problems;
}

/** The arguments after `tc qdisc add dev X root netem`. */
export function netemArgs(spec: RawNetem): string[] {
  const args: string[] = [];
  if (spec.delay) {
    args.push('delay', spec.delay);
    if (spec.jitter) {
      args.push(spec.jitter);
      if (spec.correlation) args.push(spec.correlation);
      if (spec.distribution) args.push('distribution', spec.distribution);
    }
  }
  if (spec.loss) args.push('loss', spec.loss);
  if (spec.duplicate) args.push('duplicate', spec.duplicate);
  if (spec.corrupt) args.push('corrupt', spec.corrupt);
  if (spec.reorder) {
    args.push('reorder', spec.reorder);
    if (spec.gap !== undefined) args.push('gap', String(spec.gap));
  }
  if (spec.rate) args.push('rate', spec.rate);
  if (spec.limit !== undefined) args.push('limit', String(spec.limit));
  return args;
}
