/**
 * Impairments on this host's kernel: what it has (tbf shaping) is tested
 * here for real; what it lacks (netem) must be refused before anything is
 * deployed, with what to do. netem itself is measured under QEMU
 * (test/kernel/netem.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run.js';
import { down } from '../../src/exec/down.js';
import { up } from '../../src/exec/up.js';
import { readImpairments } from '../../src/impair/apply.js';
import type { Lab } from '../../src/topology/model.js';
import { ROOT, TOPOLOGIES } from '../helpers/fixtures.js';
import { iperfPair, isRoot, kernelDiff, labFromText, liveLab, missingFeature, namespaces, pairTopology, renamed, runner, uniqueName, withLab } from '../helpers/lab.js';
import { expectOutput } from '../helpers/outputs.js';

const nslab = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), ...args], { encoding: 'utf8' });
const tbfMissing = isRoot ? await missingFeature('tbf') : 'needs root';
const netemMissing = isRoot ? await missingFeature('netem') : 'needs root';

const PAIR = pairTopology();
const nsOf = (lab: Lab, node: string) => lab.nodes.find((n) => n.name === node)!.ns;

describe.skipIf(!isRoot || netemMissing === undefined)(
  `a lab that needs netem on a kernel without it${netemMissing === undefined ? ' — skipped: this kernel has netem' : ''}`,
  () => {
    it('is refused before anything is deployed: exit 4, what is missing and what to do', () => {
      const name = uniqueName();
      const file = join(mkdtempSync(join(tmpdir(), 'nslab-')), 'wan.yaml');
      writeFileSync(file, renamed(readFileSync(join(TOPOLOGIES, 'wan.yaml'), 'utf8'), name));
      const r = nslab('up', file);
      expect(r.status).toBe(4);
      expect(r.stderr).toContain('this kernel cannot do what the lab needs: netem');
      expect(r.stderr).toContain('modprobe sch_netem');
      expect(namespaces(`${name}-`)).toEqual([]);
    });
    it('nslab impair --delay says the same, and changes nothing', async () => {
      const lab = labFromText(PAIR);
      try {
        await up(lab);
        const r = nslab('impair', lab.name, 'a:eth0', '--delay', '10ms');
        expect(r.status).toBe(4);
        expect(r.stderr).toContain('netem');
        expect(await readImpairments(runner, nsOf(lab, 'a'))).toEqual([]);
      } finally {
        await down(lab.name);
      }
    });
  },
);

describe.skipIf(tbfMissing)(`shaping with a token bucket (tbf)${tbfMissing ? ` — skipped: ${tbfMissing}` : ''}`, () => {
  it('a link shaped to 20mbit is read back and carries TCP at close to 20 Mbit/s', async () => {
    const bps = await withLab(pairTopology('{ a: { shape: { rate: 20mbit } } }'), (lab) => iperfPair(lab));
    expect(bps).toBeGreaterThan(0.8 * 20e6);
    expect(bps).toBeLessThan(1.05 * 20e6);
  }, 60_000);

  describe('a check that shapes a link for itself', () => {
    const live = liveLab(() =>
      labFromText(`${PAIR}checks:
  - iperf:
      name: shaped
      from: a
      to: b
      seconds: 2
      min: 4Mbit/s
      netem:
        a:eth0: { shape: { rate: 5mbit } }
  - iperf: { name: shaped too hard, from: a, to: b, seconds: 2, min: 10Mbit/s, netem: { a:eth0: { shape: { rate: 5mbit } } } }
`),
    );
    it('measures through the shaper, fails a floor above it, and leaves the link as declared', async () => {
      const lab = live();
      const results = await runChecks(lab);
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      expect(byName.shaped?.status, byName.shaped?.message).toBe('pass');
      expect(byName['shaped too hard']?.status).toBe('fail');
      expect(byName.shaped?.commands.join('\n')).toContain('tbf rate 5mbit');
      expect(await readImpairments(runner, nsOf(lab, 'a'))).toEqual([]);
      expect(await kernelDiff(lab)).toEqual([]);
    }, 60_000);
  });

  describe('nslab impair', () => {
    const live = liveLab(() => labFromText(PAIR), { waitReady: false });
    it('--shape, --show and --clear, read back from the kernel', () => {
      const lab = live();
      const set = nslab('impair', lab.name, 'a:eth0', '--shape', '5mbit', '--json');
      expect(set.status, set.stderr).toBe(0);
      expect((expectOutput('impair', set.stdout).impairment as { tbf: unknown }).tbf).toMatchObject({ rate_bps: 5e6 });
      const show = nslab('impair', lab.name, '--show', '--json');
      expect(expectOutput('impair', show.stdout).impairments).toEqual([expect.objectContaining({ node: 'a', ifname: 'eth0' })]);
      expect(nslab('impair', lab.name, 'a:eth0', '--clear').status).toBe(0);
      expect(nslab('impair', lab.name).stdout).toContain('no impairments');
    });
    it('bad input exits 2 with what is wrong', () => {
      const lab = live();
      const unit = nslab('impair', lab.name, 'a:eth0', '--delay', '10');
      expect(unit.status).toBe(2);
      expect(unit.stderr).toContain('--delay: expected a time with a unit');
      const node = nslab('impair', lab.name, 'zz:eth0', '--shape', '1mbit');
      expect(node.status).toBe(2);
      expect(node.stderr).toContain('has no node zz');
      const iface = nslab('impair', lab.name, 'a:eth9', '--shape', '1mbit');
      expect(iface.status).toBe(2);
      expect(iface.stderr).toContain('a has no interface eth9');
      const nothing = nslab('impair', lab.name, 'a:eth0');
      expect(nothing.status).toBe(2);
      expect(nothing.stderr).toContain('nothing to apply');
    });
  });
});

describe.skipIf(!isRoot)('nslab doctor', () => {
  it('reports tools and kernel features as probed, and exits 0 on a host that can deploy', async () => {
    const r = nslab('doctor', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { ready: boolean; findings: { name: string; group: string; ok: boolean; fix?: string }[] };
    expect(report.ready).toBe(true);
    const netem = report.findings.find((f) => f.group === 'kernel' && f.name === 'netem')!;
    expect(netem.ok).toBe(netemMissing === undefined);
    if (!netem.ok) expect(netem.fix).toContain('modprobe sch_netem');
    expect(report.findings.find((f) => f.name === 'ip')?.ok).toBe(true);
    // Its own scratch namespace (named by its pid): other files' probes run beside it.
    expect(namespaces(`nslab-doctor-${r.pid}-`)).toEqual([]);
  });
});
