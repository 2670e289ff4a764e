/**
 * Reading impairments back from the kernel (`tc -j qdisc show`), on output
 * captured from Debian's stock kernel under QEMU, and comparing them to what
 * a spec asked for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeImpairment, impairmentsOf, mismatches, parseQdiscs } from '../../src/impair/readback.js';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/outputs', name), 'utf8');

describe('readback: netem and its tbf child in plain units', () => {
  const [imp] = impairmentsOf(parseQdiscs(fixture('tc-netem-tbf.json')));
  it('turns seconds into ms, fractions into percent and bytes/s into bit/s', () => {
    expect(imp).toEqual({
      dev: 'e0',
      netem: { limit: 2000, delayMs: 10, jitterMs: 2, correlationPct: 25, lossPct: 1, duplicatePct: 2, corruptPct: 0.5, reorderPct: 10, gap: 3, rateBps: 10e6 },
      tbf: { rateBps: 5e6, burstBytes: 32767, latencyMs: 50 },
    });
  });
  it('reads as one line', () => {
    expect(describeImpairment(imp!)).toBe(
      'delay 10ms ±2ms (25% correlated), loss 1%, duplicate 2%, corrupt 0.5%, reorder 10% gap 3, rate 10 Mbit/s, limit 2000; shaped to 5 Mbit/s (burst 32767 B)',
    );
  });
});

describe('readback: Gilbert-Elliott loss', () => {
  it('keeps the four parameters', () => {
    const [imp] = impairmentsOf(parseQdiscs(fixture('tc-gemodel.json')));
    expect(imp!.netem!.gemodel).toEqual({ p: 1, r: 30, lossBad: 100, lossGood: 0 });
  });
});

describe('readback: interfaces without impairment', () => {
  it('are left out', () => {
    expect(impairmentsOf(parseQdiscs(fixture('tc-noqueue.json')))).toEqual([]);
    expect(impairmentsOf(parseQdiscs(''))).toEqual([]);
  });
});

describe('readback: does the kernel hold what the spec asked for', () => {
  const [imp] = impairmentsOf(parseQdiscs(fixture('tc-netem-tbf.json')));
  const spec = {
    delay: '10ms', jitter: '2ms', correlation: '25%', loss: '1%', duplicate: '2%', corrupt: '0.5%', reorder: '10%', gap: 3, rate: '10mbit', limit: 2000,
    shape: { rate: '5mbit' },
  };
  it('agrees with the spec that made it', () => {
    expect(mismatches(imp, spec)).toEqual([]);
  });
  it('names each field that differs', () => {
    expect(mismatches(imp, { ...spec, delay: '20ms', shape: { rate: '6mbit' } })).toEqual([
      'netem delayMs: kernel has 10, expected 20',
      'tbf rate: kernel has 5 Mbit/s, expected 6 Mbit/s',
    ]);
  });
  it('a cleared interface must hold nothing', () => {
    expect(mismatches(undefined, undefined)).toEqual([]);
    expect(mismatches(imp, undefined)[0]).toMatch(/^a netem qdisc remains: delay 10ms/);
  });
  it('an interface that should be impaired but is not', () => {
    expect(mismatches(undefined, { loss: '5%' })).toEqual(['no netem qdisc']);
  });
});

describe('readback: the queue in front of a shaper (shape.queue)', () => {
  const imp = () => impairmentsOf(parseQdiscs(fixture('tc-tbf-pfifo.json')))[0]!;
  it('the child qdisc in tbf\'s class is the queue, with its limit', () => {
    expect(imp()).toEqual({ dev: 'eth1', tbf: { rateBps: 20e6, burstBytes: 25000, latencyMs: 50, queue: { kind: 'pfifo', limit: 77 } } });
    expect(describeImpairment(imp())).toBe('shaped to 20 Mbit/s (burst 25000 B), queue pfifo limit 77');
  });
  it('matches a spec with that queue, and a pfifo sized by the interface\'s txqueuelen', () => {
    expect(mismatches(imp(), { shape: { rate: '20mbit', queue: 'pfifo' } }, 1500, 77)).toEqual([]);
  });
  it('a stale pfifo (txqueuelen changed after it was made) is reported', () => {
    expect(mismatches(imp(), { shape: { rate: '20mbit', queue: 'pfifo' } }, 1500, 1000)).toEqual(['pfifo limit 77 in front of the shaper, but txqueuelen is 1000 (the queue was made before txqueuelen changed)']);
  });
  it('another queue, or tbf\'s own, is a mismatch either way', () => {
    expect(mismatches(imp(), { shape: { rate: '20mbit', queue: 'fq_codel' } })).toEqual(['queue in front of the shaper: kernel has pfifo, expected fq_codel']);
    expect(mismatches(imp(), { shape: { rate: '20mbit' } })).toEqual(["queue in front of the shaper: kernel has pfifo, expected tbf's own"]);
  });
});
