/**
 * IPv4/IPv6 addresses and prefixes as numbers, so IPAM and subnet checks are
 * plain arithmetic. Parsing is delegated to ipaddr.js; addresses are held as
 * bigint so both families share one code path.
 */
import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

export interface Address {
  family: Family;
  value: bigint;
}

/** An interface address with its prefix, e.g. 10.0.1.2/24. */
export interface Cidr extends Address {
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function parseAddress(text: string): Address | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  // ipaddr accepts shorthand IPv4 like "10.1" — tc and iproute2 users never mean that.
  if (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const parsed = ipaddr.parse(text);
  const bytes = parsed.toByteArray();
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: parsed.kind() === 'ipv4' ? 4 : 6, value };
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string; hint?: string };

export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const addr = parseAddress(text);
    return addr
      ? { ok: false, reason: `\`${text}\` has no prefix length`, hint: `write it in CIDR form, e.g. \`${text}/${addr.family === 4 ? 24 : 64}\`` }
      : { ok: false, reason: `\`${text}\` is not an IP address in CIDR form`, hint: 'e.g. `10.0.1.2/24` or `fd00::2/64`' };
  }
  const addr = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!addr) return { ok: false, reason: `\`${text}\` is not an IP address in CIDR form`, hint: 'e.g. `10.0.1.2/24` or `fd00::2/64`' };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > BITS[addr.family]) {
    return { ok: false, reason: `\`${text}\`: prefix length must be 0..${BITS[addr.family]}` };
  }
  return { ok: true, cidr: { ...addr, prefix: Number(prefixText) } };
}

export function formatAddress(a: Address): string {
  const bytes: number[] = [];
  let v = a.value;
  for (let i = 0; i < BITS[a.family] / 8; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c)}/${c.prefix}`;
}

function hostMask(c: { family: Family; prefix: number }): bigint {
  return (1n << BigInt(BITS[c.family] - c.prefix)) - 1n;
}

/** The network address of a prefix. */
export function networkOf(c: Cidr): bigint {
  return c.value & ~hostMask(c);
}

export function contains(net: Cidr, a: Address): boolean {
  return net.family === a.family && (a.value & ~hostMask(net)) === networkOf(net);
}

/** Two prefixes share addresses (one contains the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = a.prefix <= b.prefix ? a : b;
  const longer = shorter === a ? b : a;
  return contains(shorter, longer);
}

export function isNetworkAddress(c: Cidr): boolean {
  return c.family === 4 && c.prefix < 31 && c.value === networkOf(c);
}

export function isBroadcastAddress(c: Cidr): boolean {
  return c.family === 4 && c.prefix < 31 && c.value === (networkOf(c) | hostMask(c));
}

/**
 * The usable host addresses of a prefix, in order: IPv4 skips the network
 * and broadcast addresses (except /31 and /32); IPv6 skips the subnet-router
 * anycast address (::0 of the prefix).
 */
export function usableHosts(net: Cidr): { first: bigint; count: bigint } {
  const size = hostMask(net) + 1n;
  if (net.family === 4 && net.prefix >= 31) return { first: networkOf(net), count: size };
  if (net.family === 4) return { first: networkOf(net) + 1n, count: size - 2n };
  return { first: networkOf(net) + 1n, count: size - 1n };
}

/** The n-th aligned sub-prefix of `length` bits inside `pool` (for point-to-point pools). */
export function subnetAt(pool: Cidr, length: number, n: bigint): Cidr | undefined {
  if (length < pool.prefix) return undefined;
  const count = 1n << BigInt(length - pool.prefix);
  if (n >= count) return undefined;
  const step = 1n << BigInt(BITS[pool.family] - length);
  return { family: pool.family, value: networkOf(pool) + n * step, prefix: length };
}
