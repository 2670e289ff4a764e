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

/**
 * Words iproute2 reads as options where an interface name may stand
 * (`ip link add NAME …`, `ip link show NAME`, `ip link set NAME …`): a
 * device called `type` or `dev` is misread there, in the plan and in every
 * command a person types into the node. From iplink_parse and
 * ipaddr_list_flush_or_save in iproute2 6.1.
 */
// Stryker disable StringLiteral: a table copied from iproute2's source; a
// test listing the same words again would only repeat it.
export const IPROUTE2_KEYWORDS: ReadonlySet<string> = new Set([
  'add', 'addrgenmode', 'address', 'all', 'allmulticast', 'any', 'arp', 'brd', 'broadcast', 'carrier', 'default',
  'del', 'delete', 'dev', 'down', 'dynamic', 'group', 'help', 'index', 'label', 'link', 'link-netns', 'link-netnsid',
  'list', 'lst', 'master', 'mode', 'mtu', 'multicast', 'name', 'netns', 'nomaster', 'numrxqueues', 'numtxqueues',
  'parentdev', 'peer', 'promisc', 'protodown', 'qlen', 'scope', 'set', 'show', 'state', 'to', 'trailers', 'txqlen',
  'txqueuelen', 'type', 'up', 'vf', 'vrf', 'xdp', 'xdpdrv', 'xdpgeneric', 'xdpoffload',
]);
// Stryker restore StringLiteral

export function ifnameProblem(ifname: string): string | undefined {
  if (ifname.length === 0) return 'the interface name is empty';
  if (/[\s/:]/.test(ifname)) return `interface name \`${ifname}\` may not contain whitespace, \`/\` or \`:\``;
  if (ifname === '.' || ifname === '..') return `\`${ifname}\` is not a valid interface name`;
  const bytes = Buffer.byteLength(ifname, 'utf8');
  if (bytes > IFNAME_MAX_BYTES) return `interface name \`${ifname}\` is ${bytes} bytes; Linux allows at most ${IFNAME_MAX_BYTES}`;
  if (ifname === 'lo') return '`lo` is the namespace\'s loopback interface';
  // The kernel treats `%d` in a new name as a template and picks `eth0`, `eth1`…: the name asked for would not exist.
  if (ifname.includes('%')) return `interface name \`${ifname}\` contains \`%\`, which the kernel reads as a name template (\`eth%d\` becomes eth0, eth1…)`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f"'#\\]/.test(ifname)) return `interface name \`${JSON.stringify(ifname).slice(1, -1)}\` contains a quote, \`#\`, \`\\\` or a control character`;
  if (IPROUTE2_KEYWORDS.has(ifname)) return `interface name \`${ifname}\` is an iproute2 keyword: \`ip link show ${ifname}\` would not mean this interface`;
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
