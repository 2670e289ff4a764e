/**
 * Events and scenarios on the real kernel: link events that put everything
 * back, the route, path and capture checks, `within:`, every step kind, the
 * outage measured against a link held down for a known time, and runs of
 * several labs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run.js';
import { down } from '../../src/exec/down.js';
import { up } from '../../src/exec/up.js';
import { runScenario } from '../../src/scenarios/run.js';
import { readTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { ROOT } from '../helpers/fixtures.js';
import { isRoot, kernelDiff, namespaces, renamed, runner, uniqueName } from '../helpers/lab.js';
import { expectOutput } from '../helpers/outputs.js';

const NSLAB = join(ROOT, 'bin/nslab.js');
const nslab = (...args: string[]) => spawnSync(process.execPath, [NSLAB, ...args], { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'nslab-scen-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function labFile(text: string): Promise<{ lab: Lab; file: string }> {
  const name = uniqueName();
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, renamed(text, name));
  return { lab: await readTopology(file), file };
}

/** a — r — b, routed, dual stack on the a side; a second port of r on a bridge. */
const LINE = `name: x
nodes:
  a: { routes: [{ to: 10.95.2.0/24, via: 10.95.1.1 }] }
  b: { routes: [{ to: 10.95.1.0/24, via: 10.95.2.1 }] }
  r:
    sysctl: { net.ipv4.ip_forward: 1 }
    services:
      idle: { cmd: sleep 300 }
  lan: { kind: bridge }
links:
  - endpoints: [a:eth0, r:eth0]
    ip: [[10.95.1.2/24, "fd00:95::2/64"], [10.95.1.1/24, "fd00:95::1/64"]]
  - endpoints: [r:eth1, b:eth0]
    ip: [10.95.2.1/24, 10.95.2.2/24]
  - endpoints: [r:eth2, lan]
    ip: [10.95.3.1/24]
`;

describe.skipIf(!isRoot)('rule: a link event takes an interface down, and up puts back all the topology gives it', () => {
  let lab: Lab;
  beforeAll(async () => {
    ({ lab } = await labFile(LINE));
    await up(lab);
  }, 60_000);
  afterAll(async () => lab && down(lab.name));

  const show = (ns: string, dev: string) => JSON.parse(spawnSync('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', dev], { encoding: 'utf8' }).stdout)[0] as { flags: string[]; addr_info: { local: string }[] };
  const routes = (ns: string) => spawnSync('ip', ['-n', ns, 'route'], { encoding: 'utf8' }).stdout;

  it('down: the interface is down, its peer has no carrier, the node\'s routes through it are gone', () => {
    const r = nslab('link', lab.name, 'a:eth0', 'down');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('a:eth0 is down (the kernel says DOWN)\n');
    expect(show(`${lab.name}-a`, 'eth0').flags).not.toContain('UP');
    expect(show(`${lab.name}-r`, 'eth0').flags).not.toContain('LOWER_UP');
    expect(routes(`${lab.name}-a`)).not.toContain('10.95.2.0/24');
  });
  it('up: state, addresses (IPv6 ones too), routes and all read back as the topology says', async () => {
    const j = expectOutput('link', nslab('link', lab.name, 'a:eth0', 'up', '--json').stdout);
    expect(j).toMatchObject({ version: 1, interface: 'a:eth0', action: 'up' });
    expect(show(`${lab.name}-a`, 'eth0').addr_info.map((x) => x.local)).toEqual(expect.arrayContaining(['10.95.1.2', 'fd00:95::2']));
    expect(await kernelDiff(lab)).toEqual([]);
  });
  it('a bridge port too', async () => {
    const port = lab.links[2]!.ends[1]!.ifname;
    expect(nslab('link', lab.name, `lan:${port}`, 'down').status).toBe(0);
    expect(show(`${lab.name}-r`, 'eth2').flags).not.toContain('LOWER_UP');
    expect(nslab('link', lab.name, `lan:${port}`, 'up').status).toBe(0);
    expect(await kernelDiff(lab)).toEqual([]);
  });
  it('an unknown interface is bad input naming the ones there are', () => {
    const r = nslab('link', lab.name, 'a:eth9', 'down');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('a has no interface eth9');
    expect(r.stderr).toContain('its interfaces: eth0');
  });
});

