/**
 * VLAN-aware bridges and VLAN interfaces, on a kernel that has them. This
 * host's kernel has neither bridge VLAN filtering nor 8021q, so CI runs this
 * file inside Debian's stock kernel under QEMU (`npm run test:vm`). On a
 * kernel without them every test here is reported as skipped, with the
 * reason in its name — never passed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLab } from '../../src/apply/apply.js';
import { down } from '../../src/exec/down.js';
import { up } from '../../src/exec/up.js';
import { verifyRunning } from '../../src/exec/verify.js';
import { runLab } from '../../src/session/session.js';
import { loadTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { TOPOLOGIES } from '../helpers/fixtures.js';
import { isRoot, kernelDiff, labFromFile, missingFeature, ping, renamed, runner, uniqueName } from '../helpers/lab.js';

const skipReason = isRoot ? ((await missingFeature('vlan-filtering')) ?? (await missingFeature('8021q'))) : 'needs root';
const title = (t: string) => (skipReason ? `${t} — skipped: ${skipReason}` : t);
const nsOf = (lab: Lab, node: string) => lab.nodes.find((n) => n.name === node)!.ns;

describe.skipIf(skipReason)(title('topologies/vlans.yaml'), () => {
  it('deploys, reads back (VLANs per port, VLAN interfaces), and its checks pass: reach across the trunk, routing between VLANs, isolation', async () => {
    const lab = labFromFile(join(TOPOLOGIES, 'vlans.yaml'));
    const report = await runLab(lab, lab.checks);
    expect(report.deploy?.status, report.deploy?.stderr).toBe('pass');
    for (const c of report.checks) expect(c.status, `${c.name}: ${c.message}`).toBe('pass');
    expect(report.teardown?.status).toBe('pass');
  }, 120_000);

  it('the kernel holds what the plan says; a port moved to another VLAN by hand is reported', async () => {
    const lab = labFromFile(join(TOPOLOGIES, 'vlans.yaml'));
    try {
      await up(lab);
      expect(await kernelDiff(lab)).toEqual([]);
      const sw1 = nsOf(lab, 'sw1');
      spawnSync('ip', ['netns', 'exec', sw1, 'bridge', 'vlan', 'add', 'dev', 'a10-eth0', 'vid', '20']);
      expect(await kernelDiff(lab)).toContainEqual(expect.stringMatching(/a10-eth0: VLANs 10 pvid untagged, 20, expected 10 pvid untagged/));
    } finally {
      await down(lab.name);
    }
  }, 120_000);
});

describe.skipIf(skipReason)(title('apply on VLANs'), () => {
  it('moves a port to another VLAN live: the spy becomes reachable, namespaces keep their identity, --verify passes against the new file', async () => {
    const name = uniqueName();
    const dir = mkdtempSync(join(tmpdir(), 'nslab-vlan-apply-'));
    const before = join(dir, 'before.yaml');
    const after = join(dir, 'after.yaml');
    const text = renamed(readFileSync(join(TOPOLOGIES, 'vlans.yaml'), 'utf8'), name);
    writeFileSync(before, text);
    writeFileSync(after, text.replace(/(endpoints: \[spy:eth0, sw1\]\n\s+vlan:) 20/, '$1 10'));
    const from = loadTopology(before, text);
    const to = loadTopology(after, readFileSync(after, 'utf8'));
    try {
      await up(from);
      const inode = statSync(`/run/netns/${nsOf(from, 'spy')}`).ino;
      expect(ping(nsOf(from, 'a10'), '10.40.10.99', { count: 1 })).toBe(false);
      const r = await applyLab(to, { runner });
      expect(r.change.changes.map((c) => `${c.what}: ${c.detail}`)).toEqual(['sw1:spy-eth0 port: VLANs 20 untagged → 10 untagged']);
      expect(ping(nsOf(to, 'a10'), '10.40.10.99', { within: 5 })).toBe(true);
      expect(statSync(`/run/netns/${nsOf(to, 'spy')}`).ino).toBe(inode);
      expect(await verifyRunning(to, runner)).toEqual([]);
    } finally {
      await down(name);
    }
  }, 120_000);
});
