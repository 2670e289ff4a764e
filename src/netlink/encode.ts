/**
 * A plan's namespace steps as the rtnetlink requests iproute2 would send for
 * them, and its sysctl steps as the /proc/sys writes sysctl(8) would make —
 * so the in-process path (native/netns.c) leaves the kernel exactly as
 * `ip -batch` does. Pure: bytes out, nothing run.
 *
 * Each encoding here was read off iproute2 6.1 with strace (the messages are
 * in test/unit/netlink-encode.test.ts, byte for byte). A step whose words are
 * not all understood here is not encoded (undefined): its namespace takes
 * the `ip -batch` path, which stays the reference and the fallback.
 */
import type { Step } from '../compile/plan.js';
import { parseAddress, type Address } from '../topology/ip.js';

/** One operation for the native side: a request, a request whose answer comes back (a query), or a sysctl write. */
export type Op =
  | { kind: 'netlink' | 'query'; message: Uint8Array; /** interface names whose index goes at a byte offset of the message */ patches: { offset: number; name: string }[] }
  | { kind: 'sysctl'; key: string; path: string; value: string };

// linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h, linux/netlink.h
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_TXQLEN = 13;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFLA_IFALIAS = 20;
const IFLA_AF_SPEC = 26;
const IFLA_EXT_MASK = 29;
const RTEXT_FILTER_SKIP_STATS = 1 << 3;
const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const IFF_UP = 0x1;
const IFF_PROMISC = 0x100;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_F_NODAD = 0x02;
const RT_SCOPE_HOST = 254;
const RTA_DST = 1;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RTN_UNICAST = 1;

const HEADER = 16; // struct nlmsghdr
/** where ifi_index / ifa_index sit: after the header and 4 bytes of the family message */
const INDEX_OFFSET = HEADER + 4;

const pad4 = (n: number) => (n + 3) & ~3;

