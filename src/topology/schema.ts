/**
 * The shape of a topology file (format v1, see TOPOLOGY.md). One zod schema
 * serves three purposes: structural validation with precise paths, the
 * TypeScript types of the raw file, and the JSON Schema editors use
 * (`nslab schema`). Meaning — names that exist, addresses that fit — is
 * checked afterwards in build.ts, where the whole lab is known.
 */
import { z } from 'zod';
import { parsePercent, PERCENT_PATTERN, RATE_PATTERN, TIME_PATTERN } from './units.js';

const Mtu = z
  .int({ error: 'MTU must be a whole number of bytes' })
  .min(68, { error: 'MTU must be at least 68 bytes (the IPv4 minimum)' })
  .max(65535, { error: 'MTU must be at most 65535 bytes' })
  .describe('Interface MTU in bytes (68..65535).');

const TxQueueLen = z
  .int({ error: 'txqueuelen must be a whole number of packets' })
  .min(0, { error: 'txqueuelen cannot be negative' })
  .max(4294967295, { error: 'txqueuelen must fit in 32 bits' })
  .describe('Transmit queue length in packets.');

const Time = z
  .string({ error: 'expected a time with a unit, like `10ms`' })
  .regex(TIME_PATTERN, { error: 'expected a time with a unit (s, ms, us), like `10ms`' });
const Percent = z
  .string({ error: 'expected a percentage, like `0.5%`' })
  .regex(PERCENT_PATTERN, { error: 'expected a percentage between 0% and 100%, like `0.5%`' })
  .refine((v) => parsePercent(v) !== undefined, { error: 'a percentage is at most 100%' });
const Rate = z
  .string({ error: 'expected a rate with a unit, like `100mbit`' })
  .regex(RATE_PATTERN, { error: 'expected a rate with a unit (bit, kbit, mbit, gbit, bps…), like `100mbit`' });

/** Bursty loss: a two-state Markov chain (tc `loss gemodel p r 1-h 1-k`). */
const GilbertElliott = z
  .strictObject({
    p: Percent.describe('Chance per packet of moving from the good to the bad state (tc `p`).'),
    r: Percent.optional().describe('Chance per packet of moving back from bad to good (tc `r`; default 100% - p).'),
    loss_bad: Percent.optional().describe('Loss while in the bad state (tc `1-h`; default 100%).'),
    loss_good: Percent.optional().describe('Loss while in the good state (tc `1-k`; default 0%).'),
  })
  .describe('Gilbert-Elliott bursty loss model.');

const Loss = z
  .union([Percent, z.strictObject({ gemodel: GilbertElliott })], {
    error: 'loss is a percentage like `1%`, or `{ gemodel: { p: 1%, r: 30% } }` for bursts',
  })
  .describe('Random loss like `0.1%`, or bursty loss `{ gemodel: { p, r, loss_bad, loss_good } }`.');

/** A token bucket (tbf) under netem: shaping with a burst, unlike netem's strict `rate`. */
/** A TCP congestion control's name, as the kernel lists them (net.ipv4.tcp_available_congestion_control). */
const CongestionControl = z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, 'a congestion control is a name like `cubic` or `bbr`');

/** Queues that manage what waits (a kernel module each: doctor probes them). */
export const MANAGED_QUEUES = ['fq_codel', 'codel', 'fq', 'sfq', 'cake'] as const;
/** Queues that can stand in front of the shaper (tbf's child qdisc): the fifos every kernel has, and the managed ones. */
export const SHAPE_QUEUES = ['pfifo', 'bfifo', 'pfifo_fast', ...MANAGED_QUEUES] as const;

