/**
 * nslab as a library, the way a project writes its own network regression
 * tests in vitest: start a lab, check it, tear it down after the suite.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type LabHandle } from '../../src/index.js';
import { TOPOLOGIES } from '../helpers/fixtures.js';
import { isRoot, missingFeature, namespaces, uniqueName } from '../helpers/lab.js';

describe.skipIf(!isRoot)('library API: startLab / check / exec / down', () => {
  let lab: LabHandle;
  beforeAll(async () => {
    lab = await startLab(join(TOPOLOGIES, 'lan.yaml'), { name: uniqueName() });
  });
  afterAll(() => lab?.down());

  it('pc1 reaches the server through the router', async () => {
    const r = await lab.check({ ping: { from: 'pc1', to: 'srv', count: 2, max_loss: '0%' } });
    expect(r.status).toBe('pass');
  });

  it('an MTU check that must fail, fails', async () => {
    const r = await lab.check({ mtu: { from: 'pc1', to: 'srv', size: 9000 } });
    expect(r.status).toBe('fail');
  });

  it('runs commands in nodes', async () => {
    const r = await lab.exec('rtr', ['sysctl', '-n', 'net.ipv4.ip_forward']);
    expect(r.stdout.trim()).toBe('1');
  });

  it("runs the topology's own checks", async () => {
    const results = await lab.checks();
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'pass'));
  });

  it('exec on a node the lab does not have rejects with the nodes there are, not nsenter\'s error', async () => {
    await expect(lab.exec('pc9', ['true'])).rejects.toThrow(/has no node pc9/);
    await expect(lab.exec('office', ['true'])).rejects.toThrow(/is a bridge/);
  });

  it('rejects a check that names no node of the lab, before running anything', async () => {
    await expect(lab.check({ ping: { from: 'pc9', to: 'srv' } })).rejects.toThrow(/unknown node `pc9`/);
  });

  it('impairs an interface at run time and puts the topology\'s own back (with tbf)', async (ctx) => {
    const noTbf = await missingFeature('tbf');
    ctx.skip(noTbf !== undefined, noTbf);
    const shaped = await lab.impair('srv:eth0', { shape: { rate: '5mbit' } });
    expect(shaped?.tbf?.rateBps).toBe(5e6);
    const r = await lab.check({ iperf: { from: 'srv', to: 'pc1', seconds: 2, min: '6Mbit/s' } });
    expect(r.status, 'srv sends through a 5mbit bucket').toBe('fail');
    expect(await lab.impair('srv:eth0', null)).toBeUndefined();
    await expect(lab.impair('srv:eth9', null)).rejects.toThrow(/has no interface srv:eth9/);
    await expect(lab.impair('srv:eth0', { jitter: '5ms' })).rejects.toThrow(/jitter needs a delay/);
  }, 30_000);

  it('apply changes the running lab into a changed topology; `lab` is the new one, the rest kept running', async () => {
    const grown = readFileSync(join(TOPOLOGIES, 'changes/lan-grown.yaml'), 'utf8');
    const changes = await lab.apply({ text: grown, file: join(TOPOLOGIES, 'changes/lan-grown.yaml') });
    expect(changes.filter((c) => c.op === '+').map((c) => c.what)).toEqual(['node pc4', 'node web', 'link pc4:eth0 <-> office:pc4-eth0', 'link web:eth0 <-> dc:web-eth0']);
    expect(lab.lab.nodes.map((n) => n.name)).toContain('web');
    expect((await lab.check({ http: { from: 'pc4', url: 'http://web:8080/' } })).status).toBe('pass');
  });

  it('down removes the lab and is safe to call twice', async () => {
    const name = lab.lab.name;
    await lab.down();
    await lab.down();
    expect(namespaces(`${name}-`)).toEqual([]);
  });
});
