/**
 * What the kernel answers to the in-process path's queries (encode.ts's
 * loopbackQuery and linksQuery), read back. Pure: bytes in, values out;
 * bytes that do not hold what they claim end the reading, never throw.
 */

const HEADER = 16; // struct nlmsghdr
const IFINFOMSG = 16;
const RTM_NEWLINK = 16;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_LINK = 5;
const IFLA_QDISC = 6;
const IFLA_IFALIAS = 20;
const IFLA_LINK_NETNSID = 37;

/** A link as a dump of RTM_NEWLINK messages tells it: what waiting for carrier reads. */
export interface DumpedLink {
  ifname: string;
  /** ip's names for the flags (UP, LOWER_UP, NO-CARRIER, …) */
  flags: string[];
  mtu?: number;
  qdisc?: string;
  ifalias?: string;
}

// linux/if.h, in the order ip prints them
const FLAG_NAMES: [number, string][] = [
  [0x8, 'LOOPBACK'], [0x2, 'BROADCAST'], [0x10, 'POINTOPOINT'], [0x1000, 'MULTICAST'], [0x80, 'NOARP'], [0x200, 'ALLMULTI'],
  [0x100, 'PROMISC'], [0x1, 'UP'], [0x10000, 'LOWER_UP'], [0x20000, 'DORMANT'],
];
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

/** The messages of an answer, each as [type, bytes]; a message that claims more than there is ends the list. */
function* messages(b: Buffer): Generator<[number, Buffer]> {
  for (let at = 0; at + HEADER <= b.length; ) {
    const len = b.readUInt32LE(at);
    if (len < HEADER || at + len > b.length) return;
    yield [b.readUInt16LE(at + 4), b.subarray(at, at + len)];
    at += (len + 3) & ~3;
  }
}

/** A message's attributes after its family header, by type (the first of each). */
function attributes(m: Buffer, from: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let at = from; at + 4 <= m.length; ) {
    const len = m.readUInt16LE(at);
    if (len < 4 || at + len > m.length) break;
    const type = m.readUInt16LE(at + 2) & 0x3fff;
    if (!out.has(type)) out.set(type, m.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  return out;
}

const text = (v: Buffer | undefined) => (v ? v.toString('utf8').replace(/\0.*$/s, '') : undefined);

/** Every link of a dump (linksQuery's answer), flags named as `ip -j link show` names them. */
export function dumpedLinks(reply: Uint8Array): DumpedLink[] {
  const raw = [...messages(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength))]
    .filter(([type, m]) => type === RTM_NEWLINK && m.length >= HEADER + IFINFOMSG)
    .map(([, m]) => ({ index: m.readInt32LE(HEADER + 4), bits: m.readUInt32LE(HEADER + 8), a: attributes(m, HEADER + IFINFOMSG) }));
  const bitsOf = new Map(raw.map((l) => [l.index, l.bits]));
  const links: DumpedLink[] = [];
  for (const { bits, a } of raw) {
    const ifname = text(a.get(IFLA_IFNAME));
    if (!ifname) continue;
    // ip: NO-CARRIER for a link up but not running; M-DOWN when the link it
    // sits on (a veth's peer, in this namespace) is down — or unknown to it
    const link = a.get(IFLA_LINK);
    const lower = link?.length === 4 ? link.readUInt32LE(0) : 0;
    const mdown = !!lower && !a.has(IFLA_LINK_NETNSID) && !((bitsOf.get(lower) ?? 0) & IFF_UP);
    const flags = [...((bits & IFF_UP) && !(bits & IFF_RUNNING) ? ['NO-CARRIER'] : []), ...FLAG_NAMES.filter(([bit]) => bits & bit).map(([, name]) => name), ...(mdown ? ['M-DOWN'] : [])];
    const mtu = a.get(IFLA_MTU);
    const alias = text(a.get(IFLA_IFALIAS));
    links.push({ ifname, flags, ...(mtu?.length === 4 ? { mtu: mtu.readUInt32LE(0) } : {}), ...(a.has(IFLA_QDISC) ? { qdisc: text(a.get(IFLA_QDISC)) } : {}), ...(alias ? { ifalias: alias } : {}) });
  }
  return links;
}

/** The alias of the link an RTM_NEWLINK message describes (loopbackQuery's answer), or undefined when it has none (or the bytes are not such a message). */
export function linkAlias(reply: Uint8Array): string | undefined {
  // the kernel sends the alias attribute only when one is set
  return dumpedLinks(reply)[0]?.ifalias;
}
