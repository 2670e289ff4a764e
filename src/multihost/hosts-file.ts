/**
 * The hosts file: which machines a lab may spread over, how to reach each
 * (an OpenSSH destination), which address carries its tunnels, how much of
 * the lab it takes, and optional pins of nodes to hosts. It is kept outside
 * the topology so the same topology runs on one machine or several.
 *
 * Pure: text → HostsSpec or diagnostics at file:line:col. Pins name nodes,
 * which only the lab knows: they are checked against it by the placer.
 */
import { z } from 'zod';
import type { Diagnostic, SourceLoc } from '../diagnostics.js';
import { parseAddress } from '../topology/ip.js';
import { locate, parseTopologyText, type SourceFile } from '../topology/parse.js';
import { validateStructure } from '../topology/structure.js';

/** Away from 4789, the port fabrics and CNIs (flannel, Cilium, NSX) often own or filter. */
export const CROSS_HOST_PORT = 14789;
/** The first VNI the planner hands out; VNIs below it are left to the lab's own VXLAN links. */
export const CROSS_HOST_VNI_BASE = 1_000_000;
const VNI_MAX = 16_777_215;

const HOST_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** `[user@]host` as ssh takes it: no spaces, no leading dash (an option), no shell syntax. */
const SSH_DESTINATION = /^(?:[A-Za-z0-9._-]+@)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/;

const HostSchema = z
  .strictObject({
    ssh: z
      .string({ error: 'expected an SSH destination, like `root@192.0.2.10`' })
      .regex(SSH_DESTINATION, { error: 'expected an SSH destination, `[user@]host` (a name or an address), like `root@192.0.2.10`' })
      .describe('Where `ssh` reaches the host: `[user@]host`. Options (port, key) go in ~/.ssh/config or `ssh_config`.'),
    underlay: z.string().optional().describe('The address tunnels to and from this host use. Default: the address in `ssh`.'),
    weight: z.number({ error: 'expected a number' }).positive({ error: 'a weight is above 0' }).optional().describe('Share of the lab this host takes, relative to the others (default 1).'),
  })
  .describe('One machine the lab may use.');

export const HostsFileSchema = z
  .strictObject({
    hosts: z.record(z.string(), HostSchema).describe('The machines, by a name of your choice (used in `place:`, reports and plans).'),
    place: z.record(z.string(), z.string()).optional().describe('Pins: a node (ranges allowed, `"h{1..500}"`) → the host it must run on. Nodes not pinned are placed by nslab.'),
    ssh_config: z.string().optional().describe('An ssh_config file (`ssh -F`) for every host: ports, keys, jump hosts.'),
    connect_timeout: z.int().min(1).max(600).optional().describe('Seconds ssh waits for a host to answer before it counts as unreachable (default 10).'),
    nslab: z.array(z.string().min(1)).min(1).optional().describe('How to run nslab on the hosts, as argv (default `[nslab]`), e.g. `[node, /opt/nslab/bin/nslab.js]`. It must be the same version as here.'),
    tunnels: z
      .strictObject({
        port: z.int().min(1).max(65535).optional().describe(`UDP port of the tunnels between hosts (default ${CROSS_HOST_PORT}, away from 4789).`),
        vni_base: z.int().min(1).max(VNI_MAX).optional().describe(`First VNI of the tunnels between hosts (default ${CROSS_HOST_VNI_BASE}).`),
      })
      .optional(),
  })
  .describe('The machines one nslab lab spreads over.');

export interface HostSpec {
  name: string;
  ssh: string;
  /** the address tunnels use */
  underlay: string;
  weight: number;
  loc: SourceLoc;
}

export interface Pin {
  /** as written, ranges unexpanded */
  nodes: string;
  host: string;
  loc: SourceLoc;
}

export interface HostsSpec {
  file: string;
  hosts: HostSpec[];
  pins: Pin[];
  sshConfig?: string;
  /** nslab on the hosts, as argv */
  nslab: string[];
  connectTimeoutS: number;
  port: number;
  vniBase: number;
}