const Shape = z
  .strictObject({
    rate: Rate.describe('Shaped rate, e.g. `10mbit`.'),
    burst: z.int().min(1).optional().describe('Bucket size in bytes (default: 10 ms at the rate, at least 1600).'),
    latency: Time.optional().describe('Longest a packet may wait in the bucket before it is dropped (default 50ms); sizes tbf\'s own queue, so not with `queue`.'),
    queue: z
      .enum(SHAPE_QUEUES)
      .optional()
      .describe('The queue in front of the bottleneck instead of tbf\'s own: `pfifo` holds the interface\'s txqueuelen packets (so txqueuelen sizes it), `fq_codel`, `cake`, `fq`, `sfq`, `codel` manage it.'),
  })
  .describe('Token-bucket shaping (tbf), applied after the netem impairments.');

const netemFields = {
  delay: Time.optional().describe('Added delay, e.g. `10ms`.'),
  jitter: Time.optional().describe('Delay variation, e.g. `1ms` (needs delay). Reorders packets unless keep_order.'),
  correlation: Percent.optional().describe('Delay correlation, e.g. `25%` (needs jitter).'),
  distribution: z
    .enum(['uniform', 'normal', 'pareto', 'paretonormal'])
    .optional()
    .describe('Jitter distribution (needs jitter).'),
  keep_order: z.boolean().optional().describe('With jitter: deliver packets in the order they were sent (netem reorders them otherwise).'),
  loss: Loss.optional(),
  duplicate: Percent.optional().describe('Packet duplication, e.g. `1%`.'),
  corrupt: Percent.optional().describe('Bit corruption, e.g. `0.1%`.'),
  reorder: Percent.optional().describe('Packets sent at once, out of order (needs delay).'),
  gap: z.int().min(1).optional().describe('Reorder every Nth packet (needs reorder).'),
  rate: Rate.optional().describe('Egress link rate, e.g. `10mbit` (netem: serialisation delay, no burst).'),
  limit: z.int().min(1).optional().describe('Queue limit in packets (default: enough for delay × rate, at least 1000).'),
  shape: Shape.optional(),
};
export const NetemSchema = z.strictObject(netemFields).describe('A netem impairment, in tc units.');

/** On a link: either one impairment for both ends, or `a:`/`b:` per end. */
const LinkNetem = z
  .strictObject({ ...netemFields, a: NetemSchema.optional(), b: NetemSchema.optional() })
  .describe('netem for both ends, or per end with `a:` and `b:` (the endpoints in order).');

const VlanId = z
  .int({ error: 'a VLAN id is a whole number' })
  .min(1, { error: 'VLAN ids are 1..4094' })
  .max(4094, { error: 'VLAN ids are 1..4094 (4095 is reserved)' });

const RouteSchema = z
  .strictObject({
    to: z.string().describe('Destination in CIDR form, or `default` / `default6`.'),
    via: z.string().describe('Next-hop address on a directly connected subnet.'),
    metric: z.int().min(0).max(4294967295).optional().describe('Its preference: the lowest metric wins; two routes to one destination need different metrics (a primary and a backup).'),
  })
  .describe('A static route.');

const SysctlValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'a sysctl value is a string, number or boolean',
});

const HostAttachment = z
  .strictObject({
    ip: z.string().describe('The host-side gateway address in CIDR form, inside the bridge subnet.'),
    nat: z.boolean().optional().describe('Masquerade traffic from the bridge subnet leaving the host.'),
    publish: z
      .array(z.string())
      .optional()
      .describe('Host ports forwarded to nodes on the bridge, docker-style: `HOSTPORT:NODE:PORT`, `/udp` for UDP, e.g. `8080:srv:80`, `5353:dns:53/udp`.'),
  })
  .describe('Connect this bridge to the host, docker-style: a gateway address on the host side.');

/** A command: a string run by `sh -c`, or an argv list. */
const Command = z.union([z.string().min(1, { error: 'the command is empty' }), z.array(z.string()).min(1, { error: 'the command is empty' })], {
  error: 'a command is a string (run by `sh -c`) or a list of words (argv)',
});