describe.skipIf(!isRoot)('rule: route, path and capture look at the way traffic takes; within waits for it', () => {
  let lab: Lab;
  const art = join(work, 'artifacts');
  beforeAll(async () => {
    ({ lab } = await labFile(`${LINE}checks:
  - route: { name: route ok, from: a, to: b, via: 10.95.1.1, dev: eth0, src: 10.95.1.2 }
  - route: { name: route wrong, from: a, to: b, via: 10.95.1.9 }
  - route: { name: no route, from: b, to: 10.95.3.9, via: 10.95.2.1 }
  - path: { name: path ok, from: a, to: b, hops: [r] }
  - path: { name: path wrong, from: a, to: b, hops: [] }
  - path: { name: path to the router itself, from: a, to: 10.95.1.1, hops: [] }
  - capture: { name: the pings cross r, on: r:eth1, filter: icmp, min: 2, while: { ping: { from: a, to: b, count: 2 } } }
  - capture: { name: nothing may cross r, on: r:eth1, filter: icmp, max: 0, while: { ping: { from: a, to: b, count: 2 } } }
`));
    await up(lab);
  }, 60_000);
  afterAll(async () => lab && down(lab.name));

  it('each says what the kernel chose, and a failing capture keeps its file', async () => {
    const results = new Map((await runChecks(lab, { artifactsDir: art })).map((r) => [r.name, r]));
    const get = (n: string) => results.get(n)!;
    expect(get('route ok')).toMatchObject({ status: 'pass' });
    expect(get('route wrong')).toMatchObject({ status: 'fail', message: expect.stringContaining('via 10.95.1.1 (expected 10.95.1.9) ✗') });
    expect(get('route wrong').measurements[0]).toMatchObject({ name: 'the kernel chose', value: 'via 10.95.1.1 dev eth0 src 10.95.1.2' });
    expect(get('no route')).toMatchObject({ status: 'fail', message: expect.stringContaining('Network is unreachable') });
    expect(get('path ok')).toMatchObject({ status: 'pass', metrics: { hops: 1 } });
    expect(get('path wrong')).toMatchObject({ status: 'fail', message: expect.stringContaining(`path a -> r -> b (expected a -> (b))`) });
    expect(get('path to the router itself')).toMatchObject({ status: 'pass' });
    expect(get('the pings cross r')).toMatchObject({ status: 'pass' });
    expect(get('the pings cross r').metrics.packets).toBeGreaterThanOrEqual(2);
    const failed = get('nothing may cross r');
    expect(failed).toMatchObject({ status: 'fail', message: expect.stringContaining('(expected ≤ 0) ✗') });
    expect(failed.attachments).toHaveLength(1);
    expect(existsSync(failed.attachments![0]!)).toBe(true);
    expect(readFileSync(failed.attachments![0]!).readUInt32LE(0)).toBe(0xa1b2c3d4); // a pcap file
  }, 60_000);

  it('JUnit attaches a failing capture ([[ATTACHMENT|…]], which Jenkins and GitLab read)', async () => {
    const junit = join(work, 'cap.xml');
    const r = nslab('test', lab.name, '--only', 'nothing may cross', '--junit', junit, '--artifacts', art);
    expect(r.status).toBe(1);
    expect(readFileSync(junit, 'utf8')).toMatch(new RegExp(`\\[\\[ATTACHMENT\\|${art}/${lab.name}/nothing_may_cross_r\\.pcap\\]\\]`));
  });
});

