/**
 * Software in nodes on the real kernel: setup commands, nftables, services
 * and their readiness, names that resolve, the connect and http checks —
 * and that nothing a lab ran is left once it is gone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run.js';
import { down } from '../../src/exec/down.js';
import { DeployError } from '../../src/exec/errors.js';
import { execInNode } from '../../src/exec/exec-node.js';
import { readState, STATE_DIR } from '../../src/exec/state.js';
import { up } from '../../src/exec/up.js';
import { startLab, type LabHandle } from '../../src/index.js';
import { NETNS_ETC } from '../../src/services/paths.js';
import { readTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { ROOT } from '../helpers/fixtures.js';
import { isRoot, kernelDiff, namespaces, renamed, uniqueName } from '../helpers/lab.js';
import { expectOutput } from '../helpers/outputs.js';

const NSLAB = join(ROOT, 'bin/nslab.js');
const nslab = (...args: string[]) => spawnSync(process.execPath, [NSLAB, ...args], { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'nslab-software-'));

/** Processes whose command line holds `marker` (every test's commands carry a unique one). */
function running(marker: string): number[] {
  const r = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
}

/** A topology file of its own folder (setup and services run there), under a unique lab name. */
async function labFile(text: string, extra: Record<string, string> = {}): Promise<{ lab: Lab; file: string; dir: string }> {
  const name = uniqueName();
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, content] of Object.entries(extra)) writeFileSync(join(dir, f), content);
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, renamed(text, name));
  return { lab: await readTopology(file), file, dir };
}