/** A growing little buffer of netlink attributes (host byte order, as netlink is). */
class Attrs {
  private parts: Buffer[] = [];
  add(type: number, data: Buffer): this {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + data.length, 0);
    head.writeUInt16LE(type, 2);
    this.parts.push(head, data, Buffer.alloc(pad4(data.length) - data.length));
    return this;
  }
  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.add(type, b);
  }
  nest(type: number, inner: Attrs): this {
    return this.add(type, inner.bytes());
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function message(type: number, flags: number, body: Buffer, attrs: Attrs): Buffer {
  const payload = Buffer.concat([body, attrs.bytes()]);
  const head = Buffer.alloc(HEADER);
  head.writeUInt32LE(HEADER + payload.length, 0);
  head.writeUInt16LE(type, 4);
  head.writeUInt16LE(flags, 6);
  // seq is set by the native side; pid 0 is the kernel
  return Buffer.concat([head, payload]);
}

function ifinfomsg(flags: number, change: number): Buffer {
  const b = Buffer.alloc(16); // family 0 (AF_UNSPEC), type 0, index (patched), flags, change
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

function addressBytes(a: Address): Buffer {
  const len = a.family === 4 ? 4 : 16;
  const b = Buffer.alloc(len);
  let v = a.value;
  for (let i = len - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const UINT = /^\d{1,10}$/;

/**
 * `ip link set dev X …`: one RTM_NEWLINK, attributes in the order of the
 * words (as ip adds them) — except addrgenmode, sent first on its own when
 * the step also brings the link up. The kernel applies IFLA_AF_SPEC after
 * the flags, and a veth that goes up before the kernel's link watch has
 * noted its new carrier state counts as ready for IPv6 at once: it gets a
 * link-local address before the mode says none. ip -batch is slow enough
 * to miss that window; the in-process path hit it on every second end of a
 * 200-router chain.
 */
function linkSet(words: string[]): Op[] | undefined {
  if (words[0] !== 'dev' || words[1] === undefined) return undefined;
  const dev = words[1];
  const attrs = new Attrs();
  const patches = [{ offset: INDEX_OFFSET, name: dev }];
  let flags = 0;
  let change = 0;
  let genMode: Attrs | undefined;
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    const arg = words[i + 1];
    if (w === 'up' || w === 'down') {
      flags = w === 'up' ? flags | IFF_UP : flags & ~IFF_UP;
      change |= IFF_UP;
    } else if (w === 'promisc' && (arg === 'on' || arg === 'off')) {
      flags = arg === 'on' ? flags | IFF_PROMISC : flags & ~IFF_PROMISC;
      change |= IFF_PROMISC;
      i++;
    } else if (w === 'alias' && arg !== undefined) {
      attrs.add(IFLA_IFALIAS, Buffer.from(arg));
      i++;
    } else if ((w === 'mtu' || w === 'txqueuelen') && arg !== undefined && UINT.test(arg)) {
      attrs.u32(w === 'mtu' ? IFLA_MTU : IFLA_TXQLEN, Number(arg));
      i++;
    } else if (w === 'address' && arg !== undefined && MAC.test(arg)) {
      attrs.add(IFLA_ADDRESS, Buffer.from(arg.split(':').map((h) => parseInt(h, 16))));
      i++;
    } else if (w === 'addrgenmode' && arg === 'none') {
      genMode = new Attrs().nest(IFLA_AF_SPEC, new Attrs().nest(AF_INET6, new Attrs().add(IFLA_INET6_ADDR_GEN_MODE, Buffer.from([IN6_ADDR_GEN_MODE_NONE]))));
      i++;
    } else if (w === 'master' && arg !== undefined) {
      // the master's index, resolved inside the namespace like the device's own
      patches.push({ offset: HEADER + 16 + attrs.bytes().length + 4, name: arg });
      attrs.u32(IFLA_MASTER, 0);
      i++;
    } else if (w === 'nomaster') {
      attrs.u32(IFLA_MASTER, 0);
    } else {
      return undefined;
    }
  }
  const set = (a: Attrs, f: number, c: number, p: { offset: number; name: string }[]): Op => ({ kind: 'netlink', message: message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifinfomsg(f, c), a), patches: p });
  const main = set(attrs, flags, change, patches);
  if (!genMode) return [main];
  return [set(genMode, 0, 0, [{ offset: INDEX_OFFSET, name: dev }]), ...(change || attrs.bytes().length ? [main] : [])];
}

/** `ip link add name X type bridge` (no options: those take the ip path). */
function linkAdd(words: string[]): Op | undefined {
  if (words.length !== 4 || words[0] !== 'name' || words[2] !== 'type' || words[3] !== 'bridge') return undefined;
  const attrs = new Attrs()
    .add(IFLA_IFNAME, Buffer.from(`${words[1]}\0`))
    .nest(IFLA_LINKINFO, new Attrs().add(IFLA_INFO_KIND, Buffer.from('bridge')));
  return { kind: 'netlink', message: message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, ifinfomsg(0, 0), attrs), patches: [] };
}

/** `ip addr add A/P dev X [nodad]`: local and address both A, as ip sends them. */
function addrAdd(words: string[]): Op | undefined {
  const [cidr, dev, name, ...rest] = words;
  if (cidr === undefined || dev !== 'dev' || name === undefined) return undefined;
  if (rest.length > 1 || (rest.length === 1 && rest[0] !== 'nodad')) return undefined;
  const [text, len] = cidr.split('/');
  const a = parseAddress(text!);
  if (!a || len === undefined || !UINT.test(len) || Number(len) > (a.family === 4 ? 32 : 128)) return undefined;
  const body = Buffer.alloc(8); // family, prefixlen, flags, scope, index (patched)
  body[0] = a.family === 4 ? AF_INET : AF_INET6;
  body[1] = Number(len);
  body[2] = rest.length ? IFA_F_NODAD : 0;
  // ip's default scope: host for 127/8, universe otherwise
  body[3] = a.family === 4 && a.value >> 24n === 127n ? RT_SCOPE_HOST : 0;
  const bytes = addressBytes(a);
  const attrs = new Attrs().add(IFA_LOCAL, bytes).add(IFA_ADDRESS, bytes);
  return { kind: 'netlink', message: message(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, body, attrs), patches: [{ offset: INDEX_OFFSET, name }] };
}

/** `ip route add TO via GW [metric N]` into the main table. */
function routeAdd(words: string[]): Op | undefined {
  const [to, via, gwText, ...rest] = words;
  if (to === undefined || via !== 'via' || gwText === undefined) return undefined;
  let metric: number | undefined;
  if (rest.length === 2 && rest[0] === 'metric' && UINT.test(rest[1]!)) metric = Number(rest[1]);
  else if (rest.length) return undefined;
  const gw = parseAddress(gwText);
  if (!gw) return undefined;
  let dst: { a: Address; len: number } | undefined;
  if (to !== 'default') {
    const [text, len] = to.split('/');
    const a = parseAddress(text!);
    const bits = a?.family === 4 ? 32 : 128;
    if (!a || a.family !== gw.family || (len !== undefined && (!UINT.test(len) || Number(len) > bits))) return undefined;
    dst = { a, len: len === undefined ? bits : Number(len) };
  }
  const body = Buffer.alloc(12); // family, dst_len, src_len, tos, table, protocol, scope, type, flags
  body[0] = gw.family === 4 ? AF_INET : AF_INET6;
  body[1] = dst?.len ?? 0;
  body[4] = RT_TABLE_MAIN;
  body[5] = RTPROT_BOOT;
  body[7] = RTN_UNICAST;
  const attrs = new Attrs();
  if (dst) attrs.add(RTA_DST, addressBytes(dst.a));
  attrs.add(RTA_GATEWAY, addressBytes(gw));
  if (metric !== undefined) attrs.u32(RTA_PRIORITY, metric);
  return { kind: 'netlink', message: message(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, body, attrs), patches: [] };
}

/** sysctl(8)'s key → path: dots are separators, a slash stands for a dot in a name (eth0/100). */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'))}`;
}