describe.skipIf(!isRoot)('rule: a scenario runs its steps in order, reports each, and puts the lab back', () => {
  let lab: Lab;
  let file: string;
  beforeAll(async () => {
    ({ lab, file } = await labFile(`${LINE}scenarios:
  every-kind:
    - watch: { name: a watches b, ping: { from: a, to: b, interval: 20ms } }
    - link: { down: r:eth1 }
    - exec: { node: r, cmd: "(sleep 0.5; ip link set eth1 up) >/dev/null 2>&1 &" }
    - check: { ping: { name: back by itself, from: a, to: b, count: 1, timeout: 300ms }, within: 4s }
    - impair: { "r:eth1": { shape: { rate: 10mbit } } }
    - service: { restart: r/idle }
    - wait: 200ms
  too-long:
    - watch: { name: a watches b, ping: { from: a, to: b, interval: 20ms }, max_outage: 100ms }
    - link: { down: r:eth1 }
    - wait: 500ms
  held:
    - watch: { name: a watches b, ping: { from: a, to: b, interval: 20ms } }
    - wait: 300ms
    - link: { down: a:eth0 }
    - wait: 1s
    - link: { up: a:eth0 }
    - wait: 300ms
`));
    await up(lab);
  }, 60_000);
  afterAll(async () => lab && down(lab.name));

  it('every kind of step; within reports how long convergence took; afterwards the lab is as its file says', async () => {
    const r = await runScenario(lab, lab.scenarios.find((s) => s.name === 'every-kind')!, { runner });
    expect(r.steps.map((s) => `${s.name}: ${s.status}`)).toEqual([
      'a watches b: pass', 'link down r:eth1: pass', 'exec r: (sleep 0.5; ip link set eth1 up) >/dev/null 2>&1 &: pass', 'check back by itself: pass',
      'impair r:eth1: pass', 'service restart r/idle: pass', 'wait 200ms: pass', 'restore: pass',
    ]);
    expect(r.steps[3]!.metrics.converged_ms).toBeGreaterThan(300);
    expect(r.steps[3]!.message).toMatch(/^passed after \d\.\d\d s \(\d+ tries\)/);
    expect(r.steps[0]!.metrics.outage_ms).toBeGreaterThan(300);
    expect(r.steps.at(-1)!.message).toMatch(/put back/);
    expect(r.timeline[0]).toMatchObject({ at_ms: expect.any(Number), step: 'a watches b', event: 'start' });
    expect(await kernelDiff(lab)).toEqual([]);
  }, 60_000);

  it('a max_outage shorter than the outage fails, with the measured outage in the message', async () => {
    const r = await runScenario(lab, lab.scenarios.find((s) => s.name === 'too-long')!, { runner });
    expect(r.status).toBe('fail');
    const watch = r.steps.find((s) => s.kind === 'watch')!;
    expect(watch.status).toBe('fail');
    expect(watch.message).toMatch(/longest outage (\d+) ms .*\(expected ≤ 100 ms\) ✗/);
    expect(Number(/longest outage (\d+) ms/.exec(watch.message)![1])).toBeGreaterThan(400);
    expect(r.message).toMatch(/a watches b: longest outage \d+ ms/);
    expect(await kernelDiff(lab)).toEqual([]); // restored: the link is up again
  }, 60_000);

  it('the outage is measured to within twice the probe interval of a link held down for a known time', async () => {
    const r = await runScenario(lab, lab.scenarios.find((s) => s.name === 'held')!, { runner });
    const t = (step: string, event: string) => r.timeline.find((e) => e.step === step && e.event === event)!.at_ms;
    // The link was down from some moment in its down step to some moment in its up step.
    const shortest = t('link up a:eth0', 'start') - t('link down a:eth0', 'end');
    const longest = t('link up a:eth0', 'end') - t('link down a:eth0', 'start');
    const outage = r.steps.find((s) => s.kind === 'watch')!.metrics.outage_ms!;
    expect(outage).toBeGreaterThanOrEqual(shortest - 2 * 20);
    expect(outage).toBeLessThanOrEqual(longest + 2 * 20);
    expect(await kernelDiff(lab)).toEqual([]);
  }, 60_000);

  it('nslab test --scenario runs one scenario (and no checks); JUnit has it as a testsuite', () => {
    const junit = join(work, 'scen.xml');
    const r = nslab('test', lab.name, '--scenario', 'held', '--junit', junit);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# Subtest: held$/m);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain(`<testsuite name="${lab.name}/held"`);
    expect(xml).toMatch(/<property name="a watches b.outage_ms" value="\d+"\/>/);
    expect(nslab('status', lab.name, '--verify').status).toBe(0);
    void file;
  }, 60_000);
});