const Ready = z
  .strictObject({
    tcp: z.int().min(1).max(65535).optional().describe('Ready once something in the node listens on this TCP port.'),
    udp: z.int().min(1).max(65535).optional().describe('Ready once something in the node has this UDP port open.'),
    stdout: z.string().optional().describe('Ready once the service\'s output (stdout or stderr) matches this regular expression.'),
    cmd: Command.optional().describe('Ready once this command succeeds in the node (tried every 200 ms).'),
    timeout: Time.optional().describe('How long to wait before the deploy fails (default 10s).'),
  })
  .describe('When the service counts as started; with none of tcp/udp/stdout/cmd, as soon as it runs.');

const ServiceSchema = z
  .strictObject({
    cmd: Command.describe('The long-running process: a string run by `sh -c`, or an argv list. Runs in the node, in the topology\'s folder.'),
    ready: Ready.optional(),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('Extra environment variables.'),
    stop_timeout: Time.optional().describe('After SIGTERM, how long before SIGKILL when stopping it (default 2s).'),
  })
  .describe('A long-running process in the node, started after `setup`, stopped by `down`.');

const NodeSchema = z
  .strictObject({
    kind: z.enum(['netns', 'bridge']).optional().describe('`netns` (default): a network namespace; `bridge`: a Linux bridge.'),
    routes: z.array(RouteSchema).optional(),
    sysctl: z.record(z.string(), SysctlValue).optional().describe('net.* sysctls applied inside the node.'),
    subnet: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('Bridge only: address pool(s) for attached interfaces (one IPv4 and/or one IPv6).'),
    mtu: Mtu.optional(),
    txqueuelen: TxQueueLen.optional(),
    host: HostAttachment.optional(),
    vlan_filtering: z.boolean().optional().describe('Bridge only: 802.1Q VLAN filtering; ports then take `vlan:` (access) and `vlans:` (trunk).'),
    stp: z.boolean().optional().describe('Bridge only: run the spanning tree protocol (default off). Ports then wait 2 × forward_delay before they forward.'),
    forward_delay: Time.optional().describe('Bridge only, with `stp`: how long a port listens, then learns, before it forwards (2s..30s; default 15s).'),
    ageing_time: Time.optional().describe('Bridge only: how long a learned MAC address stays in the forwarding table (default 300s; `0s`: learn nothing, flood every frame, like a hub).'),
    mcast_snooping: z.boolean().optional().describe('Bridge only: IGMP/MLD snooping (default on); off floods multicast to every port.'),
    setup: z
      .array(Command)
      .optional()
      .describe('One-shot commands run in order in the node, in the topology\'s folder, once its links, addresses and routes exist. A failing one fails the deploy.'),
    nft: z.string().optional().describe('An nftables ruleset loaded atomically inside the node: a file (relative to the topology) or the ruleset itself (text with a newline).'),
    services: z.record(z.string(), ServiceSchema).optional().describe('Long-running processes in the node, by name.'),
  })
  .nullable()
  .describe('A node: network namespace or bridge.');

