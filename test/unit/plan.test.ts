/**
 * Golden plans: every example topology compiles to the plan checked in under
 * test/fixtures/golden. A change to a plan shows up in review as a diff of
 * these files. Regenerate deliberately with `UPDATE_GOLDEN=1 npx vitest run test/unit/plan.test.ts`.
 */
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { creationPlan } from '../../src/compile/create.js';
import { buildGraph } from '../../src/compile/graph.js';
import { toDot, toMermaid } from '../../src/render/diagram.js';
import { assertOrdered, type Plan } from '../../src/compile/plan.js';
import { footprintOf, teardownPlan } from '../../src/compile/teardown.js';
import { planToJson } from '../../src/render/plan-json.js';
import { commandLine, planToShell } from '../../src/render/plan-sh.js';
import { loadTopology } from '../../src/topology/load.js';
import { labFixture, read, rel, TOPOLOGIES, yamlFiles } from '../helpers/fixtures.js';
import { golden } from '../helpers/golden.js';

// The 1000-host star's plan as JSON would be a megabyte nobody reviews; its
// shell plans are golden files all the same.
const WITHOUT_JSON_GOLDEN = new Set(['star1000']);

for (const file of yamlFiles(TOPOLOGIES)) {
  const name = basename(file, '.yaml');
  describe(`golden plans: topologies/${name}.yaml`, () => {
    // Compiled inside each test, never in the describe body, where mutation
    // testing cannot see it (see validation.test.ts).
    const lab = () => loadTopology(rel(file), read(file));
    const create = () => creationPlan(lab());

    it('creation plan as shell matches the golden file', () => golden(`${name}.create.sh`, planToShell(create(), 'golden')));
    it('teardown plan as shell matches the golden file', () => {
      const l = lab();
      golden(`${name}.teardown.sh`, planToShell(teardownPlan(footprintOf(l), l.file), 'golden'));
    });
    if (!WITHOUT_JSON_GOLDEN.has(name)) {
      it('creation plan as JSON matches the golden file', () => golden(`${name}.create.json`, planToJson(create())));
    }
    it('is deterministic', () => {
      expect(planToJson(create())).toBe(planToJson(create()));
    });
    // The diagrams come from the same graph: a change to either shows up here.
    it('diagram as Mermaid matches the golden file', () => golden(`${name}.mmd`, toMermaid(buildGraph(lab()))));
    it('diagram as DOT matches the golden file', () => golden(`${name}.dot`, toDot(buildGraph(lab()), lab().name)));
    if (name !== 'star1000') it('diagram with every node drawn (--expand) matches the golden file', () => golden(`${name}.expanded.mmd`, toMermaid(buildGraph(lab()), { expand: true })));
  });
}

// Fixture labs whose plans hold what no example's does (a host attachment with NAT and
// published ports, an IPv6 gateway, an impaired bridge port): golden like the examples'.
for (const name of ['host-attach', 'bridge-ranges', 'port-options', 'node-software']) {
  describe(`golden plans: test/fixtures/labs/${name}.yaml`, () => {
    const lab = () => labFixture(`${name}.yaml`);
    it('creation plan as JSON (steps, dependencies, why) matches the golden file', () => golden(`labs/${name}.create.json`, planToJson(creationPlan(lab()))));
    it('teardown plan as shell and as JSON (ids, why, "already gone is fine") matches the golden files', () => {
      const l = lab();
      golden(`labs/${name}.teardown.sh`, planToShell(teardownPlan(footprintOf(l), l.file), 'golden'));
      golden(`labs/${name}.teardown.json`, planToJson(teardownPlan(footprintOf(l), l.file)));
    });
    it('orders every dependency before its dependant', () => expect(() => assertOrdered(creationPlan(lab()))).not.toThrow());
    it('diagrams (Mermaid, DOT, Mermaid expanded) match the golden files', () => {
      golden(`labs/${name}.mmd`, toMermaid(buildGraph(lab())));
      golden(`labs/${name}.dot`, toDot(buildGraph(lab()), lab().name));
      golden(`labs/${name}.expanded.mmd`, toMermaid(buildGraph(lab()), { expand: true }));
    });
  });
}

