/**
 * The answers of the in-process path read back (src/netlink/decode.ts), and
 * the query that asks for them — the loopback's alias, which tells `down`
 * and `status` whose namespace it is when no state file says so.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpedLinks, linkAlias } from '../../src/netlink/decode.js';
import { encodeOps, linksQuery, loopbackQuery } from '../../src/netlink/encode.js';
import { FIXTURES, read } from '../helpers/fixtures.js';

/** Real answers of the kernel (test/fixtures/netlink/getlink-lo.txt): [alias or undefined, bytes]. */
const answers = read(join(FIXTURES, 'netlink/getlink-lo.txt'))
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t') as [string, string])
  .map(([alias, hex]) => [alias === '-' ? undefined : alias, Buffer.from(hex, 'hex')] as const);

/** An RTM_NEWLINK message with these attributes ([type, bytes]), as the kernel lays it out. */
function newlink(attrs: [number, Buffer][], type = 16): Buffer {
  const body = Buffer.concat(attrs.map(([t, d]) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + d.length, 0);
    head.writeUInt16LE(t, 2);
    return Buffer.concat([head, d, Buffer.alloc(((d.length + 3) & ~3) - d.length)]);
  }));
  const msg = Buffer.concat([Buffer.alloc(32), body]);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(type, 4);
  return msg;
}

describe('rule: the loopback\'s alias is read from the kernel\'s answer', () => {
  it('both kinds of captured answer are in the fixture', () => {
    expect(answers.map(([a]) => a)).toEqual(['nslab:demo', undefined]);
  });
  for (const [alias, bytes] of answers) {
    it(`a real answer: ${alias ?? 'no alias'}`, () => {
      expect(linkAlias(bytes)).toBe(alias);
    });
  }
  it('the alias after other attributes, whatever their padding', () => {
    expect(linkAlias(newlink([[3, Buffer.from('lo\0')], [4, Buffer.from([0, 0, 1, 0])], [20, Buffer.from('nslab:a-b\0')]]))).toBe('nslab:a-b');
  });
  it('an empty alias is none', () => {
    expect(linkAlias(newlink([[3, Buffer.from('lo\0')], [20, Buffer.from('\0')]]))).toBeUndefined();
  });
  it('not an RTM_NEWLINK, cut short, or an attribute running past the end: no alias, no throw', () => {
    const good = newlink([[3, Buffer.from('lo\0')], [20, Buffer.from('nslab:x\0')]]);
    expect(linkAlias(good)).toBe('nslab:x'); // what each spoiled copy below is measured against
    expect(linkAlias(newlink([[3, Buffer.from('lo\0')], [20, Buffer.from('nslab:x\0')]], 20))).toBeUndefined();
    expect(linkAlias(good.subarray(0, 20))).toBeUndefined();
    const broken = Buffer.from(good);
    broken.writeUInt16LE(200, 40); // the alias attribute claims more than there is
    expect(linkAlias(broken)).toBeUndefined();
    const zero = Buffer.from(good);
    zero.writeUInt16LE(0, 40); // a zero length must not loop forever
    expect(linkAlias(zero)).toBeUndefined();
  });
});

describe('rule: a dump of the links reads as ip reads it', () => {
  const [ipJson, hex] = read(join(FIXTURES, 'netlink/getlink-dump.txt')).split('\n').filter((l) => l && !l.startsWith('#')) as [string, string];
  it('names, flags (NO-CARRIER, M-DOWN, PROMISC …), MTU, qdisc, alias: what `ip -j link show` printed at the same moment', () => {
    const ip = JSON.parse(ipJson) as unknown[];
    expect(ip.length).toBeGreaterThanOrEqual(7);
    expect(dumpedLinks(Buffer.from(hex, 'hex'))).toEqual(ip);
  });
  it('a dump cut anywhere yields the whole links before the cut, never a throw', () => {
    const whole = Buffer.from(hex, 'hex');
    for (let cut = 0; cut < whole.length; cut += 97) {
      const links = dumpedLinks(whole.subarray(0, cut));
      expect(dumpedLinks(whole).slice(0, links.length).map((l) => l.ifname)).toEqual(links.map((l) => l.ifname));
    }
  });
});

describe('rule: the query is a record of its own kind, asking for the loopback by name', () => {
  it('kind 3, no index to fill in, RTM_GETLINK with an ack, IFLA_IFNAME "lo"', () => {
    const op = loopbackQuery();
    const rec = encodeOps([op]);
    expect(rec.readUInt32LE(0)).toBe(3);
    expect(rec.readUInt32LE(8)).toBe(0); // patches
    const msg = rec.subarray(12);
    expect(msg.readUInt16LE(4)).toBe(18); // RTM_GETLINK
    expect(msg.readUInt16LE(6)).toBe(0x1 | 0x4); // NLM_F_REQUEST | NLM_F_ACK: one answer, not a dump
    expect(msg.subarray(32).toString('hex')).toBe('070003006c6f0000'); // len 7, IFLA_IFNAME, "lo\0", padding
  });
  it('the links: a dump (NLM_F_REQUEST | NLM_F_DUMP), without the counters', () => {
    const msg = encodeOps([linksQuery()]).subarray(12);
    expect([msg.readUInt16LE(4), msg.readUInt16LE(6)]).toEqual([18, 0x301]);
    expect(msg.subarray(32).toString('hex')).toBe('08001d0008000000'); // IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS
  });
});
