import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonPaths, inProcessWith, loadInProcess } from '../../src/netlink/native.js';
import type { Step } from '../../src/compile/plan.js';
import { ROOT } from '../helpers/fixtures.js';

const step = (line: string): Step => ({ id: line, ns: 'lab-a', argv: line.split(' ') as Step['argv'], deps: [], why: '' });

describe('the addon nslab ships is built from the source next to it', () => {
  const prebuild = join(ROOT, 'native/prebuilds/linux-x64/nslab_netns.node');
  it.skipIf(process.platform !== 'linux' || process.arch !== 'x64')('native/prebuilds/linux-x64 carries the hash of native/netns.c (rebuild: npm run build:native)', () => {
    const hash = createHash('sha256').update(readFileSync(join(ROOT, 'native/netns.c'))).digest('hex');
    expect(existsSync(prebuild)).toBe(true);
    expect((createRequire(import.meta.url)(prebuild) as { sourceHash: string }).sourceHash).toBe(hash);
  });
  it('a local build comes before the prebuild', () => {
    expect(addonPaths('/x')).toEqual(['/x/build/Release/nslab_netns.node', `/x/native/prebuilds/${process.platform}-${process.arch}/nslab_netns.node`]);
  });
  it('NSLAB_NATIVE=0 keeps every step on the ip path', () => {
    expect(loadInProcess({ NSLAB_NATIVE: '0' })).toBeUndefined();
  });
});

describe('a namespace\'s answers, step by step', () => {
  /** An addon that answers what it is told to: one entry per record it was given. */
  const fake = (answer: (records: number) => unknown) => inProcessWith({ sourceHash: 'x', configure: async (_p, ops) => answer(countRecords(ops)) as never }, 'test');
  function countRecords(ops: Buffer): number {
    let n = 0;
    for (let off = 0; off < ops.length; n++) off += 8 + ((ops.readUInt32LE(off + 4) + 3) & ~3);
    return n;
  }
  const steps = [step('ip link set dev eth0 addrgenmode none up'), step('ip addr add 10.0.0.1/24 dev eth0'), step('sysctl -w net.ipv4.ip_forward=1')];

  it('a step made of two requests is done when both are', async () => {
    expect(await fake((n) => Array(n).fill(0)).run('lab-a', steps, false)).toEqual([undefined, undefined, undefined]);
  });
  it('fails with its first failing request, and what follows is "not run"', async () => {
    const r = await fake(() => [0, [19, 'No such device', 'Cannot find device "eth0"'], null, null]).run('lab-a', steps, false);
    expect(r).toEqual(['Cannot find device "eth0"', null, null]);
  });
  it('a namespace that cannot be entered fails the first step, as nsenter would', async () => {
    const r = await fake(() => ({ errno: 2, text: 'No such file or directory', where: 'open' })).run('lab-a', steps, false);
    expect(r).toEqual(['nsenter: cannot open /run/netns/lab-a: No such file or directory', null, null]);
  });
  it('handles a group only when every step is encoded', () => {
    const p = fake(() => []);
    expect(p.handles(steps)).toBe(true);
    expect(p.handles([...steps, step('tc qdisc add dev eth0 root pfifo')])).toBe(false);
  });
});