const LinkSchema = z
  .strictObject({
    endpoints: z
      .array(z.string({ error: 'an endpoint is written `node:ifname` or `bridge`' }), {
        error: 'endpoints is a list of two, like `[h1:eth0, lan]`',
      })
      .length(2, { error: 'a link has exactly two endpoints, like `[h1:eth0, lan]`' }),
    ip: z
      .array(
        z
          .union([z.string(), z.array(z.string()), z.record(z.string(), z.union([z.string(), z.array(z.string())]))], {
            error: 'an `ip` entry is an address in CIDR form, a list of them, null, or on a trunk `{ VLAN: address }`',
          })
          .nullable(),
      )
      .max(2, { error: 'ip has one entry per endpoint (at most two)' })
      .optional()
      .describe('Per endpoint in order: an address in CIDR form, a list of them (dual stack), or null to skip; on a trunk to a node, a map from VLAN to address(es), e.g. `{ 10: 10.0.10.1/24 }`.'),
    mtu: Mtu.optional(),
    txqueuelen: TxQueueLen.optional(),
    netem: LinkNetem.optional(),
    kind: z.enum(['veth', 'vxlan']).optional().describe('`veth` (default): a cable; `vxlan`: a tunnel between two nodes over addresses they already have.'),
    vlan: VlanId.optional().describe('On a link to a VLAN-aware bridge: an access port, untagged in this VLAN (its PVID).'),
    vlans: z.array(VlanId).min(1).optional().describe('A trunk: these VLANs cross the link tagged (between two bridges, or to a node, which gets an interface per VLAN, `eth0.10`).'),
    hairpin: z.boolean().optional().describe('On a link to a bridge: the port may send a frame back where it came from (CNI hairpin mode).'),
    isolated: z.boolean().optional().describe('On a link to a bridge: the port talks only to ports that are not isolated (bridge port isolation).'),
    promisc: z.boolean().optional().describe('Promiscuous mode on the link\'s node interfaces (bridge ports are always promiscuous).'),
    mac: z
      .union([z.string(), z.array(z.string().nullable()).max(2, { error: 'mac has one entry per endpoint (at most two)' })])
      .optional()
      .describe('Fixed MAC address: one per endpoint in order (null to leave one alone), like `ip:`; a single value for the first endpoint.'),
    vni: z.int().min(0).max(16777215).optional().describe('vxlan: the VXLAN network identifier (0..16777215).'),
    port: z.int().min(1).max(65535).optional().describe('vxlan: the UDP port (default 4789).'),
    underlay: z
      .array(z.string())
      .length(2, { error: 'underlay has one address per endpoint' })
      .optional()
      .describe('vxlan: the address each end sends from, in endpoint order (default: each node\'s first address).'),
    bridge: z
      .array(z.string().nullable())
      .max(2, { error: 'bridge has one entry per endpoint (at most two)' })
      .optional()
      .describe('vxlan: per endpoint, a bridge to make that end a port of (null: the end stays in its node).'),
  })
  .describe('A link between two endpoints: a veth pair, or a VXLAN tunnel.');

const Expect = z.enum(['pass', 'fail']).optional().describe('`fail` makes a negative check (isolation).');
const common = {
  name: z.string().optional(),
  expect: Expect,
  within: Time.optional().describe('Retry until it passes, for at most this long; the report gives the time it took (a convergence time).'),
  netem: z
    .record(z.string(), NetemSchema)
    .optional()
    .describe('Impairments for this check only, by `node:ifname`: applied before it, the topology\'s own restored after it.'),
};
const Target = z.string().describe('A node name (its first address), `node:ifname`, or an address.');
const Thresholds = z.strictObject({ min: Time.optional(), avg: Time.optional(), max: Time.optional() });

