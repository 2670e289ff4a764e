/**
 * Impairments: what tc would reject, and the tc commands for a valid spec.
 * The schema already checked units; here are the rules between fields and
 * the pitfalls netem users fall into:
 *
 * - netem acts on egress only: a link's two ends are two qdiscs (build.ts
 *   puts one on each end for a link-wide `netem:`).
 * - netem holds every delayed packet in its queue; the default limit of
 *   1000 packets drops silently once delay × rate needs more. nslab sizes
 *   `limit` for the bandwidth-delay product unless the file sets one.
 * - jitter gives each packet its own delay, so packets overtake each other.
 *   `keep_order` sets a rate far above anything a veth carries here, which
 *   makes netem schedule each packet after the one before it.
 */
import { MANAGED_QUEUES, NetemSchema, type RawGilbertElliott, type RawNetem, type RawShape } from './schema.js';
import { parsePercent, parseRate, parseTime } from './units.js';

export interface NetemProblem {
  field: keyof RawNetem | null;
  message: string;
  hint?: string;
}

/** tc stores netem times as 32-bit microseconds in the classic interface. */
const MAX_TIME_US = 4_294_967_295;
/** netem's own default queue limit, in packets. */
export const NETEM_DEFAULT_LIMIT = 1000;
/** The rate assumed for sizing `limit` when neither `rate` nor `shape` bounds it: veth pairs here carry ~10-40 Gbit/s. */
export const ASSUMED_LINE_RATE = 10e9;
/** `keep_order` without a rate: fast enough to cost nothing, and makes netem keep packets in order. */
export const KEEP_ORDER_RATE = '100gbit';
/** Ethernet header the kernel counts on top of the MTU. */
const ETH_HEADER = 14;

export function netemProblems(spec: RawNetem, mtu = 1500): NetemProblem[] {
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
  if (spec.keep_order && !has('jitter')) {
    problems.push({ field: 'keep_order', message: 'keep_order only matters with jitter', hint: 'without jitter netem never reorders; remove it' });
  }
  if (spec.keep_order && has('reorder')) {
    problems.push({ field: 'keep_order', message: 'keep_order contradicts reorder', hint: 'remove one of them' });
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
  if (spec.shape) {
    if (parseRate(spec.shape.rate) === 0) {
      problems.push({ field: 'shape', message: 'shape rate must be greater than zero', hint: 'to cut a link, use `loss: 100%`' });
    }
    if (spec.shape.queue && spec.shape.latency) {
      problems.push({ field: 'shape', message: 'shape latency sizes tbf\'s own queue, which `queue` replaces', hint: spec.shape.queue === 'pfifo' ? 'remove `latency`: the interface\'s txqueuelen sizes a pfifo' : 'remove `latency`' });
    }
    if (spec.shape.burst !== undefined && spec.shape.burst < mtu + ETH_HEADER) {
      problems.push({
        field: 'shape',
        message: `shape burst ${spec.shape.burst} bytes is smaller than one full frame (${mtu + ETH_HEADER} bytes at MTU ${mtu}): such packets never pass`,
        hint: `use at least \`burst: ${mtu + ETH_HEADER}\`, or leave it out`,
      });
    }
  }
  return problems;
}

/**
 * A spec from outside a topology file (command-line flags, a library call):
 * the schema first, then the rules between fields — the same checks a
 * topology's `netem:` gets. Either the spec, or its first problem with the
 * path of the field at fault (empty when no single field is).
 */
export function validateNetem(raw: unknown, mtu?: number): { spec: RawNetem } | { path: (string | number)[]; message: string; hint?: string; fromSchema: boolean } {
  const parsed = NetemSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { path: issue.path as (string | number)[], message: issue.message, fromSchema: true };
  }
  const problem = netemProblems(parsed.data, mtu)[0];
  if (problem) return { path: problem.field ? [problem.field] : [], message: problem.message, ...(problem.hint ? { hint: problem.hint } : {}), fromSchema: false };
  return { spec: parsed.data };
}

/** Does the spec need a netem qdisc, or only the token bucket? */
export function hasNetemPart(spec: RawNetem): boolean {
  return Object.keys(spec).some((k) => k !== 'shape');
}

/**
 * The queue limit that holds a full pipe: delay × rate in packets, doubled
 * for headroom, never below netem's default. Undefined when there is no
 * delay (netem then queues nothing for long).
 */
