import { describe, expect, it } from 'vitest';
import { autoLimit, netemArgs, netemProblems, qdiscCommands, qdiscKinds, tbfArgs } from '../../src/topology/netem.js';

describe('netem: tc arguments', () => {
  it('orders delay, jitter, correlation and distribution as tc expects', () => {
    expect(netemArgs({ delay: '10ms', jitter: '1ms', correlation: '25%', distribution: 'normal', loss: '0.1%' })).toEqual([
      'delay', '10ms', '1ms', '25%', 'distribution', 'normal', 'loss', '0.1%', 'limit', '18164',
    ]);
  });
  it('writes reorder with its gap, rate and limit', () => {
    expect(netemArgs({ delay: '5ms', reorder: '25%', gap: 5, rate: '10mbit', limit: 5000 })).toEqual([
      'delay', '5ms', 'reorder', '25%', 'gap', '5', 'rate', '10mbit', 'limit', '5000',
    ]);
  });
});

describe('netem: what tc would reject', () => {
  const fields = (spec: Parameters<typeof netemProblems>[0]) => netemProblems(spec).map((p) => p.field);
  it('jitter, correlation and distribution need what comes before them', () => {
    expect(fields({ jitter: '1ms' })).toContain('jitter');
    expect(fields({ delay: '1ms', correlation: '10%' })).toContain('correlation');
    expect(fields({ delay: '1ms', distribution: 'normal' })).toContain('distribution');
  });
  it('reorder needs a delay and gap needs reorder', () => {
    expect(fields({ reorder: '10%' })).toContain('reorder');
    expect(fields({ delay: '1ms', gap: 3 })).toContain('gap');
  });
  it('a zero rate and an empty spec are refused', () => {
    expect(fields({ rate: '0mbit' })).toContain('rate');
    expect(fields({})).toEqual([null]);
  });
  it('accepts a complete, sensible spec', () => {
    expect(netemProblems({ delay: '100ms', jitter: '10ms', correlation: '25%', distribution: 'normal', loss: '1%', rate: '10mbit' })).toEqual([]);
  });
  it('says what is wrong and how to fix it, word for word', () => {
    const told = (spec: Parameters<typeof netemProblems>[0], mtu?: number) => netemProblems(spec, mtu).map((p) => `${p.field}: ${p.message}${p.hint ? ` | ${p.hint}` : ''}`);
    expect(told({})).toEqual(['null: netem is empty | add delay, loss, rate… or remove it']);
    expect(told({ jitter: '1ms', correlation: '5%' })).toEqual(['jitter: jitter needs a delay | add `delay: 10ms` (jitter varies the delay)']);
    expect(told({ delay: '1ms', correlation: '5%', distribution: 'pareto' })).toEqual([
      'correlation: correlation needs jitter | add `jitter:`; correlation relates successive delays',
      'distribution: distribution needs delay and jitter | tc refuses a distribution without jitter',
    ]);
    expect(told({ reorder: '5%', gap: 2 })).toEqual(['reorder: reorder needs a delay | netem reorders by sending some packets without the delay; add `delay:`']);
    expect(told({ delay: '1ms', gap: 2 })).toEqual(['gap: gap needs reorder | add `reorder: 25%`']);
    expect(told({ delay: '1ms', keep_order: true })).toEqual(['keep_order: keep_order only matters with jitter | without jitter netem never reorders; remove it']);
    expect(told({ delay: '1ms', jitter: '1ms', reorder: '5%', keep_order: true })).toEqual(['keep_order: keep_order contradicts reorder | remove one of them']);
    expect(told({ rate: '0kbit' })).toEqual(['rate: rate must be greater than zero | to cut a link, use `loss: 100%`']);
    expect(told({ shape: { rate: '0mbit' } })).toEqual(['shape: shape rate must be greater than zero | to cut a link, use `loss: 100%`']);
  });
  it('a delay or jitter tc cannot hold (its 32-bit microseconds) is refused; the largest one passes', () => {
    expect(netemProblems({ delay: '4294s' })).toEqual([]);
    expect(netemProblems({ delay: '4294967295us' })).toEqual([]);
    expect(netemProblems({ delay: '4294967296us' }).map((p) => p.field)).toEqual(['delay']);
    expect(netemProblems({ delay: '4295s' }).map((p) => `${p.field}: ${p.message}`)).toEqual(['delay: delay 4295s is larger than tc can represent (about 4294s)']);
    expect(netemProblems({ delay: '1ms', jitter: '4295s' }).map((p) => p.field)).toEqual(['jitter']);
  });
});