function sysctlWrite(words: string[]): Op | undefined {
  if (words.length !== 2 || words[0] !== '-w') return undefined;
  const eq = words[1]!.indexOf('=');
  if (eq <= 0) return undefined;
  const key = words[1]!.slice(0, eq);
  if (key.split(/[./]/).some((p) => p === '' || p === '..')) return undefined;
  return { kind: 'sysctl', key, path: sysctlPath(key), value: `${words[1]!.slice(eq + 1)}\n` };
}

/** The operations for one namespace step (in order), or undefined when it takes the ip path. */
export function encodeStep(step: Step): Op[] | undefined {
  if (step.ns === null || step.command) return undefined;
  const [tool, ...words] = step.argv;
  const one = (op: Op | undefined) => (op ? [op] : undefined);
  if (tool === 'sysctl') return one(sysctlWrite(words));
  if (tool !== 'ip') return undefined;
  const [object, verb, ...rest] = words;
  if (object === 'link' && verb === 'set') return linkSet(rest);
  if (object === 'link' && verb === 'add') return one(linkAdd(rest));
  if (object === 'addr' && verb === 'add') return one(addrAdd(rest));
  if (object === 'route' && verb === 'add') return one(routeAdd(rest));
  return undefined;
}

/**
 * The request `ip link show dev lo` sends for the loopback (by name, so no
 * index is needed); its answer is an RTM_NEWLINK message (see decode.ts).
 */
export function loopbackQuery(): Op {
  return { kind: 'query', message: message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifinfomsg(0, 0), new Attrs().add(IFLA_IFNAME, Buffer.from('lo\0'))), patches: [] };
}

/**
 * Every link of the namespace (`ip link show`'s request, less the counters
 * the kernel would add to each): a dump, one RTM_NEWLINK message a link.
 */
export function linksQuery(): Op {
  return { kind: 'query', message: message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfomsg(0, 0), new Attrs().u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)), patches: [] };
}

const KIND = { netlink: 1, sysctl: 2, query: 3 } as const;

function record(kind: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(kind, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload, Buffer.alloc(pad4(payload.length) - payload.length)]);
}

function padded(s: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(s.length);
  return Buffer.concat([len, s, Buffer.alloc(pad4(s.length) - s.length)]);
}

/** Operations as the record stream native/netns.c reads (see its header). */
export function encodeOps(ops: readonly Op[]): Buffer {
  return Buffer.concat(
    ops.map((op) => {
      if (op.kind === 'sysctl') return record(KIND.sysctl, Buffer.concat([padded(Buffer.from(op.path)), Buffer.from(op.value)]));
      const count = Buffer.alloc(4);
      count.writeUInt32LE(op.patches.length);
      const patches = op.patches.map((p) => {
        const at = Buffer.alloc(4);
        at.writeUInt32LE(p.offset);
        return Buffer.concat([at, padded(Buffer.from(p.name))]);
      });
      return record(KIND[op.kind], Buffer.concat([count, ...patches, op.message]));
    }),
  );
}
