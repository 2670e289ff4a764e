/**
 * The 1000-host star over simulated hosts: it deploys, its reach check
 * passes across the cut, and how long the deploy takes over 1, 2 and 3
 * hosts is printed beside a plain `nslab up` on one of them (`npm run test:multihost`; the figures go to
 * $NSLAB_FIGURES as JSON when set). On one machine the simulated hosts
 * share its two cores, so more hosts cannot mean faster here: the figure
 * shows the cost of the split (ssh, tunnels, one coordinator), not a speed-up.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, renamed, uniqueName } from '../helpers/lab.js';
import { expectOutput } from '../helpers/outputs.js';
import { startCluster, type Cluster } from '../helpers/simhosts.js';

describe.runIf(isRoot)('the 1000-host star over simulated hosts', () => {
  let cluster: Cluster;
  const lab = uniqueName();
  let file: string;
  const figures: { hosts: number | 'local'; up_s: number; down_s: number; tunnels: number }[] = [];
  const NSLAB = `${process.execPath} ${join(import.meta.dirname, '../../bin/nslab.js')}`;

  beforeAll(async () => {
    cluster = await startCluster(uniqueName().slice(0, 8), 3);
    file = join(cluster.dir, 'star.yaml');
    writeFileSync(file, renamed(readFileSync('topologies/star1000.yaml', 'utf8'), lab));
  }, 60_000);
  afterAll(async () => {
    cluster?.nslab(['down', lab, '--hosts', cluster.hostsFile]);
    await cluster?.close();
    if (figures.length) {
      console.log(`star of 1000 over simulated hosts (one machine, ${figures.length} runs):\n${figures.map((f) => `  ${f.hosts === 'local' ? 'no --hosts, on one host' : `${f.hosts} host${f.hosts > 1 ? 's' : ''}`}: up ${f.up_s.toFixed(2)} s, down ${f.down_s.toFixed(2)} s, ${f.tunnels} tunnel${f.tunnels === 1 ? '' : 's'}`).join('\n')}`);
      if (process.env.NSLAB_FIGURES) writeFileSync(process.env.NSLAB_FIGURES, JSON.stringify({ star1000_over_hosts: figures }, null, 2));
    }
  }, 120_000);

  it('deploys on one simulated host without --hosts (the reference: no ssh, no coordinator)', () => {
    let t0 = performance.now();
    const up = cluster.onHost('m1', `${NSLAB} up ${file} --quiet`);
    const upS = (performance.now() - t0) / 1000;
    expect(up.code, up.stderr).toBe(0);
    t0 = performance.now();
    expect(cluster.onHost('m1', `${NSLAB} down ${lab}`).code).toBe(0);
    figures.push({ hosts: 'local', up_s: upS, down_s: (performance.now() - t0) / 1000, tunnels: 0 });
  }, 300_000);

  for (const k of [1, 2, 3]) {
    it(`deploys over ${k} host${k > 1 ? 's' : ''}, reaches across the cut, and leaves nothing behind`, () => {
      const hosts = join(cluster.dir, `hosts${k}.yaml`);
      const all = readFileSync(cluster.hostsFile, 'utf8');
      writeFileSync(hosts, all.replace(/( {2}m(\d): .*\n)/g, (line, _l, n: string) => (Number(n) <= k ? line : '')));
      let t0 = performance.now();
      const up = cluster.nslab(['up', file, '--hosts', hosts, '--json']);
      const upS = (performance.now() - t0) / 1000;
      expect(up.code, up.stderr).toBe(0);
      const tunnels = expectOutput('multihost', up.stdout).tunnels as number;
      // One VNI joins the bridge's copies, on however many hosts.
      expect(tunnels).toBe(k > 1 ? 1 : 0);
      // The star's own check: reach among h1…h10 and h1000, which the placement puts on the first and the last host.
      const test = cluster.nslab(['test', file, '--hosts', hosts, '--json', '-']);
      const results = expectOutput('report', test.stdout).suites[0].results;
      expect(results[0], test.stderr).toMatchObject({ kind: 'reach', status: 'pass', metrics: { pairs: 110, pairs_reached: 110 } });
      t0 = performance.now();
      expect(cluster.nslab(['down', lab, '--hosts', hosts]).code).toBe(0);
      figures.push({ hosts: k, up_s: upS, down_s: (performance.now() - t0) / 1000, tunnels });
      for (const h of cluster.hosts) expect(cluster.onHost(h.name, 'ip netns list | wc -l').stdout.trim(), h.name).toBe('0');
    }, 300_000);
  }
});
