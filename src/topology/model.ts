/**
 * The lab after validation, range expansion and IPAM: concrete nodes,
 * interfaces and addresses. Every entity keeps the source location that
 * produced it so that a kernel error can be traced back to a YAML line.
 */
import type { Diagnostic, SourceLoc } from '../diagnostics.js';
import type { Address, Cidr } from './ip.js';
import type { CheckKind, DimensionName, RawBench, RawCheck, RawNetem } from './schema.js';

export interface Lab {
  name: string;
  file: string;
  /** the topology's folder: setup commands and services run there, nft files are found there */
  dir: string;
  nodes: LabNode[];
  links: Link[];
  checks: Check[];
  /** the `bench:` section, for `nslab bench` */
  bench?: Bench;
  /** named lists of steps run after the checks */
  scenarios: Scenario[];
  /** certain mistakes that do not stop the lab (topology/warnings.ts) */
  warnings?: Diagnostic[];
  /** the text it was built from: `up` keeps it, so `apply` knows what is running */
  source?: string;
  /** only in one host's part of a lab spread over several (multihost/split.ts): its ends of the tunnels to the other hosts */
  crossHost?: CrossHostTunnel[];
}

/**
 * One host's end of a tunnel to other hosts: a VXLAN device whose UDP socket
 * is in the host's own namespace (on its underlay address) and which lives
 * in the node as the interface `end` describes — a node's end of a cut
 * link, or the port that joins a bridge's copies on several hosts.
 */
export interface CrossHostTunnel {
  vni: number;
  port: number;
  /** this host's underlay address */
  local: string;
  /** the other hosts' underlay addresses: one for a cut link; one per other copy for a bridge (head-end replication) */
  remotes: string[];
  end: End;
  loc: SourceLoc;
}

export type LabNode = NetnsNode | BridgeNode;

interface NodeBase {
  name: string;
  /** the ranged key it came from (`h{1..1000}`), when it came from one */
  group?: string;
  /** the network namespace holding it: `<lab>-<node>` */
  ns: string;
  loc: SourceLoc;
}

export interface NetnsNode extends NodeBase {
  kind: 'netns';
  routes: Route[];
  sysctls: Sysctl[];
  /** one-shot commands, in order, once the node's links, addresses and routes exist */
  setup: SetupCommand[];
  /** an nftables ruleset loaded inside the node */
  nft?: NftRuleset;
  services: Service[];
}

/** A command as written: a string for `sh -c`, or argv. */
export type CommandSpec = string | string[];

export interface SetupCommand {
  cmd: CommandSpec;
  loc: SourceLoc;
}

export interface NftRuleset {
  /** a file, relative to the lab's folder */
  file?: string;
  /** or the ruleset itself */
  text?: string;
  /** the tables it declares (`inet filter`), read back by `status --verify` */
  tables: string[];
  loc: SourceLoc;
}

export interface Service {
  node: string;
  name: string;
  /** `node/name`, how commands and reports refer to it */
  id: string;
  cmd: CommandSpec;
  env: Record<string, string>;
  ready: ServiceReady;
  stopMs: number;
  loc: SourceLoc;
}

export type ServiceReady = ({ kind: 'tcp' | 'udp'; port: number } | { kind: 'stdout'; pattern: string } | { kind: 'cmd'; cmd: CommandSpec } | { kind: 'started' }) & { timeoutMs: number };

export interface BridgeNode extends NodeBase {
  kind: 'bridge';
  /** the bridge device's name inside its namespace */
  device: string;
  subnets: LocatedCidr[];
  mtu?: number;
  txqueuelen?: number;
  host?: HostAttachment;
  options: BridgeOptions;
}

/** The bridge's own settings, in the kernel's units; undefined: the kernel's default. */
export interface BridgeOptions {
  vlanFiltering?: boolean;
  stp?: boolean;
  /** centiseconds (USER_HZ), as `ip link` takes and shows them */
  forwardDelayCs?: number;
  ageingTimeCs?: number;
  mcastSnooping?: boolean;
}

/** A bridge wired to the host's own namespace with a gateway address (docker-style). */
export interface HostAttachment {
  /** host-side interface name (tagged with an alias for `down`) */
  hostIf: string;
  /** bridge-side port name */
  portIf: string;
  address: IfAddress;
  nat: boolean;
  /** host ports forwarded to nodes on the bridge (DNAT) */
  publish: Publish[];
  loc: SourceLoc;
}

/** `8080:srv:80`: connections to host port 8080 go to srv's address on the bridge, port 80. */
export interface Publish {
  hostPort: number;
  proto: 'tcp' | 'udp';
  node: string;
  port: number;
  /** the node's IPv4 address on the bridge's segment */
  target: string;
  /** as written */
  text: string;
  loc: SourceLoc;
}

export interface LocatedCidr extends Cidr {
  loc: SourceLoc;
}

export interface Route {
  /** as written for iproute2: `default` or a CIDR */
  to: string;
  dest: Cidr;
  via: Address;
  viaText: string;
  metric?: number;
  loc: SourceLoc;
}