describe.skipIf(!isRoot)('nslab run with several labs, --shard, --keep-on-fail', () => {
  const pair = (name: string, net: number, extra = '') => `name: ${name}
nodes: { a: {}, b: {} }
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.96.${net}.1/24, 10.96.${net}.2/24]
checks:
  - ping: { from: a, to: b, count: 1 }
${extra}`;
  const dir = join(work, 'many');
  mkdirSync(dir, { recursive: true });
  const cleanup: string[] = [];
  afterEach(async () => {
    for (const n of cleanup.splice(0)) await down(n).catch(() => undefined);
  });

  it('two labs at once: one report, a testsuite each, TAP subtests in file order', () => {
    const [n1, n2] = [uniqueName(), uniqueName()];
    writeFileSync(join(dir, '1.yaml'), pair(n1, 1));
    writeFileSync(join(dir, '2.yaml'), pair(n2, 2, '  - ping: { name: bound to fail, from: a, to: 10.96.2.9, count: 1, timeout: 200ms }\n'));
    const junit = join(dir, 'many.xml');
    const r = nslab('run', join(dir, '1.yaml'), join(dir, '2.yaml'), '-j', '2', '--junit', junit);
    expect(r.status).toBe(1);
    expect(r.stdout.startsWith('TAP version 14\n1..2\n')).toBe(true);
    expect(r.stdout.indexOf(`# Subtest: ${n1}`)).toBeLessThan(r.stdout.indexOf(`# Subtest: ${n2}`));
    expect(r.stdout).toMatch(new RegExp(`^ok 1 - ${n1}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^not ok 2 - ${n2}$`, 'm'));
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(namespaces(n1)).toEqual([]);
  }, 120_000);

  it('two labs of one name are refused before anything runs (exit 2)', () => {
    const n = uniqueName();
    writeFileSync(join(dir, 's1.yaml'), pair(n, 3));
    writeFileSync(join(dir, 's2.yaml'), pair(n, 4));
    const r = nslab('run', join(dir, 's1.yaml'), join(dir, 's2.yaml'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`are both lab \`${n}\``);
    expect(namespaces(n)).toEqual([]);
  });

  it('--shard runs its share only', () => {
    const names = [uniqueName(), uniqueName(), uniqueName()];
    const files = names.map((_, i) => join(dir, `sh${i}.yaml`));
    files.forEach((f, i) => writeFileSync(f, pair(names[i]!, 10 + i)));
    const r = nslab('run', ...files, '--shard', '2/3', '--json', '-');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).suites.map((s: { lab: string }) => s.lab)).toEqual([names[1]]);
  }, 60_000);

  it('--keep-on-fail leaves a lab whose check failed up, and says how to get in and out', () => {
    const n = uniqueName();
    cleanup.push(n);
    writeFileSync(join(dir, 'keep.yaml'), pair(n, 20, '  - ping: { name: bound to fail, from: a, to: 10.96.20.9, count: 1, timeout: 200ms }\n'));
    const r = nslab('run', join(dir, 'keep.yaml'), '--keep-on-fail');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/ok \d+ - teardown # SKIP kept up for inspection/);
    expect(r.stderr).toContain(`nslab exec ${n} a`);
    expect(r.stderr).toContain(`nslab down ${n}`);
    expect(namespaces(`${n}-`)).toHaveLength(2);
  }, 60_000);
});