export const CheckBodies = {
  ping: z.strictObject({
    ...common,
    from: z.string(),
    to: Target,
    count: z.int().min(1).max(100000).optional(),
    interval: Time.optional(),
    size: z.int().min(0).max(65507).optional(),
    timeout: Time.optional(),
    max_loss: Percent.optional(),
    max_rtt: Thresholds.optional().describe('Upper bounds on RTT min/avg/max.'),
    min_rtt: Thresholds.optional().describe('Lower bounds on RTT min/avg/max (to verify a delay).'),
  }),
  reach: z.strictObject({
    ...common,
    among: z.union([z.string(), z.array(z.string())]).describe('Nodes (ranges allowed); every ordered pair must ping.'),
    count: z.int().min(1).max(100).optional(),
    timeout: Time.optional(),
  }),
  iperf: z.strictObject({
    ...common,
    from: z.string(),
    to: Target,
    protocol: z.enum(['tcp', 'udp']).optional(),
    seconds: z.number().min(1).max(3600).optional(),
    streams: z.int().min(1).max(128).optional(),
    reverse: z.boolean().optional(),
    bitrate: Rate.optional(),
    min: Rate.optional().describe('Minimum throughput, e.g. `500Mbit/s`.'),
    max_retransmits: z.int().min(0).optional(),
    max_loss: Percent.optional(),
    max_jitter: Time.optional(),
  }),
  mtu: z.strictObject({
    ...common,
    from: z.string(),
    to: Target,
    size: z.int().min(68).max(65535).optional().describe('IP packet size sent with DF set; omit to discover the path MTU.'),
    min: z.int().min(68).max(65535).optional().describe('With discovery: the smallest acceptable path MTU.'),
  }),
  connect: z.strictObject({
    ...common,
    from: z.string(),
    to: Target,
    proto: z.enum(['tcp', 'udp']).optional().describe('`tcp` (default): a connection; `udp`: a datagram that must be answered.'),
    port: z.int().min(1).max(65535).optional(),
    ports: z.array(z.int().min(1).max(65535)).min(1).optional().describe('Several ports; each must behave as expected.'),
    payload: z.string().optional().describe('UDP: what to send (default: an empty datagram).'),
    timeout: Time.optional().describe('How long to wait for an answer (default 2s).'),
  }),
  http: z.strictObject({
    ...common,
    from: z.string(),
    url: z.string().describe('The URL; node names resolve inside the lab, e.g. `http://srv:8080/`.'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']).optional(),
    status: z.int().min(100).max(599).optional().describe('The expected status (default: any 2xx).'),
    body: z.string().optional().describe('A regular expression the response body must match.'),
    timeout: Time.optional().describe('How long to wait (default 5s).'),
  }),
  route: z.strictObject({
    ...common,
    from: z.string(),
    to: Target,
    via: z.string().optional().describe('The gateway the kernel should choose.'),
    dev: z.string().optional().describe('The interface it should leave by.'),
    src: z.string().optional().describe('The source address it should use.'),
  }),
  path: z.strictObject({
    ...common,
    from: z.string(),
    to: Target,
    hops: z.array(z.string()).describe('The nodes traffic should cross between `from` and the destination, in order (`[]`: directly).'),
  }),
  capture: z.strictObject({
    ...common,
    on: z.string().describe('`node:ifname` to capture on (a bridge port too).'),
    filter: z.string().optional().describe('A BPF filter, as tcpdump takes it, e.g. `tcp port 8080`.'),
    min: z.int().min(0).optional().describe('At least this many packets.'),
    max: z.int().min(0).optional().describe('At most this many packets (`max: 0`: none).'),
    while: z.unknown().describe('A check, written as in `checks:`, run while capturing.'),
  }),
  exec: z.strictObject({
    ...common,
    node: z.string(),
    cmd: z.union([z.string(), z.array(z.string())]).describe('argv list, or a string run by /bin/sh -c.'),
    exit: z.int().min(0).max(255).optional(),
    stdout: z.string().optional().describe('A regular expression stdout must match.'),
    timeout: Time.optional(),
  }),
} as const;
export type CheckKind = keyof typeof CheckBodies;
export const CHECK_KINDS = Object.keys(CheckBodies) as CheckKind[];

/** A sweep dimension: its values, and optionally the interfaces it applies to. */
const dimension = <T extends z.ZodType>(value: T, what: string) =>
  z
    .union([z.array(value).min(1), z.strictObject({ values: z.array(value).min(1), on: z.array(z.string()).min(1).optional() })], {
      error: `a list of ${what}, or \`{ values: [...], on: [node:ifname, ...] }\``,
    })
    .optional();

const Length = z.string().regex(/^\d+[KMG]?$/, { error: 'expected an iperf3 buffer length like `128K` or `1M`' });

export const BenchSchema = z
  .strictObject({
    from: z.string().describe('The node that sends (iperf3 client).'),
    to: Target.describe('The node (or address) that receives (iperf3 server).'),
    protocol: z.enum(['tcp', 'udp']).optional(),
    seconds: z.number().min(1).max(600).optional().describe('Each measurement, after the warm-up (default 3).'),
    warmup: Time.optional().describe('A run whose figures are thrown away before each combination is measured (default 1s; 0s for none).'),
    repeat: z.int().min(1).max(100).optional().describe('Measurements per combination (default 3).'),
    streams: z.int().min(1).max(128).optional().describe('Parallel iperf3 streams (default 1).'),
    length: Length.optional().describe('iperf3 buffer length (-l).'),
    bitrate: Rate.optional().describe('UDP send rate (default 100mbit).'),
    congestion: CongestionControl.optional().describe('TCP congestion control of the sender (iperf3 -C), e.g. `cubic` or `bbr`; default: the namespace\'s, which a new namespace takes from the host.'),
    latency: z.boolean().optional().describe('Also ping during each run: latency under load (default true).'),
    sweep: z
      .strictObject({
        mtu: dimension(Mtu, 'MTUs'),
        txqueuelen: dimension(TxQueueLen, 'queue lengths'),
        streams: dimension(z.int().min(1).max(128), 'stream counts'),
        length: dimension(Length, 'buffer lengths'),
        delay: dimension(Time, 'netem delays'),
        loss: dimension(Percent, 'netem loss rates'),
        rate: dimension(Rate, 'netem rates'),
        shape: dimension(Rate, 'token-bucket rates'),
        queue: dimension(z.enum(SHAPE_QUEUES), 'queues in front of the shaper (`shape.queue`; needs a shaper: declared, or `shape` swept)'),
        offload: dimension(z.enum(['on', 'off']), 'GSO, GRO and TSO together, set with ethtool'),
        congestion: dimension(CongestionControl, 'TCP congestion controls of the sender'),
      })
      .describe('Settings to sweep; every combination is measured. Interface settings apply to every interface on the path unless `on:` says otherwise.'),
  })
  .describe('A tuning benchmark (`nslab bench`): deploy once, apply each combination live, measure.');
export type RawBench = z.infer<typeof BenchSchema>;
export const DIMENSIONS = ['mtu', 'txqueuelen', 'offload', 'streams', 'length', 'congestion', 'delay', 'loss', 'rate', 'shape', 'queue'] as const;
export type DimensionName = (typeof DIMENSIONS)[number];

const topologyFields = {
  name: z.string({ error: 'the lab needs a name, like `name: office`' }).describe('Lab name: 1-12 chars, [a-z0-9-], starts with a letter.'),
  defaults: z
    .strictObject({ mtu: Mtu.optional(), txqueuelen: TxQueueLen.optional() })
    .optional()
    .describe('Inherited by every interface.'),
  ipam: z
    .strictObject({
      p2p: z.string().optional().describe('IPv4 pool: links between two namespaces without `ip` get a /30 from it.'),
      p2p6: z.string().optional().describe('IPv6 pool: links between two namespaces without `ip` get a /64 from it.'),
    })
    .optional(),
  nodes: z.record(z.string(), NodeSchema, { error: 'nodes is a map of node name to node' }),
  links: z.array(LinkSchema).optional(),
  bench: BenchSchema.optional(),
};

/**
 * Scenario steps: each `{ <kind>: … }`, validated one by one (scenarios.ts)
 * like checks, so an error points into its step. A `check` step holds a
 * check as written in `checks:`.
 */
export const StepBodies = {
  watch: z
    .strictObject({
      name: z.string().optional(),
      ping: z.strictObject({
        from: z.string(),
        to: Target,
        interval: Time.optional().describe('Between probes (default 10ms); the outage is measured to within twice this.'),
      }),
      max_outage: Time.optional().describe('The longest time without an answer allowed, e.g. `2s`.'),
      max_loss: Percent.optional().describe('The most probes allowed to go unanswered, e.g. `5%`.'),
    })
    .describe('A probe that runs in the background until the scenario ends, measuring loss and the longest outage.'),
  link: z
    .union([z.strictObject({ down: z.string() }), z.strictObject({ up: z.string() })], { error: 'a link step is `{ down: node:ifname }` or `{ up: node:ifname }`' })
    .describe('Take an interface down (its peer loses carrier), or up again with everything the topology gives it.'),
  check: z.unknown().describe('A check, written as in `checks:` (`within:` makes it wait for convergence).'),
  impair: z.record(z.string(), NetemSchema.nullable()).describe('Impairments by `node:ifname`; `null` puts the topology\'s own back.'),
  service: z
    .union([z.strictObject({ start: z.string() }), z.strictObject({ stop: z.string() }), z.strictObject({ restart: z.string() })], { error: 'a service step is `{ start | stop | restart: node/service }`' })
    .describe('Start, stop or restart a service (restart waits until it is ready).'),
  exec: z
    .strictObject({ node: z.string(), cmd: z.union([z.string(), z.array(z.string())]), exit: z.int().min(0).max(255).optional(), timeout: Time.optional() })
    .describe('Run a command in a node; a different exit status (default 0) fails the step.'),
  wait: Time.describe('Do nothing for this long.'),
} as const;
export type StepKind = keyof typeof StepBodies;
export const STEP_KINDS = Object.keys(StepBodies) as StepKind[];
export type RawStep = { [K in StepKind]: z.infer<(typeof StepBodies)[K]> };

/** Structural validation. Checks and scenario steps are validated one by one (see build.ts) so their errors stay precise. */
export const TopologyFileSchema = z.strictObject({
  ...topologyFields,
  checks: z.array(z.unknown()).optional(),
  scenarios: z.record(z.string(), z.array(z.unknown()), { error: 'scenarios is a map of scenario name to a list of steps' }).optional(),
});
export type TopologyFile = z.infer<typeof TopologyFileSchema>;
export type RawNode = NonNullable<z.infer<typeof NodeSchema>>;
export type RawService = z.infer<typeof ServiceSchema>;
export type RawCommand = z.infer<typeof Command>;
export type RawLink = z.infer<typeof LinkSchema>;
export type RawNetem = z.infer<typeof NetemSchema>;
export type RawShape = z.infer<typeof Shape>;
export type RawGilbertElliott = z.infer<typeof GilbertElliott>;
export type RawCheck = { [K in CheckKind]: z.infer<(typeof CheckBodies)[K]> };

const CheckItemSchema = z.union(
  CHECK_KINDS.map((k) => z.strictObject({ [k]: CheckBodies[k] })) as unknown as [z.ZodObject, z.ZodObject],
);

/** The JSON Schema of the file format, for editors (yaml-language-server) and `nslab schema`. */
export function topologyJsonSchema(): object {
  // A check step: a check, with `within:` allowed beside it.
  const checkStep = z.union(CHECK_KINDS.map((k) => z.strictObject({ [k]: CheckBodies[k], within: CheckBodies[k].shape.within })) as unknown as [z.ZodObject, z.ZodObject]);
  const step = z.union(STEP_KINDS.map((k) => z.strictObject({ [k]: k === 'check' ? checkStep : StepBodies[k] })) as unknown as [z.ZodObject, z.ZodObject]);
  const full = z
    .strictObject({
      ...topologyFields,
      checks: z.array(CheckItemSchema).optional(),
      scenarios: z.record(z.string(), z.array(step)).optional().describe('Named lists of steps — events, checks, waits — run after the checks, each from the lab as the file describes it.'),
    })
    .describe('An nslab lab topology (format v1.1).');
  return {
    ...z.toJSONSchema(full, { target: 'draft-7', io: 'input' }),
    $id: 'https://nslab.dev/schema/topology-v1.json',
    title: 'nslab topology',
  };
}