describe('netem: Gilbert-Elliott loss', () => {
  it('writes all four parameters, filling tc\'s defaults so the plan shows what the kernel gets', () => {
    expect(netemArgs({ loss: { gemodel: { p: '1%' } } })).toEqual(['loss', 'gemodel', '1%', '99%', '100%', '0%']);
    expect(netemArgs({ loss: { gemodel: { p: '0.5%', r: '30%', loss_bad: '50%', loss_good: '0.1%' } } })).toEqual([
      'loss', 'gemodel', '0.5%', '30%', '50%', '0.1%',
    ]);
  });
});

describe('netem: the queue limit holds delay × rate', () => {
  it('is left to netem when there is no delay', () => {
    expect(autoLimit({ loss: '1%' })).toBeUndefined();
    expect(netemArgs({ loss: '1%' })).not.toContain('limit');
  });
  it('never goes below netem\'s default of 1000 packets', () => {
    expect(autoLimit({ delay: '50ms', rate: '10mbit' })).toBe(1000);
  });
  it('doubles the bandwidth-delay product in full frames: 100ms at 1gbit needs 16,513 packets', () => {
    // 2 × 0.1 s × 1e9 bit/s ÷ (8 × 1514 B) = 16,512.5 → 16,513
    expect(autoLimit({ delay: '100ms', rate: '1gbit' })).toBe(16513);
  });
  it('counts jitter as delay, and uses the shaped rate when netem has none', () => {
    expect(autoLimit({ delay: '90ms', jitter: '10ms', shape: { rate: '1gbit' } })).toBe(16513);
  });
  it('assumes a 10 Gbit/s veth when nothing bounds the rate, and counts bigger frames', () => {
    expect(autoLimit({ delay: '10ms' }, 9000)).toBe(Math.ceil((2 * 0.01 * 10e9) / (8 * 9014)));
  });
  it('an explicit limit wins', () => {
    expect(netemArgs({ delay: '100ms', rate: '1gbit', limit: 50 })).toEqual(['delay', '100ms', 'rate', '1gbit', 'limit', '50']);
  });
});

describe('netem: keep_order', () => {
  it('adds a rate far above the link so netem schedules each packet after the previous one', () => {
    expect(netemArgs({ delay: '20ms', jitter: '10ms', keep_order: true })).toEqual([
      'delay', '20ms', '10ms', 'rate', '100gbit', 'limit', String(autoLimit({ delay: '20ms', jitter: '10ms' })),
    ]);
  });
  it('keeps the rate the file asked for', () => {
    expect(netemArgs({ delay: '20ms', jitter: '10ms', keep_order: true, rate: '10mbit' })).toContain('10mbit');
    expect(netemArgs({ delay: '20ms', jitter: '10ms', keep_order: true, rate: '10mbit' })).not.toContain('100gbit');
  });
  it('is refused without jitter, and next to reorder', () => {
    const fields = (spec: Parameters<typeof netemProblems>[0]) => netemProblems(spec).map((p) => p.field);
    expect(fields({ delay: '20ms', keep_order: true })).toEqual(['keep_order']);
    expect(fields({ delay: '20ms', jitter: '1ms', reorder: '5%', keep_order: true })).toEqual(['keep_order']);
  });
});

