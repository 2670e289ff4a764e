/**
 * What a link sets on its ends beyond the cable: bridge port options (VLAN
 * membership, hairpin, isolation), promiscuous mode, fixed MAC addresses,
 * and the VLAN interfaces of a node at the end of a trunk. Rules that need
 * the whole lab (a MAC used twice, a VLAN option on a bridge without VLAN
 * filtering) are checked once every link is built.
 */
import type { BridgeNode, End, LabNode, Link, VlanInterface } from './model.js';
import { IFNAME_MAX_BYTES } from './names.js';
import type { Problems } from './problems.js';
import type { RawLink } from './schema.js';
import { formatCidr, parseCidr } from './ip.js';

type Path = (string | number)[];

/** `ip:` entries of a trunk's node end: per VLAN, the addresses as written. */
export type VlanAddressTexts = Map<number, { text: string; path: Path }[]>;

/** Port options, promisc, MAC and VLAN interfaces of one link's ends. */
export function applyPortOptions(link: { ends: [End, End] }, raw: RawLink, path: Path, vlanIps: [VlanAddressTexts?, VlanAddressTexts?], p: Problems): void {
  const [a, b] = link.ends;
  const bridgeEnds = link.ends.filter((e) => e.kind === 'bridge');
  const nodeEnds = link.ends.filter((e) => e.kind === 'netns');
  const none = (key: 'vlan' | 'hairpin' | 'isolated', hint: string) =>
    p.at([...path, key], `\`${key}\` sets a bridge port, and this link has no bridge end`, hint, 'key');

  if (raw.vlan !== undefined && bridgeEnds.length === 0) none('vlan', 'on a link between nodes, `vlans:` carries tagged VLANs');
  if (raw.hairpin !== undefined && bridgeEnds.length === 0) none('hairpin', 'link the node to a bridge, and set it there');
  if (raw.isolated !== undefined && bridgeEnds.length === 0) none('isolated', 'link the node to a bridge, and set it there');
  if (raw.promisc !== undefined && nodeEnds.length === 0) {
    p.at([...path, 'promisc'], 'bridge ports are always promiscuous: `promisc` applies to a node\'s interface', 'remove it, or set it on a link to a node', 'key');
  }
  const tagged = vlanList(raw, path, p);
  if (raw.vlan !== undefined && tagged.length && nodeEnds.length) {
    p.at([...path, 'vlan'], 'a trunk to a node carries tagged VLANs only', 'drop `vlan:` and list the VLAN in `vlans:` (the node gets an interface for it)', 'key');
  }
  for (const e of bridgeEnds) {
    const port = { ...(raw.vlan !== undefined ? { pvid: raw.vlan } : {}), ...(tagged.length ? { tagged } : {}), ...(raw.hairpin !== undefined ? { hairpin: raw.hairpin } : {}), ...(raw.isolated !== undefined ? { isolated: raw.isolated } : {}) };
    if (Object.keys(port).length) e.port = port;
  }
  for (const e of nodeEnds) if (raw.promisc !== undefined) e.promisc = raw.promisc;
  [a, b].forEach((e, j) => {
    const ips = vlanIps[j];
    if (e.kind === 'netns' && tagged.length) e.vlanIfs = vlanInterfaces(e, tagged, ips, [...path, 'endpoints', j], p);
    else if (ips?.size) p.at([...path, 'ip', j], `endpoint ${j + 1} is not a node's end of a trunk: \`{ VLAN: address }\` has nowhere to go`, 'write the address itself, e.g. `10.0.0.1/24`');
  });
  applyMacs(link.ends, raw, path, p);
}

function vlanList(raw: RawLink, path: Path, p: Problems): number[] {
  const seen = new Set<number>();
  (raw.vlans ?? []).forEach((v, i) => {
    if (seen.has(v)) p.at([...path, 'vlans', i], `VLAN ${v} is listed twice`);
    if (v === raw.vlan) p.at([...path, 'vlans', i], `VLAN ${v} is both the port's untagged VLAN (\`vlan\`) and tagged (\`vlans\`)`, 'a VLAN crosses a port either untagged or tagged; keep one');
    seen.add(v);
  });
  return [...seen];
}

