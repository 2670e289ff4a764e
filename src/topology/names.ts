/**
 * Naming rules: what the kernel and iproute2 accept, and the names nslab
 * derives for kernel objects. Pure functions so the compiler and the
 * executor agree on every name.
 */

export const LAB_NAME = /^[a-z][a-z0-9-]{0,11}$/;
export const NODE_NAME = /^[a-z][a-z0-9_-]*$/;
/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const IFNAME_MAX_BYTES = 15;
/** A namespace name is a file under /run/netns. */
const NETNS_NAME_MAX = 255;

export function labNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the lab name is empty';
  if (name.length > 12) return `lab name \`${name}\` is ${name.length} characters; at most 12 are allowed`;
  if (!LAB_NAME.test(name)) return `lab name \`${name}\` must start with a letter and use only a-z, 0-9 and -`;
  return undefined;
}

export function nodeNameProblem(lab: string, node: string): string | undefined {
  if (!NODE_NAME.test(node)) return `node name \`${node}\` must start with a letter and use only a-z, 0-9, _ and -`;
  if (namespaceOf(lab, node).length > NETNS_NAME_MAX) return `node name \`${node}\` is too long for a namespace name`;
  return undefined;
}

export function ifnameProblem(ifname: string): string | undefined {
  if (ifname.length === 0) return 'the interface name is empty';
  if (/[\s/:]/.test(ifname)) return `interface name \`${ifname}\` may not contain whitespace, \`/\` or \`:\``;
  if (ifname === '.' || ifname === '..') return `\`${ifname}\` is not a valid interface name`;
  const bytes = Buffer.byteLength(ifname, 'utf8');
  if (bytes > IFNAME_MAX_BYTES) return `interface name \`${ifname}\` is ${bytes} bytes; Linux allows at most ${IFNAME_MAX_BYTES}`;
  if (ifname === 'lo') return '`lo` is the namespace\'s loopback interface';
  return undefined;
}

/** Every node, bridges included, lives in its own namespace named `<lab>-<node>`. */
export function namespaceOf(lab: string, node: string): string {
  return `${lab}-${node}`;
}

/** Tag put on host-side objects (interface alias, iptables comment) so `down` finds them without state. */
export function hostTag(lab: string): string {
  return `nslab:${lab}`;
}
