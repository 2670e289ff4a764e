import { describe, expect, it } from 'vitest';
import { awaitQuietPath, queuedPackets } from '../../src/checks/quiet-path.js';
import type { PathInterface } from '../../src/compile/path.js';
import { RecordingRunner } from '../../src/exec/runner.js';

/** `tc -s -j qdisc show` in a router: a token bucket with a queue under it on eth1, noqueue on eth0. */
const tcShow = (queued: number) =>
  JSON.stringify([
    { kind: 'noqueue', handle: '0:', dev: 'eth0', root: true, backlog: 0, qlen: 0 },
    { kind: 'tbf', handle: '1:', dev: 'eth1', root: true, backlog: queued * 1490, qlen: queued },
    { kind: 'cake', handle: '2:', dev: 'eth1', parent: '1:1', backlog: queued * 1490, qlen: queued },
  ]);

const PATH: PathInterface[] = [
  { node: 'a', ns: 'lab-a', ifname: 'eth0' },
  { node: 'r', ns: 'lab-r', ifname: 'eth0' },
  { node: 'r', ns: 'lab-r', ifname: 'eth1' },
  { node: 'b', ns: 'lab-b', ifname: 'eth0' },
];

describe('queuedPackets: what each interface still holds, from tc -s -j', () => {
  it('an interface\'s queue is its largest qdisc figure (a parent counts its children), empty ones are left out', () => {
    expect(queuedPackets(tcShow(42))).toEqual(new Map([['eth1', 42]]));
    expect(queuedPackets(tcShow(0))).toEqual(new Map());
  });

  it('output that is not tc\'s JSON reads as nothing queued', () => {
    expect(queuedPackets('')).toEqual(new Map());
    expect(queuedPackets('{"dev":"eth0","qlen":3}')).toEqual(new Map());
    expect(queuedPackets('[{"dev":"eth0","qlen":"3"}]')).toEqual(new Map());
  });
});

describe('awaitQuietPath: a measurement starts when the path holds nothing', () => {
  it('reads each namespace of the path once per poll, and returns when the queues are empty', async () => {
    let left = 3;
    const runner = new RecordingRunner((req) => ({ stdout: req.argv.includes('--net=/run/netns/lab-r') ? tcShow(left > 0 ? left-- * 100 : 0) : tcShow(0) }));
    const r = await awaitQuietPath(runner, PATH, { pollMs: 1 });
    expect(r.queued).toEqual([]);
    expect(left).toBe(0);
    // Four polls of three namespaces each: r held packets three times.
    expect(runner.calls).toHaveLength(12);
    expect(runner.calls[0]!.argv).toEqual(['nsenter', '--net=/run/netns/lab-a', 'tc', '-s', '-j', 'qdisc', 'show']);
  });

  it('gives up at the timeout and says what is still queued, where', async () => {
    const runner = new RecordingRunner(() => ({ stdout: tcShow(7) }));
    const r = await awaitQuietPath(runner, PATH, { pollMs: 5, timeoutMs: 30 });
    expect(r.waitedMs).toBeGreaterThanOrEqual(30);
    expect(r.queued).toEqual([{ node: 'r', ifname: 'eth1', packets: 7 }]);
  });

  it('a namespace that cannot be read (a node on another host) counts as empty', async () => {
    const runner = new RecordingRunner(() => ({ exitCode: 1, stderr: 'nsenter: cannot open /run/netns/lab-r' }));
    expect((await awaitQuietPath(runner, PATH, { pollMs: 1 })).queued).toEqual([]);
    expect(runner.calls).toHaveLength(3);
  });
});