describe('plan structure', () => {
  // Built inside each test (mutation testing cannot see describe bodies).
  const lanPlan = () => creationPlan(loadTopology('topologies/lan.yaml', read(join(TOPOLOGIES, 'lan.yaml'))));
  const step = (id: string) => lanPlan().steps.find((s) => s.id === id);

  it('orders every dependency before its dependant', () => {
    expect(() => assertOrdered(lanPlan())).not.toThrow();
  });
  it('detects a plan that is out of order', () => {
    const plan = lanPlan();
    const broken: Plan = { ...plan, steps: [...plan.steps].reverse() };
    expect(() => assertOrdered(broken)).toThrow(/depends on/);
    const twice: Plan = { ...plan, steps: [plan.steps[0]!, plan.steps[0]!] };
    expect(() => assertOrdered(twice)).toThrow(`plan bug: duplicate step id ${plan.steps[0]!.id}`);
  });
  it('creates namespaces and veth pairs on the host, both ends placed directly', () => {
    const veth = step('veth:0')!;
    expect(veth.ns).toBeNull();
    expect(veth.argv).toEqual(['ip', 'link', 'add', 'name', 'eth0', 'mtu', '1500', 'txqueuelen', '1000', 'netns', 'lan-rtr', 'type', 'veth', 'peer', 'name', 'rtr-eth0', 'mtu', '1500', 'txqueuelen', '1000', 'netns', 'lan-office']);
    expect(veth.deps).toEqual(['netns:rtr', 'netns:office']);
  });
  it('keeps namespace steps depending on host steps, their own namespace, or the bridge port they plug into', () => {
    const plan = lanPlan();
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    for (const s of plan.steps) {
      for (const d of s.deps) {
        const dep = byId.get(d)!;
        expect(dep.ns === null || dep.ns === s.ns || d.startsWith('port:'), `${s.id} -> ${d}`).toBe(true);
      }
    }
  });
  it('configures a node interface only after the bridge port it plugs into is up (else the first ARP is lost)', () => {
    expect(step('lo:pc1')!.deps).toContain('port:office:pc1-eth0');
    expect(step('up:pc1:eth0')!.deps).toContain('port:office:pc1-eth0');
  });
  it('adds routes only after every address and interface of the node is up', () => {
    const route = step('route:pc1:default')!;
    expect(route.deps).toEqual(expect.arrayContaining(['addr:pc1:eth0:10.0.1.2/24', 'up:pc1:eth0']));
  });
  it('turns off IPv6 link-local generation only where the interface has no IPv6', () => {
    expect(step('gen:srv:eth0')!.argv).toEqual(['ip', 'link', 'set', 'dev', 'eth0', 'addrgenmode', 'none']);
    expect(step('gen:pc1:eth0')).toBeUndefined();
    expect(step('gen:office:pc1-eth0')!.argv).toEqual(['ip', 'link', 'set', 'dev', 'pc1-eth0', 'addrgenmode', 'none']);
    expect(step('gen:office')!.argv).toEqual(['ip', 'link', 'set', 'dev', 'office', 'addrgenmode', 'none']);
  });
  it('turns it off before the interface goes up, in a step of its own (in the same request it comes after the flags: too late)', () => {
    expect(step('up:srv:eth0')!.argv).toEqual(['ip', 'link', 'set', 'dev', 'eth0', 'up']);
    expect(step('up:srv:eth0')!.deps).toContain('gen:srv:eth0');
    expect(step('port:office:pc1-eth0')!.argv).toEqual(['ip', 'link', 'set', 'dev', 'pc1-eth0', 'master', 'office', 'up']);
    expect(step('port:office:pc1-eth0')!.deps).toContain('gen:office:pc1-eth0');
    expect(step('up:office')!.deps).toContain('gen:office');
  });
  it('adds IPv6 addresses without duplicate address detection', () => {
    expect(step('addr:pc1:eth0:fd00:1::2/64')!.argv).toEqual(['ip', 'addr', 'add', 'fd00:1::2/64', 'dev', 'eth0', 'nodad']);
  });
  it('traces every step to a line of the topology', () => {
    for (const s of lanPlan().steps) expect(s.source?.file).toBe('topologies/lan.yaml');
    // line 20 of lan.yaml: `      net.ipv4.ip_forward: 1`
    expect(step('sysctl:rtr:net.ipv4.ip_forward')!.source).toMatchObject({ line: 20, col: 7 });
  });
  it('renders namespace steps as `ip -n` / `ip netns exec` command lines', () => {
    expect(commandLine(step('up:pc1:eth0')!)).toBe('ip -n lan-pc1 link set dev eth0 up');
    expect(commandLine(step('sysctl:rtr:net.ipv4.ip_forward')!)).toBe('ip netns exec lan-rtr sysctl -w net.ipv4.ip_forward=1');
  });
});

describe('teardown plan', () => {
  const lab = () => loadTopology('t.yaml', `
name: t
nodes:
  h1: {}
  lan: { kind: bridge, subnet: 10.0.0.0/24, host: { ip: 10.0.0.1/24, nat: true } }
links:
  - endpoints: [h1:eth0, lan]
`);
  it('removes tagged host objects, then every namespace; absence is fine', () => {
    const plan = teardownPlan(footprintOf(lab()));
    expect(plan.steps.map((s) => s.argv.join(' '))).toEqual([
      expect.stringMatching(/^iptables -w -t nat -D POSTROUTING -s 10\.0\.0\.0\/24 ! -o nsl[0-9a-f]{8} -m comment --comment nslab:t -j MASQUERADE$/),
      expect.stringMatching(/^ip link del dev nsl[0-9a-f]{8}$/),
      'ip netns del t-h1',
      'ip netns del t-lan',
    ]);
    expect(plan.steps.every((s) => s.ifAbsent === 'ok')).toBe(true);
  });
  it('deletes with the same rule words the creation plan added', () => {
    const plan = teardownPlan(footprintOf(lab()));
    const add = creationPlan(lab()).steps.find((s) => s.id === 'hostnat:lan')!;
    expect(plan.steps[0]!.argv.slice(5)).toEqual(add.argv.slice(5));
  });
});