export function parseHostsFile(path: string, text: string): { spec?: HostsSpec; diagnostics: Diagnostic[] } {
  const parsed = parseTopologyText(path, text);
  if (parsed.diagnostics.length) return { diagnostics: parsed.diagnostics };
  if (parsed.data === null || parsed.data === undefined) {
    return { diagnostics: [{ loc: { file: path, line: 1, col: 1 }, message: 'the hosts file is empty', hint: 'it needs `hosts:`, e.g. `hosts: { ha: { ssh: root@192.0.2.10 } }`' }] };
  }
  const { value, diagnostics } = validateStructure(HostsFileSchema, parsed.data, parsed.source);
  if (!value) return { diagnostics };
  return meaning(value, parsed.source);
}

/** Names, addresses and references, once the structure holds. */
function meaning(raw: z.infer<typeof HostsFileSchema>, source: SourceFile): { spec?: HostsSpec; diagnostics: Diagnostic[] } {
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[], message: string, hint?: string, part: 'key' | 'value' = 'value') => out.push({ loc: locate(source, path, part), message, hint });
  const hosts: HostSpec[] = [];
  const underlays = new Map<string, string>();
  for (const [name, h] of Object.entries(raw.hosts)) {
    if (!HOST_NAME.test(name)) at(['hosts', name], `\`${name}\` is not a usable host name`, 'start with a lowercase letter; then lowercase letters, digits, `-` or `_` (at most 32)', 'key');
    const underlay = h.underlay ?? sshAddress(h.ssh);
    if (underlay === undefined) {
      at(['hosts', name, 'ssh'], `\`${h.ssh}\` names the host, not an address, and no \`underlay\` says which address carries its tunnels`, 'add `underlay: <the host\'s address>` (nslab does not resolve names: every host must agree on the address)');
      continue;
    }
    if (!parseAddress(underlay)) {
      at(['hosts', name, 'underlay'], `\`${underlay}\` is not an IP address`, 'write the address the other hosts reach this one at, like `192.0.2.10`');
      continue;
    }
    const twin = underlays.get(underlay);
    // the first host to claim an address is the one named to every later one
    if (twin) at(['hosts', name, h.underlay === undefined ? 'ssh' : 'underlay'], `host \`${twin}\` already has underlay address ${underlay}`, 'every host needs its own tunnel address');
    else underlays.set(underlay, name);
    hosts.push({ name, ssh: h.ssh, underlay, weight: h.weight ?? 1, loc: locate(source, ['hosts', name], 'key') });
  }
  if (Object.keys(raw.hosts).length === 0) at(['hosts'], 'no hosts are listed', 'name at least one, e.g. `ha: { ssh: root@192.0.2.10 }`');
  const families = new Set(hosts.map((h) => parseAddress(h.underlay)!.family));
  if (families.size > 1) at(['hosts'], 'the underlay addresses mix IPv4 and IPv6', 'a tunnel joins two addresses of one family: give every host an address of the same family', 'key');
  const names = new Set(Object.keys(raw.hosts));
  const pins = Object.entries(raw.place ?? {}).map(([nodes, host]) => {
    if (!names.has(host)) at(['place', nodes], `unknown host \`${host}\``, `the hosts are ${[...names].map((n) => `\`${n}\``).join(', ')}`);
    return { nodes, host, loc: locate(source, ['place', nodes], 'key') };
  });
  if (out.length) return { diagnostics: out };
  return {
    spec: { file: source.path, hosts, pins, ...(raw.ssh_config !== undefined ? { sshConfig: raw.ssh_config } : {}), nslab: raw.nslab ?? ['nslab'], connectTimeoutS: raw.connect_timeout ?? 10, port: raw.tunnels?.port ?? CROSS_HOST_PORT, vniBase: raw.tunnels?.vni_base ?? CROSS_HOST_VNI_BASE },
    diagnostics: [],
  };
}

/** The address in `user@addr` or `[v6]`, if the destination is one. */
function sshAddress(dest: string): string | undefined {
  const host = dest.slice(dest.indexOf('@') + 1).replace(/^\[(.*)\]$/, '$1');
  return parseAddress(host) ? host : undefined;
}

/** The JSON Schema of the hosts file, for editors and `nslab schema --hosts`. */
export function hostsJsonSchema(): object {
  return { ...z.toJSONSchema(HostsFileSchema, { target: 'draft-7', io: 'input' }), $id: 'https://nslab.dev/schema/hosts-v1.json', title: 'nslab hosts' };
}
