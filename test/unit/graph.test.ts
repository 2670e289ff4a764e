/**
 * The lab as a graph (compile/graph.ts), the one model plans and diagrams
 * are drawn from: a vertex per namespace, interface, the host and each far
 * side of a tunnel to another host; `in` edges from an interface to its
 * namespace, `veth` and `tunnel` edges between ends — checked vertex by
 * vertex and edge by edge on small labs.
 */
import { describe, expect, it } from 'vitest';
import { buildGraph, HOST, interfacesIn, nsVertex, peerOf, type LabGraph } from '../../src/compile/graph.js';
import { parseHostsFile } from '../../src/multihost/hosts-file.js';
import { placementOf } from '../../src/multihost/place.js';
import { splitLab } from '../../src/multihost/split.js';
import { loadTopology } from '../../src/topology/load.js';
import { labFixture } from '../helpers/fixtures.js';

const vertices = (g: LabGraph) => g.mapNodes((v, a) => `${v} ${a.type}${a.type === 'interface' ? ` ns=${a.ns}` : ''}`);
const edges = (g: LabGraph) => g.mapEdges((_e, a, s, t, _sa, _ta, undirected) => `${s} ${undirected ? '—' : '→'}${a.type}${a.type === 'veth' ? `#${a.linkIndex}` : ''} ${t}`);

describe('graph: namespaces, interfaces in them, veths between them, and the host only when a bridge is attached to it', () => {
  it('a link: two interfaces, each in its namespace, one veth', () => {
    const g = buildGraph(loadTopology('l.yaml', 'name: l\nnodes: { a: {}, b: {} }\nlinks:\n  - endpoints: [a:eth0, b:eth1]\n'));
    expect(vertices(g)).toEqual(['ns:a namespace', 'ns:b namespace', 'if:a:eth0 interface ns=l-a', 'if:b:eth1 interface ns=l-b']);
    expect(edges(g)).toEqual(['if:a:eth0 →in ns:a', 'if:b:eth1 →in ns:b', 'if:a:eth0 —veth#0 if:b:eth1']);
    expect(interfacesIn(g, nsVertex('a'))).toEqual(['if:a:eth0']);
    expect(peerOf(g, 'if:a:eth0')).toBe('if:b:eth1');
  });

  it('a host attachment: the host vertex once, its interface in the host (no namespace), a veth to the bridge\'s port', () => {
    const g = buildGraph(labFixture('host-attach.yaml'));
    const host = vertices(g).filter((v) => v.startsWith('host') || v.startsWith('if:host:') || v.includes(':host0'));
    expect(host).toEqual(['host host', 'if:host:nslca6b14cd interface ns=null', 'if:lan:host0 interface ns=ha-lan', 'if:host:nsl7510cf89 interface ns=null', 'if:v6:host0 interface ns=ha-v6']);
    expect(edges(g).filter((e) => e.includes('nsl') || e.includes('host0'))).toEqual([
      'if:host:nslca6b14cd →in host', 'if:lan:host0 →in ns:lan', 'if:host:nslca6b14cd —veth#null if:lan:host0',
      'if:host:nsl7510cf89 →in host', 'if:v6:host0 →in ns:v6', 'if:host:nsl7510cf89 —veth#null if:v6:host0',
    ]);
    expect(interfacesIn(g, HOST)).toEqual(['if:host:nslca6b14cd', 'if:host:nsl7510cf89']);
    // a bridge without `host:` adds nothing of the host's
    expect(buildGraph(loadTopology('b.yaml', 'name: b\nnodes: { a: {}, sw: { kind: bridge } }\nlinks:\n  - endpoints: [a:eth0, sw]\n')).hasNode(HOST)).toBe(false);
  });

  it('a part of a lab over hosts: each tunnel end an interface of its node, joined by a tunnel edge to the far side', () => {
    const lab = loadTopology('c.yaml', 'name: c\nnodes: { a: {}, b: {} }\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n');
    const { spec } = parseHostsFile('h.yaml', 'hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n');
    const part = splitLab(lab, spec!, placementOf(lab, spec!, new Map([['a', 'ha'], ['b', 'hb']]))).split!.parts.get('ha')!;
    const g = buildGraph(part);
    expect(vertices(g)).toEqual(['ns:a namespace', 'if:a:eth0 interface ns=c-a', 'remote:a:eth0 remote']);
    expect(edges(g)).toEqual(['if:a:eth0 →in ns:a', 'if:a:eth0 —tunnel remote:a:eth0']);
    expect(g.getNodeAttributes('if:a:eth0')).toMatchObject({ tunnel: { remotes: ['192.0.2.11'] } });
    expect(interfacesIn(g, nsVertex('a'))).toEqual(['if:a:eth0']);
  });
});