describe('netem: shaping with a token bucket', () => {
  it('defaults the burst to 10 ms at the rate, at least 1600 bytes, and latency to 50ms', () => {
    expect(tbfArgs({ rate: '100mbit' })).toEqual(['rate', '100mbit', 'burst', '125000', 'latency', '50ms']);
    expect(tbfArgs({ rate: '1mbit' })).toEqual(['rate', '1mbit', 'burst', '1600', 'latency', '50ms']);
    expect(tbfArgs({ rate: '1mbit' }, 9000)).toEqual(['rate', '1mbit', 'burst', '9014', 'latency', '50ms']);
  });
  it('refuses a burst smaller than one frame: such packets would never pass', () => {
    const probs = netemProblems({ shape: { rate: '10mbit', burst: 1500 } }, 1500);
    expect(probs.map((p) => p.field)).toEqual(['shape']);
    expect(probs[0]!.hint).toContain('1514');
  });
  it('goes under netem as its child, or alone at the root', () => {
    expect(qdiscCommands('eth0', { delay: '10ms', shape: { rate: '10mbit' } })).toEqual([
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'netem', 'delay', '10ms', 'limit', '1000'],
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'parent', '1:1', 'handle', '10:', 'tbf', 'rate', '10mbit', 'burst', '12500', 'latency', '50ms'],
    ]);
    expect(qdiscCommands('eth0', { shape: { rate: '10mbit' } })).toEqual([
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'tbf', 'rate', '10mbit', 'burst', '12500', 'latency', '50ms'],
    ]);
  });
});

describe('netem: the queue in front of the shaper (shape.queue)', () => {
  it('is a child of tbf\'s class, alone or under netem; a pfifo gets no limit, so it takes txqueuelen', () => {
    expect(qdiscCommands('eth1', { shape: { rate: '20mbit', queue: 'pfifo' } })).toEqual([
      ['tc', 'qdisc', 'add', 'dev', 'eth1', 'root', 'handle', '1:', 'tbf', 'rate', '20mbit', 'burst', '25000', 'latency', '50ms'],
      ['tc', 'qdisc', 'add', 'dev', 'eth1', 'parent', '1:1', 'handle', '2:', 'pfifo'],
    ]);
    expect(qdiscCommands('eth1', { delay: '5ms', shape: { rate: '20mbit', queue: 'fq_codel' } }).slice(1)).toEqual([
      ['tc', 'qdisc', 'add', 'dev', 'eth1', 'parent', '1:1', 'handle', '10:', 'tbf', 'rate', '20mbit', 'burst', '25000', 'latency', '50ms'],
      ['tc', 'qdisc', 'add', 'dev', 'eth1', 'parent', '10:1', 'handle', '20:', 'fq_codel'],
    ]);
  });
  it('needs the kernel\'s qdisc for the queue, except the fifos every kernel has', () => {
    expect(qdiscKinds({ shape: { rate: '20mbit', queue: 'pfifo' } })).toEqual(['tbf']);
    expect(qdiscKinds({ shape: { rate: '20mbit', queue: 'cake' } })).toEqual(['tbf', 'cake']);
    expect(qdiscKinds({ delay: '1ms', shape: { rate: '20mbit', queue: 'fq_codel' } })).toEqual(['netem', 'tbf', 'fq_codel']);
  });
  it('latency sizes tbf\'s own queue: with a queue of its own it is an error', () => {
    const probs = netemProblems({ shape: { rate: '20mbit', queue: 'pfifo', latency: '20ms' } });
    expect(probs).toEqual([{ field: 'shape', message: "shape latency sizes tbf's own queue, which `queue` replaces", hint: "remove `latency`: the interface's txqueuelen sizes a pfifo" }]);
    expect(netemProblems({ shape: { rate: '20mbit', queue: 'fq_codel', latency: '20ms' } })[0]!.hint).toBe('remove `latency`');
  });
});
