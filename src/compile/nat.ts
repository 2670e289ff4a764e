/**
 * The host's iptables rules for a lab, as the words after `-A`/`-D`: the same
 * words add and delete a rule, and each carries the lab's tag as a comment so
 * that `down` finds it from the kernel alone.
 */
import { formatCidr, networkOf } from '../topology/ip.js';
import type { HostAttachment, Publish } from '../topology/model.js';

/** The NAT rule of a host-attached bridge. */
export function natRuleSpec(subnet: string, hostIf: string, tag: string): string[] {
  return ['POSTROUTING', '-s', subnet, '!', '-o', hostIf, '-m', 'comment', '--comment', tag, '-j', 'MASQUERADE'];
}

/**
 * A published port: DNAT for connections arriving at the host (PREROUTING)
 * and for the host's own (OUTPUT), to any of the host's addresses but
 * loopback's — a DNAT from 127.0.0.1 would need route_localnet, a host-wide
 * setting a lab should not change.
 */
export function publishRuleSpecs(p: Publish, tag: string): string[][] {
  const match = ['-p', p.proto, '-m', 'addrtype', '--dst-type', 'LOCAL'];
  const rest = ['--dport', String(p.hostPort), '-m', 'comment', '--comment', tag, '-j', 'DNAT', '--to-destination', `${p.target}:${p.port}`];
  return [
    ['PREROUTING', ...match, ...rest],
    ['OUTPUT', ...match, '!', '-d', '127.0.0.0/8', ...rest],
  ];
}

/** Every host rule of one attachment, as `-D` or `-A` takes it: its MASQUERADE (with `nat`), then its published ports. */
export function hostRuleSpecs(h: HostAttachment, tag: string): string[][] {
  return [...(h.nat ? [natRuleSpec(formatCidr({ ...h.address.cidr, value: networkOf(h.address.cidr) }), h.hostIf, tag)] : []), ...h.publish.flatMap((p) => publishRuleSpecs(p, tag))];
}