const cleanup: string[] = [];
afterEach(async () => {
  for (const name of cleanup.splice(0)) await down(name).catch(() => undefined);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!isRoot)('rule: setup commands run in order, in the node, in the topology\'s folder, with names resolving', () => {
  it('each command sees the node\'s network, the folder, the variables, and the lab\'s names', async () => {
    const { lab, dir } = await labFile(`name: x
nodes:
  a:
    setup:
      - echo first >> $NSLAB_DIR/order
      - [sh, -c, "echo second >> $NSLAB_DIR/order"]
      - pwd > $NSLAB_DIR/cwd; ip -o addr show eth0 > $NSLAB_DIR/addr; getent hosts b b-eth0 > $NSLAB_DIR/hosts; echo $NSLAB_LAB $NSLAB_NODE > $NSLAB_DIR/vars
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.91.0.1/24, 10.91.0.2/24]
`);
    cleanup.push(lab.name);
    await up(lab);
    const d = join(STATE_DIR, lab.name, 'nodes/a');
    expect(readFileSync(join(d, 'order'), 'utf8')).toBe('first\nsecond\n');
    expect(readFileSync(join(d, 'cwd'), 'utf8').trim()).toBe(dir);
    expect(readFileSync(join(d, 'addr'), 'utf8')).toContain('10.91.0.1/24');
    expect(readFileSync(join(d, 'hosts'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(/\s+/))).toEqual([['10.91.0.2', 'b', 'b-eth0'], ['10.91.0.2', 'b', 'b-eth0']]);
    expect(readFileSync(join(d, 'vars'), 'utf8').trim()).toBe(`${lab.name} a`);
    // b runs nothing, so it has no folder yet (a folder per node cost a big lab
    // 1000 mkdirs); the first command nslab runs in it finds one.
    expect(existsSync(join(STATE_DIR, lab.name, 'nodes/b'))).toBe(false);
    expect(await execInNode(lab.name, 'b', ['sh', '-c', 'test -d "$NSLAB_DIR" && touch "$NSLAB_DIR/was-here"'])).toBe(0);
    expect(existsSync(join(STATE_DIR, lab.name, 'nodes/b/was-here'))).toBe(true);
    await down(lab.name);
    // The hosts files and the lab's folder go with it.
    expect(existsSync(join(NETNS_ETC, `${lab.name}-a`))).toBe(false);
    expect(existsSync(join(STATE_DIR, lab.name))).toBe(false);
  });

  it('an interrupt during a long setup command kills it and rolls back at once, not when it ends', async () => {
    const marker = `sleep 7${Math.floor(Math.random() * 1e6)}`; // unique on this machine
    const { lab } = await labFile(`name: x
nodes:
  a:
    setup: ["${marker}"]
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.91.2.1/24, 10.91.2.2/24]
`);
    const ac = new AbortController();
    const deploying = up(lab, { signal: ac.signal }).catch((e: unknown) => e);
    const running = () => spawnSync('pgrep', ['-fx', marker]).status === 0;
    for (let i = 0; i < 200 && !running(); i++) await new Promise((ok) => setTimeout(ok, 50));
    expect(running(), 'the setup command started').toBe(true);
    const t0 = performance.now();
    ac.abort();
    const err = (await deploying) as DeployError;
    expect(err).toBeInstanceOf(DeployError);
    expect(err.reason).toBe('was interrupted');
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(running()).toBe(false);
    expect(namespaces(`${lab.name}-`)).toEqual([]);
  });

  it('a failing command fails the deploy (exit 3), naming the command, its status, its output and its line; all rolled back', async () => {
    const sleeper = `sleep 3${Math.floor(Math.random() * 1e6)}`; // unique: the background process carries no other mark
    const { lab } = await labFile(`name: x
nodes:
  a:
    setup:
      - (${sleeper} &)
      - echo something went wrong; echo on stderr >&2; exit 3
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.91.1.1/24, 10.91.1.2/24]
`);
    const t0 = performance.now();
    const err = (await up(lab).catch((e: unknown) => e)) as DeployError;
    expect(err).toBeInstanceOf(DeployError);
    expect(err.exitCode).toBe(3);
    const text = err.format(readFileSync(lab.file, 'utf8'));
    expect(text).toContain("sh -c 'echo something went wrong; echo on stderr >&2; exit 3'");
    expect(text).toContain('exited with status 3; its output:');
    expect(text).toContain('something went wrong');
    expect(text).toContain('on stderr');
    expect(text).toContain(`${lab.file}:6:9`);
    expect(text).toContain('rolled back: nothing of lab');
    expect(performance.now() - t0, 'a process left in the background by a setup command holds nothing up').toBeLessThan(10_000);
    expect(namespaces(`${lab.name}-`)).toEqual([]);
    expect(running(sleeper)).toEqual([]);
    expect(existsSync(join(NETNS_ETC, `${lab.name}-a`))).toBe(false);
  });
});

const SERVICES = (marker: string) => `name: x
nodes:
  a: {}
  srv:
    services:
      web:
        cmd: "python3 -u -m http.server 8080 # ${marker}"
        ready: { tcp: 8080 }
      banner:
        cmd: ["sh", "-c", "echo booting; sleep 0.3; echo ready now; exec sleep 300 # ${marker}"]
        ready: { stdout: "ready now" }
      probe:
        cmd: "sleep 300 # ${marker}"
        ready: { cmd: "test -d $NSLAB_DIR" }
      plain:
        cmd: "sleep 300 # ${marker}"
links:
  - endpoints: [a:eth0, srv:eth0]
    ip: [10.92.0.1/24, 10.92.0.2/24]
checks:
  - http: { from: a, url: "http://srv:8080/" }
`;

describe.skipIf(!isRoot)('rule: services start after setup, are ready by their condition, outlive up, and die with down', () => {
  it('tcp, stdout, cmd and no condition; up returns once all are ready; down leaves no process', async () => {
    const marker = `nslabmark${uniqueName()}`;
    const { lab } = await labFile(SERVICES(marker));
    cleanup.push(lab.name);
    const r = await up(lab);
    expect(r.services.map((s) => s.id).sort()).toEqual(['srv/banner', 'srv/plain', 'srv/probe', 'srv/web']);
    // Ready means ready: the port answers now, the banner has printed its line.
    const [check] = await runChecks(lab);
    expect(check!.status, check!.message).toBe('pass');
    expect(readFileSync(r.services.find((s) => s.id === 'srv/banner')!.log, 'utf8')).toContain('ready now');
    expect(running(marker).length).toBeGreaterThanOrEqual(4);
    expect(await kernelDiff(lab)).toEqual([]);
    await down(lab.name);
    expect(running(marker)).toEqual([]);
  });

  it('a service that is never ready fails the deploy within its timeout, with its output, and leaves no process', async () => {
    const marker = `nslabmark${uniqueName()}`;
    const { lab } = await labFile(`name: x
nodes:
  a:
    services:
      slow:
        cmd: "echo listening soon; sleep 300 # ${marker}"
        ready: { tcp: 9999, timeout: 1s }
`);
    const t0 = performance.now();
    const err = (await up(lab).catch((e: unknown) => e)) as DeployError;
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(err).toBeInstanceOf(DeployError);
    const text = err.format();
    expect(text).toContain('service a/slow not ready after 1.0 s (waiting for tcp/9999 to be open)');
    expect(text).toContain('listening soon');
    expect(running(marker)).toEqual([]);
    expect(namespaces(`${lab.name}-`)).toEqual([]);
  });

  it('a service that dies before it is ready fails the deploy at once, with its exit status', async () => {
    const { lab } = await labFile(`name: x
nodes:
  a:
    services:
      broken:
        cmd: echo cannot start >&2; exit 4
        ready: { tcp: 9999 }
`);
    const t0 = performance.now();
    const err = (await up(lab).catch((e: unknown) => e)) as DeployError;
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err.format()).toContain('service a/broken exited (exit 4) before it was ready');
    expect(err.format()).toContain('cannot start');
  });

  it('kernel-only down after a SIGKILLed up stops the services too', async () => {
    const marker = `nslabmark${uniqueName()}`;
    const { lab, file } = await labFile(`name: x
nodes:
  a:
    services:
      forever:
        cmd: "sleep 300 # ${marker}"
        ready: { cmd: "false", timeout: 60s }
`);
    cleanup.push(lab.name);
    const child = spawn(process.execPath, [NSLAB, 'up', '-q', file], { stdio: 'ignore' });
    for (let i = 0; i < 500 && running(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(running(marker).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    rmSync(join(STATE_DIR, `${lab.name}.json`));
    const r = nslab('down', lab.name);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('found from the kernel');
    expect(running(marker)).toEqual([]);
    expect(namespaces(`${lab.name}-`)).toEqual([]);
  }, 60_000);

  it('a service that dies while the lab is up: status shows it, the next test run fails it with its status and output', async () => {
    const marker = `nslabmark${uniqueName()}`;
    const { lab, file } = await labFile(`name: x
nodes:
  a:
    services:
      fragile:
        cmd: "echo about to fail; sleep 1; echo failing now; exit 7 # ${marker}"
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.92.1.1/24, 10.92.1.2/24]
checks:
  - ping: { from: a, to: b, count: 1 }
`);
    cleanup.push(lab.name);
    expect(nslab('up', '-q', file).status).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    const st = nslab('status', lab.name);
    expect(st.stdout).toMatch(/✗ a\/fragile\s+DIED \(exit 7\)/);
    expect(expectOutput('status', nslab('status', lab.name, '--json').stdout).labs[0]).toMatchObject({ health: 'degraded', services: [{ id: 'a/fragile', running: false, ended: 'exit 7' }] });
    const junit = join(work, `${lab.name}.xml`);
    const t = nslab('test', lab.name, '--junit', junit);
    expect(t.status).toBe(1);
    expect(t.stdout).toMatch(/^not ok 2 - service a\/fragile$/m);
    expect(t.stdout).toContain('died while the lab was up (exit 7)');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testcase name="service a\/fragile" classname="nslab\.[a-z0-9]+\.service"[^>]*>\s*<failure message="died while the lab was up \(exit 7\)"/);
    expect(xml).toContain('failing now');
    const logs = nslab('logs', lab.name, 'a/fragile');
    expect(logs.stdout).toBe('about to fail\nfailing now\n');
  }, 30_000);
});

describe.skipIf(!isRoot)('rule: connect and http check what a port and a web server do, and tell blocked from unreachable', () => {
  let lab: Lab;
  const marker = `nslabmark${uniqueName()}`;
  beforeAll(async () => {
    ({ lab } = await labFile(`name: x
nodes:
  a:
    routes: [{ to: 10.93.2.0/24, via: 10.93.0.2 }]
  srv:
    nft: |
      table inet filter {
        chain input {
          type filter hook input priority 0; policy accept;
          tcp dport 8081 drop
          udp dport 5301 drop
        }
      }
    services:
      web:
        cmd: "python3 -u -m http.server 8080 --directory $NSLAB_DIR # ${marker}"
        ready: { tcp: 8080 }
      echo:
        cmd: ["python3", "-u", "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 5300))\\nwhile True:\\n  d, a = s.recvfrom(2048); s.sendto(d, a)", "${marker}"]
        ready: { udp: 5300 }
    setup:
      - echo hello from srv > $NSLAB_DIR/index.html
links:
  - endpoints: [a:eth0, srv:eth0]
    ip: [10.93.0.1/24, 10.93.0.2/24]
checks:
  - connect: { name: open, from: a, to: srv, port: 8080 }
  - connect: { name: refused, from: a, to: srv, port: 8090, expect: fail }
  - connect: { name: dropped, from: a, to: srv, port: 8081, timeout: 1s, expect: fail }
  - connect: { name: dropped but expected open, from: a, to: srv, port: 8081, timeout: 1s }
  - connect: { name: host unreachable is no proof of a block, from: a, to: 10.93.2.9, port: 80, timeout: 1s, expect: fail }
  - connect: { name: udp answered, from: a, to: srv, proto: udp, port: 5300, payload: ping }
  - connect: { name: udp refused, from: a, to: srv, proto: udp, port: 5302, expect: fail }
  - connect: { name: udp dropped, from: a, to: srv, proto: udp, port: 5301, timeout: 1s, expect: fail }
  - connect: { name: several ports, from: a, to: "srv:eth0", ports: [8080, 8081], timeout: 1s }
  - http: { name: http by name, from: a, url: "http://srv:8080/", status: 200, body: hello from srv }
  - http: { name: http wrong body, from: a, url: "http://srv-eth0:8080/", body: goodbye }
  - http: { name: http not found, from: a, url: "http://srv:8080/nope", status: 404 }
  - http: { name: http blocked, from: a, url: "http://srv:8081/", timeout: 1s, expect: fail }
`));
    await up(lab);
  }, 60_000);
  afterAll(async () => {
    if (lab) await down(lab.name);
    expect(running(marker)).toEqual([]);
  });

  it('each outcome, and what the message says', async () => {
    const results = new Map((await runChecks(lab)).map((r) => [r.name, r]));
    const get = (n: string) => results.get(n)!;
    expect(get('open')).toMatchObject({ status: 'pass', message: 'tcp/8080 open (expected open)' });
    expect(get('refused')).toMatchObject({ status: 'pass', message: expect.stringContaining('blocked: refused') });
    expect(get('dropped')).toMatchObject({ status: 'pass', message: expect.stringContaining('blocked: no answer, dropped (the host answers ping)') });
    expect(get('dropped but expected open')).toMatchObject({ status: 'fail' });
    expect(get('host unreachable is no proof of a block')).toMatchObject({ status: 'fail', message: expect.stringContaining('host unreachable') });
    expect(get('udp answered')).toMatchObject({ status: 'pass', message: 'udp/5300 answered (expected answered)' });
    expect(get('udp refused')).toMatchObject({ status: 'pass', message: expect.stringContaining('blocked: ICMP port unreachable') });
    expect(get('udp dropped')).toMatchObject({ status: 'pass', message: expect.stringContaining('dropped') });
    expect(get('several ports')).toMatchObject({ status: 'fail', metrics: { tcp_8080_open: 1, tcp_8081_open: 0 } });
    expect(get('http by name')).toMatchObject({ status: 'pass', metrics: { status: 200 } });
    expect(get('http wrong body')).toMatchObject({ status: 'fail', message: expect.stringContaining('body did not match') });
    expect(get('http not found')).toMatchObject({ status: 'pass' });
    expect(get('http blocked')).toMatchObject({ status: 'pass', message: expect.stringContaining('none: timeout') });
  }, 60_000);

  it('the ruleset is read back by status --verify, and a flushed one is reported', async () => {
    expect(await kernelDiff(lab)).toEqual([]);
    expect(spawnSync('ip', ['netns', 'exec', `${lab.name}-srv`, 'nft', 'flush', 'ruleset']).status).toBe(0);
    expect(await kernelDiff(lab)).toEqual([expect.stringMatching(/nftables table inet filter missing/)]);
  });
});

describe.skipIf(!isRoot)('nslab exec: names resolve, and with no command an interactive shell', () => {
  it('a command sees the lab\'s names; a shell has a prompt naming lab and node', async () => {
    const { lab, file } = await labFile(`name: x
nodes: { a: {}, b: {} }
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.94.0.1/24, 10.94.0.2/24]
`);
    cleanup.push(lab.name);
    expect(nslab('up', '-q', file).status).toBe(0);
    expect(nslab('exec', lab.name, 'a', '--', 'getent', 'hosts', 'b-eth0').stdout).toMatch(/^10\.94\.0\.2\s+b b-eth0$/m);
    const shell = spawnSync(process.execPath, [NSLAB, 'exec', lab.name, 'a'], { encoding: 'utf8', input: 'echo "prompt=$PS1"; ip -o -4 addr show eth0; exit 5\n', env: { ...process.env, SHELL: '/bin/bash' } });
    expect(shell.status).toBe(5);
    expect(shell.stdout).toContain(`prompt=[${lab.name}:a] \\w # `);
    expect(shell.stdout).toContain('10.94.0.1/24');
  });
});

describe.skipIf(!isRoot)('library: lab.service()', () => {
  let handle: LabHandle;
  const marker = `nslabmark${uniqueName()}`;
  beforeAll(async () => {
    const { lab } = await labFile(SERVICES(marker));
    handle = await startLab(lab.file, { name: lab.name });
  }, 60_000);
  afterAll(async () => {
    await handle?.down();
    expect(running(marker)).toEqual([]);
  });

  it('stop, start, restart, logs and status; a stopped service is not a dead one', async () => {
    const web = handle.service('srv/web');
    expect(web.status()).toEqual({ running: true });
    await web.stop();
    expect(web.status().running).toBe(false);
    expect(readState(handle.lab.name)!.services!.find((s) => s.id === 'srv/web')!.stopped).toBe(true);
    expect(nslab('status', handle.lab.name).stdout).toMatch(/- srv\/web\s+stopped/);
    const before = readState(handle.lab.name)!.services!.find((s) => s.id === 'srv/banner')!.pid;
    await handle.service('srv/banner').restart();
    expect(readState(handle.lab.name)!.services!.find((s) => s.id === 'srv/banner')!.pid).not.toBe(before);
    await web.start();
    expect((await handle.check({ http: { from: 'a', url: 'http://srv:8080/' } })).status).toBe('pass');
    expect(await web.logs()).toMatch(/GET \/ HTTP/);
    expect(() => handle.service('srv/nope')).toThrow(expect.objectContaining({ message: expect.stringContaining('has no service srv/nope'), hint: expect.stringContaining('its services: srv/web') }));
  }, 60_000);
});