export interface Sysctl {
  key: string;
  value: string;
  loc: SourceLoc;
}

export interface IfAddress {
  cidr: Cidr;
  /** canonical text, e.g. `10.0.1.2/24` */
  text: string;
  /** given by IPAM rather than written in the file */
  auto: boolean;
  loc: SourceLoc;
}

export interface Link {
  index: number;
  /** which entry of `links:` it came from, and that entry's endpoints as written (ranges unexpanded) */
  statement: { index: number; endpoints: [string, string]; count: number };
  loc: SourceLoc;
  /** the file wrote `ip:` for this link (even if only nulls): IPAM pools leave it alone */
  ipWritten: boolean;
  ends: [End, End];
  /**
   * A VXLAN tunnel rather than a veth pair. The ends are still where the
   * link attaches at layer 2 (a node's interface, or a port of a bridge), so
   * addressing, segments and checks treat it like a cable; this says where
   * each tunnel end starts and what it sends from.
   */
  vxlan?: Vxlan;
}

export interface Vxlan {
  vni: number;
  port: number;
  /** per end: the node holding the tunnel's UDP socket, and the address it sends from */
  tunnel: [VxlanEnd, VxlanEnd];
}

export interface VxlanEnd {
  /** the node whose address carries the tunnel */
  node: string;
  ns: string;
  local: string;
  remote: string;
  /** the device name (in the node, then in the bridge when bridged) */
  ifname: string;
  /** a bridge the device becomes a port of */
  bridge?: string;
}

/** One end of a veth pair: an interface of a namespace, or a port of a bridge. */
export interface End {
  node: string;
  kind: 'netns' | 'bridge';
  ifname: string;
  addresses: IfAddress[];
  mtu?: number;
  txqueuelen?: number;
  netem?: Netem;
  /** a fixed MAC address */
  mac?: string;
  /** a node's interface: promiscuous mode */
  promisc?: boolean;
  /** a bridge port: its options */
  port?: PortOptions;
  /** a node's end of a trunk: one VLAN interface per tagged VLAN (8021q) */
  vlanIfs?: VlanInterface[];
  loc: SourceLoc;
}

export interface PortOptions {
  /** access port: untagged in this VLAN (PVID) */
  pvid?: number;
  /** tagged VLANs */
  tagged?: number[];
  hairpin?: boolean;
  isolated?: boolean;
}

/** `eth0.10`: VLAN 10 of a node's trunk interface. */
export interface VlanInterface {
  vid: number;
  ifname: string;
  addresses: IfAddress[];
  loc: SourceLoc;
}

export interface Netem {
  spec: RawNetem;
  loc: SourceLoc;
}

export interface Check<K extends CheckKind = CheckKind> {
  kind: K;
  name: string;
  expect: 'pass' | 'fail';
  spec: RawCheck[K];
  /** nodes the check runs in or among, expanded */
  nodes: string[];
  /** reach over several hosts: the nodes this host pings from (default: all of `nodes`) */
  sources?: string[];
  /** for checks with a `to`: the address it resolved to */
  target?: string;
  /** impairments applied for this check only */
  impair?: CheckImpairment[];
  /** retried until it passes, for at most this many ms */
  withinMs?: number;
  /** capture: where, and the check it runs while capturing */
  capture?: { node: string; ns: string; ifname: string; inner: Check };
  loc: SourceLoc;
}

/** One interface a check impairs while it runs, and what to put back after. */
export interface CheckImpairment {
  node: string;
  ns: string;
  ifname: string;
  spec: RawNetem;
  mtu?: number;
  /** the topology's own impairment of that interface, restored after the check */
  restore?: RawNetem;
  /** a scenario's `null` for an interface the topology leaves unimpaired: no impairment at all */
  clear?: boolean;
  loc: SourceLoc;
}

export interface Scenario {
  name: string;
  steps: ScenarioStep[];
  loc: SourceLoc;
}

export interface InterfaceRef {
  node: string;
  ns: string;
  ifname: string;
}

export type ScenarioStep = (
  | { kind: 'watch'; name: string; from: string; target: string; intervalMs: number; maxOutageMs?: number; maxLossPct?: number }
  | { kind: 'link'; action: 'down' | 'up'; target: InterfaceRef }
  | { kind: 'check'; check: Check }
  | { kind: 'impair'; impair: CheckImpairment[] }
  | { kind: 'service'; action: 'start' | 'stop' | 'restart'; id: string }
  | { kind: 'exec'; node: string; cmd: CommandSpec; exit: number; timeoutMs: number }
  | { kind: 'wait'; ms: number }
) & { index: number; label: string; loc: SourceLoc };

/** A tuning benchmark: who measures to whom, and what to sweep. */
export interface Bench {
  spec: RawBench;
  from: string;
  /** the receiving node, and the address iperf3 connects to */
  toNode: string;
  target: string;
  dimensions: BenchDimension[];
  loc: SourceLoc;
}

export interface BenchDimension {
  name: DimensionName;
  values: (string | number)[];
  /** interfaces it applies to; undefined: every interface on the path */
  on?: { node: string; ifname: string }[];
  loc: SourceLoc;
}