export function autoLimit(spec: RawNetem, mtu = 1500): number | undefined {
  const delayUs = (spec.delay ? parseTime(spec.delay)! : 0) + (spec.jitter ? parseTime(spec.jitter)! : 0);
  if (delayUs === 0) return undefined;
  const rate = (spec.rate && parseRate(spec.rate)) || (spec.shape && parseRate(spec.shape.rate)) || ASSUMED_LINE_RATE;
  const packets = Math.ceil((2 * (delayUs / 1e6) * rate) / (8 * (mtu + ETH_HEADER)));
  return Math.max(NETEM_DEFAULT_LIMIT, packets);
}

/** The arguments after `tc qdisc add dev X root netem`. */
export function netemArgs(spec: RawNetem, mtu = 1500): string[] {
  const args: string[] = [];
  if (spec.delay) {
    args.push('delay', spec.delay);
    if (spec.jitter) {
      args.push(spec.jitter);
      if (spec.correlation) args.push(spec.correlation);
      if (spec.distribution) args.push('distribution', spec.distribution);
    }
  }
  if (typeof spec.loss === 'string') args.push('loss', spec.loss);
  else if (spec.loss) args.push('loss', 'gemodel', ...gemodelArgs(spec.loss.gemodel));
  if (spec.duplicate) args.push('duplicate', spec.duplicate);
  if (spec.corrupt) args.push('corrupt', spec.corrupt);
  if (spec.reorder) {
    args.push('reorder', spec.reorder);
    if (spec.gap !== undefined) args.push('gap', String(spec.gap));
  }
  if (spec.rate) args.push('rate', spec.rate);
  else if (spec.keep_order && spec.jitter) args.push('rate', KEEP_ORDER_RATE);
  const limit = spec.limit ?? autoLimit(spec, mtu);
  if (limit !== undefined) args.push('limit', String(limit));
  return args;
}

/** tc's positional `p r 1-h 1-k`, every one written out so the plan shows what the kernel gets. */
function gemodelArgs(ge: RawGilbertElliott): string[] {
  const p = parsePercent(ge.p)!;
  const r = ge.r ?? `${Number((100 - p).toFixed(6))}%`;
  return [ge.p, r, ge.loss_bad ?? '100%', ge.loss_good ?? '0%'];
}

/** tbf parameters: a burst of 10 ms at the rate (at least one full frame plus change), 50 ms latency. */
export function tbfArgs(shape: RawShape, mtu = 1500): string[] {
  const bytesPerSec = parseRate(shape.rate)! / 8;
  const burst = shape.burst ?? Math.max(1600, mtu + ETH_HEADER, Math.ceil(bytesPerSec / 100));
  return ['rate', shape.rate, 'burst', String(burst), 'latency', shape.latency ?? '50ms'];
}

/**
 * Every tc command that puts `spec` on `dev`, in order: netem at the root
 * (handle 1:) with the token bucket as its child, or the bucket alone.
 */
export function qdiscCommands(dev: string, spec: RawNetem, mtu = 1500): ['tc', ...string[]][] {
  const cmds: ['tc', ...string[]][] = [];
  const netem = hasNetemPart(spec);
  if (netem) cmds.push(['tc', 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'netem', ...netemArgs(spec, mtu)]);
  if (!spec.shape) return cmds;
  const tbf = netem ? '10:' : '1:';
  cmds.push(['tc', 'qdisc', 'add', 'dev', dev, ...(netem ? ['parent', '1:1'] : ['root']), 'handle', tbf, 'tbf', ...tbfArgs(spec.shape, mtu)]);
  // tbf's single class holds its queue: a child qdisc there replaces tbf's
  // own byte fifo. A pfifo created without `limit` takes the interface's
  // txqueuelen at that moment (so changing txqueuelen later needs a new one).
  if (spec.shape.queue) cmds.push(['tc', 'qdisc', 'add', 'dev', dev, 'parent', `${tbf}1`, 'handle', netem ? '20:' : '2:', spec.shape.queue]);
  return cmds;
}

export type QdiscFeature = 'netem' | 'tbf' | (typeof MANAGED_QUEUES)[number];
const isManaged = (q: string): q is (typeof MANAGED_QUEUES)[number] => (MANAGED_QUEUES as readonly string[]).includes(q);

/** Which qdisc kinds a spec needs from the kernel (for preflight and doctor). */
export function qdiscKinds(spec: RawNetem): QdiscFeature[] {
  const queue = spec.shape?.queue;
  return [
    ...(hasNetemPart(spec) ? (['netem'] as const) : []),
    ...(spec.shape ? (['tbf'] as const) : []),
    // The fifos are built into every kernel (sch_fifo, sch_generic): no probe needed.
    ...(queue && isManaged(queue) ? [queue] : []),
  ];
}