function vlanInterfaces(e: End, tagged: number[], ips: VlanAddressTexts | undefined, path: Path, p: Problems): VlanInterface[] {
  for (const vid of ips?.keys() ?? []) {
    if (!tagged.includes(vid)) p.at(path, `addresses are given for VLAN ${vid}, which the trunk does not carry`, `add ${vid} to \`vlans\``);
  }
  if (e.addresses.length) {
    p.atLoc(e.addresses[0]!.loc, `${e.node}:${e.ifname} is the end of a trunk: its VLAN interfaces take the addresses`, `write them per VLAN, e.g. \`{ ${tagged[0]}: ${e.addresses[0]!.text} }\``);
  }
  return tagged.map((vid) => {
    const ifname = `${e.ifname}.${vid}`;
    if (Buffer.byteLength(ifname) > IFNAME_MAX_BYTES) {
      p.at(path, `VLAN interface \`${ifname}\` would be longer than ${IFNAME_MAX_BYTES} bytes`, `shorten the interface name \`${e.ifname}\``);
    }
    const addresses = (ips?.get(vid) ?? []).flatMap(({ text, path: at }) => {
      const parsed = parseCidr(text);
      if (!parsed.ok) {
        p.at(at, parsed.reason, parsed.hint);
        return [];
      }
      return [{ cidr: parsed.cidr, text: formatCidr(parsed.cidr), auto: false, loc: p.loc(at) }];
    });
    return { vid, ifname, addresses, loc: e.loc };
  });
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function applyMacs(ends: [End, End], raw: RawLink, path: Path, p: Problems): void {
  if (raw.mac === undefined) return;
  const list = Array.isArray(raw.mac) ? raw.mac : [raw.mac];
  list.forEach((mac, j) => {
    if (mac === null) return;
    const at = Array.isArray(raw.mac) ? [...path, 'mac', j] : [...path, 'mac'];
    const problem = macProblem(mac);
    if (problem) return p.at(at, problem.message, problem.hint);
    ends[j]!.mac = mac.toLowerCase();
  });
}

export function macProblem(mac: string): { message: string; hint: string } | undefined {
  if (!MAC.test(mac)) return { message: `\`${mac}\` is not a MAC address`, hint: 'write six hex bytes with colons, e.g. `02:00:00:00:00:01`' };
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) return { message: `${mac} is a multicast MAC address; an interface needs a unicast one`, hint: 'the lowest bit of the first byte must be 0; locally administered addresses start with 02' };
  if (/^(00:){5}00$/.test(mac.toLowerCase())) return { message: `${mac} is the all-zero MAC address`, hint: 'e.g. `02:00:00:00:00:01`' };
  return undefined;
}

/** Lab-wide: a MAC address used twice; a VLAN option on a bridge that does not filter VLANs. */
export function checkPortsInLab(nodes: Map<string, LabNode>, links: Link[], p: Problems): void {
  const macs = new Map<string, End>();
  const needsFiltering = new Set<string>();
  for (const l of links) {
    for (const e of l.ends) {
      if (e.mac) {
        const first = macs.get(e.mac);
        if (first) p.atLoc(e.loc, `MAC address ${e.mac} is already used by ${first.node}:${first.ifname} (line ${first.loc.line})`, 'every MAC address in a lab must be unique');
        else macs.set(e.mac, e);
      }
      const bridge = e.kind === 'bridge' ? (nodes.get(e.node) as BridgeNode) : undefined;
      if (bridge && (e.port?.pvid !== undefined || e.port?.tagged) && !bridge.options.vlanFiltering && !needsFiltering.has(bridge.name)) {
        needsFiltering.add(bridge.name);
        p.atLoc(l.loc, `\`vlan\`/\`vlans\` need a VLAN-aware bridge, and bridge \`${bridge.name}\` does not filter VLANs`, `add \`vlan_filtering: true\` to bridge \`${bridge.name}\``);
      }
    }
  }
}
