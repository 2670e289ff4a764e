/**
 * The executor against a recording runner: which processes it would start,
 * in what order, and how a failure maps back to the step that caused it.
 */
import { describe, expect, it } from 'vitest';
import { creationPlan } from '../../src/compile/create.js';
import type { Plan, Step } from '../../src/compile/plan.js';
import { footprintOf, teardownPlan } from '../../src/compile/teardown.js';
import { executePlan } from '../../src/exec/executor.js';
import { RecordingRunner, type RunRequest } from '../../src/exec/runner.js';
import type { Configurer } from '../../src/netlink/native.js';
import { loadTopology } from '../../src/topology/load.js';

const lab = loadTopology('t.yaml', `
name: t
nodes:
  "h{1..6}": {}
  r1: { sysctl: { net.ipv4.ip_forward: 1 } }
  sw: { kind: bridge, subnet: 10.0.0.0/24 }
links:
  - endpoints: ["h{1..6}:eth0", sw]
  - endpoints: [r1:eth0, sw]
`);
const plan = creationPlan(lab);

/** Namespaces a bundle configures, read from its argv (`tool:ns` labels). */
const bundleLabels = (req: RunRequest) => (req.argv[0] === 'bash' ? req.argv.slice(4) : []);

describe('executor: processes', () => {
  it('runs every step, host work first, in few processes', async () => {
    const runner = new RecordingRunner();
    const out = await executePlan(plan, runner);
    expect(out.ok).toBe(true);
    expect(out.done.size).toBe(plan.steps.length);
    // host: one process creating namespaces, one creating veth pairs; then bundles
    expect(runner.calls[0]!.argv).toEqual(['ip', '-batch', '-']);
    expect(runner.calls[0]!.input).toContain('netns add t-sw\nnetns add t-h1\n');
    expect(runner.calls[1]!.input).toMatch(/^link add name eth0 netns t-h1 type veth peer name h1-eth0 netns t-sw\n/);
    expect(out.processes).toBeLessThan(10);
  });

  it('bundles namespaces: names as arguments, batch scripts on stdin, never as shell code', async () => {
    const runner = new RecordingRunner();
    await executePlan(plan, runner);
    const bundles = runner.calls.filter((c) => c.argv[0] === 'bash');
    const labels = bundles.flatMap(bundleLabels);
    expect(labels).toEqual(expect.arrayContaining(['ip:t-sw', 'ip:t-h1', 'ip:t-r1', 'sysctl:t-r1']));
    for (const b of bundles) {
      expect(b.argv[2]).not.toMatch(/t-h1|t-sw/); // the script itself names nothing from the topology
      expect(b.input!.split('\0').length - 1).toBe(bundleLabels(b).length);
    }
    const r1 = bundles.find((b) => bundleLabels(b).includes('sysctl:t-r1'))!;
    // r1's steps in plan order: the sysctl, then loopback, address and link up
    expect(bundleLabels(r1).filter((l) => l.endsWith('t-r1'))).toEqual(['sysctl:t-r1', 'ip:t-r1']);
    expect(r1.input).toContain('net.ipv4.ip_forward=1\0');
  });

  it('with bundling off, a node namespace is configured by one process of its own; never with ip -n', async () => {
    const runner = new RecordingRunner();
    await executePlan(plan, runner, { bundle: 1 });
    const perNs = new Map<string, number>();
    for (const c of runner.calls.filter((x) => x.argv[0] === 'bash')) {
      const names = new Set(bundleLabels(c).map((l) => l.split(':')[1]));
      expect(names.size).toBe(1);
      const [ns] = names;
      perNs.set(ns!, (perNs.get(ns!) ?? 0) + 1);
    }
    for (const n of lab.nodes.filter((x) => x.kind === 'netns')) expect(perNs.get(n.ns), n.ns).toBe(1);
    // the bridge device is made as soon as its namespace exists, its ports once the veths do
    expect(perNs.get('t-sw')).toBe(2);
    expect(runner.calls.some((c) => c.argv.includes('-n'))).toBe(false);
  });

  it('never runs more processes at once than allowed', async () => {
    let running = 0;
    let peak = 0;
    const runner = new RecordingRunner(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return {};
    });
    await executePlan(plan, runner, { concurrency: 2 });
    expect(peak).toBeLessThanOrEqual(2);
  });
});

describe('executor: failure', () => {
  it('attributes an ip -batch failure to its line, stops scheduling, reports the kernel message', async () => {
    const runner = new RecordingRunner((req) =>
      req.input?.includes('netns add t-h3')
        ? { exitCode: 1, stderr: 'Cannot create namespace file "/run/netns/t-h3": File exists\nCommand failed -:4\n' }
        : {},
    );
    const out = await executePlan(plan, runner);
    expect(out.ok).toBe(false);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]!.step.id).toBe('netns:h3');
    expect(out.failures[0]!.message).toContain('File exists');
    // lines before the failure ran; nothing after it was scheduled
    expect(out.done.has('netns:sw')).toBe(true);
    expect(out.done.has('netns:h4')).toBe(false);
    expect(runner.calls).toHaveLength(1);
  });

  it('attributes a failure inside a bundle to the namespace and line that failed', async () => {
    const runner = new RecordingRunner((req) => {
      if (req.argv[0] !== 'bash') return {};
      const labels = bundleLabels(req);
      let stderr = '';
      for (const l of labels) {
        stderr += `\n@@nslab-seg ${l}\n`;
        if (l === 'ip:t-h2') return { exitCode: 1, stderr: `${stderr}Error: an inet prefix is expected\nCommand failed -:2\n\n@@nslab-exit 1\n` };
        stderr += '\n@@nslab-exit 0\n';
      }
      return { stderr };
    });
    const out = await executePlan(plan, runner, { bundle: 32 });
    expect(out.failures.map((f) => f.step.id)).toEqual(['addr:h2:eth0:10.0.0.2/24']);
    expect(out.failures[0]!.message).toContain('an inet prefix is expected');
    expect(out.done.has('lo:h2')).toBe(true);
    expect(out.done.has('up:h2:eth0')).toBe(false);
  });

  it('attributes a sysctl failure to its key', async () => {
    const runner = new RecordingRunner((req) =>
      req.argv[0] === 'bash' && bundleLabels(req).includes('sysctl:t-r1')
        ? {
            exitCode: 1,
            stderr: bundleLabels(req).map((l) => (l === 'sysctl:t-r1'
              ? `\n@@nslab-seg ${l}\nsysctl: cannot stat /proc/sys/net/ipv4/ip_forward: No such file or directory\n\n@@nslab-exit 1\n`
              : `\n@@nslab-seg ${l}\n\n@@nslab-exit 0\n`)).join('').replace(/(@@nslab-exit 1\n)[\s\S]*/, '$1'),
          }
        : {},
    );
    const out = await executePlan(plan, runner, { bundle: 32 });
    expect(out.failures[0]!.step.id).toBe('sysctl:r1:net.ipv4.ip_forward');
  });

  it('stops launching on abort and reports it', async () => {
    const ac = new AbortController();
    const runner = new RecordingRunner(() => {
      ac.abort();
      return {};
    });
    const out = await executePlan(plan, runner, { signal: ac.signal });
    expect(out.aborted).toBe(true);
    expect(out.ok).toBe(false);
    expect(runner.calls).toHaveLength(1);
  });
});

describe('executor: steps after one that was "already gone" run later, in another process', () => {
  // apply's removals: deleting node c's namespace takes the veth to node a with
  // it, and the route over it; whether a's group finds them depends on which
  // finishes first. A tolerated failure stops ip -batch (and the addon) at that
  // line; the lines after it never ran and must still run.
  const removals: Plan = {
    kind: 'teardown',
    lab: 't',
    steps: [
      { id: 'netnsdel:c', ns: null, argv: ['ip', 'netns', 'del', 't-c'], deps: [], why: 'remove node c', ifAbsent: 'ok' },
      { id: 'routedel:a', ns: 't-a', argv: ['ip', 'route', 'del', '198.18.30.0/24', 'via', '198.18.21.2'], deps: [], why: 'remove a route', ifAbsent: 'ok' },
      { id: 'linkdel:a:eth1', ns: 't-a', argv: ['ip', 'link', 'del', 'dev', 'eth1'], deps: [], why: 'remove a:eth1', ifAbsent: 'ok' },
    ],
  };
  const later = () => new Promise((r) => setTimeout(r, 20));

  it('ip -batch: the route is gone (done), then the link is deleted by a new process — the plan completes', async () => {
    let first = true;
    const runner = new RecordingRunner(async (req) => {
      if (!req.input?.includes('route del') || !first) return {};
      first = false;
      await later(); // the host's process finishes first
      return { exitCode: 1, stderr: 'RTNETLINK answers: No such process\nCommand failed -:1\n' };
    });
    const out = await executePlan(removals, runner, { bundle: 1 });
    expect(out.failures).toEqual([]);
    expect(out.ok).toBe(true);
    expect([...out.done].sort()).toEqual(['linkdel:a:eth1', 'netnsdel:c', 'routedel:a']);
    expect(runner.calls.filter((c) => c.input?.includes('link del dev eth1'))).toHaveLength(2); // the first never reached it
  });

  it('in process: the same', async () => {
    const seen: string[][] = [];
    const inProcess: Configurer = {
      origin: 'test',
      handles: () => true,
      async run(_ns, steps) {
        seen.push(steps.map((s) => s.id));
        if (seen.length > 1) return steps.map(() => undefined);
        await later();
        return steps.map((_, k) => (k === 0 ? 'RTNETLINK answers: No such process' : null));
      },
    };
    const out = await executePlan(removals, new RecordingRunner(), { inProcess });
    expect(out.ok).toBe(true);
    expect(seen).toEqual([['routedel:a', 'linkdel:a:eth1'], ['linkdel:a:eth1']]);
  });
});

describe('executor: teardown', () => {
  const down = teardownPlan(footprintOf(lab));
  it('deletes every namespace in one process and treats "already gone" as done', async () => {
    const runner = new RecordingRunner(() => ({
      exitCode: 1,
      stderr: 'Cannot remove namespace file "/run/netns/t-h2": No such file or directory\nCommand failed -:2\n',
    }));
    const out = await executePlan(down, runner, { force: true });
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]!.argv).toEqual(['ip', '-force', '-batch', '-']);
    expect(out.ok).toBe(true);
    expect(out.done.size).toBe(down.steps.length);
  });

  it('goes on past a real error and reports it', async () => {
    const runner = new RecordingRunner(() => ({ exitCode: 1, stderr: 'Device or resource busy\nCommand failed -:3\n' }));
    const out = await executePlan(down, runner, { force: true });
    expect(out.failures.map((f) => f.step.id)).toEqual([down.steps[2]!.id]);
    expect(out.done.size).toBe(down.steps.length - 1);
  });
});

describe('executor: words that ip -batch would misread run alone', () => {
  it('a step with a quote in an argument is its own process with an argv', async () => {
    const odd: Step = { id: 'odd', ns: 't-h1', argv: ['ip', 'link', 'set', 'dev', 'eth"0', 'up'], deps: [], why: 'odd name' };
    const p: Plan = { kind: 'create', lab: 't', steps: [odd] };
    const runner = new RecordingRunner();
    await executePlan(p, runner);
    expect(runner.calls[0]!.argv).toEqual(['nsenter', '--net=/run/netns/t-h1', 'ip', 'link', 'set', 'dev', 'eth"0', 'up']);
    expect(runner.calls[0]!.input).toBeUndefined();
  });
});

describe('executor: namespaces configured in process', () => {
  /** A stand-in for the addon's path: records what it is given; fails a step if told to. */
  function fakeInProcess(fail?: { id: string; message: string }): Configurer & { seen: string[][] } {
    const seen: string[][] = [];
    return {
      origin: 'test',
      seen,
      handles: (steps) => steps.every((s) => s.argv[0] !== 'tc'),
      async run(_ns, steps) {
        seen.push(steps.map((s) => s.id));
        const at = fail ? steps.findIndex((s) => s.id === fail.id) : -1;
        return steps.map((_, k) => (at < 0 || k < at ? undefined : k === at ? fail!.message : null));
      },
    };
  }

  it('every namespace group goes in process; the host\'s work still runs in processes', async () => {
    const runner = new RecordingRunner();
    const inProcess = fakeInProcess();
    const out = await executePlan(plan, runner, { inProcess });
    expect(out.ok).toBe(true);
    expect(out.done.size).toBe(plan.steps.length);
    expect(runner.calls.every((c) => c.argv[0] === 'ip' && c.argv.includes('-batch'))).toBe(true); // host batches only
    expect(out.inProcess).toBe(8); // h1..h6, r1, sw
    // each group in plan order, within the dependencies
    const ran = inProcess.seen.flat();
    for (const s of plan.steps.filter((x) => x.ns !== null)) for (const d of s.deps) if (ran.includes(d)) expect(ran.indexOf(d)).toBeLessThan(ran.indexOf(s.id));
  });

  it('a namespace with a step it cannot encode takes a bundle process; the others stay in process', async () => {
    const withTc = loadTopology('t.yaml', `
name: t
nodes:
  a: {}
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.0.0.1/24, 10.0.0.2/24]
    netem: { a: { delay: 5ms } }
`);
    const runner = new RecordingRunner();
    const out = await executePlan(creationPlan(withTc), runner, { inProcess: fakeInProcess() });
    expect(out.ok).toBe(true);
    expect(runner.calls.flatMap(bundleLabels).some((l) => l.endsWith(':t-a'))).toBe(true);
    expect(runner.calls.flatMap(bundleLabels).some((l) => l.endsWith(':t-b'))).toBe(false);
    expect(out.inProcess).toBe(1);
  });

  it('a failure stops the namespace at that step: reported with the step, later steps not run, nothing new started', async () => {
    const runner = new RecordingRunner();
    const out = await executePlan(plan, runner, { inProcess: fakeInProcess({ id: 'addr:r1:eth0:10.0.0.7/24', message: 'RTNETLINK answers: File exists' }) });
    expect(out.ok).toBe(false);
    expect(out.failures.map((f) => [f.step.id, f.message])).toEqual([['addr:r1:eth0:10.0.0.7/24', 'RTNETLINK answers: File exists']]);
    expect(out.done.has('up:r1:eth0')).toBe(false);
  });

  it('"already there" is done for a step that allows it (a rollback re-creating)', async () => {
    const tolerant: Plan = { ...plan, steps: plan.steps.map((s) => ({ ...s, ifExists: 'ok' as const })) };
    const out = await executePlan(tolerant, new RecordingRunner(), { inProcess: fakeInProcess({ id: 'addr:r1:eth0:10.0.0.7/24', message: 'RTNETLINK answers: File exists' }) });
    expect(out.failures).toEqual([]);
    expect(out.done.has('addr:r1:eth0:10.0.0.7/24')).toBe(true);
  });
});

describe('executor: namespaces are created on the host in even chunks, one per slot, of 32 to 256', () => {
  const netnsAdds = async (n: number) => {
    const chainLab = loadTopology('c.yaml', `name: c\nipam: { p2p: 10.200.0.0/16 }\nnodes:\n  "r{1..${n}}": {}\nlinks:\n  - endpoints: ["r{1..${n - 1}}:eth1", "r{2..${n}}:eth0"]\n`);
    const runner = new RecordingRunner();
    await executePlan(creationPlan(chainLab), runner);
    return runner.calls.filter((c) => c.input?.startsWith('netns add')).map((c) => c.input!.trim().split('\n').length);
  };
  it('200 namespaces: four chunks of 50 (in one process they took 0.81 s of kernel work, in four 0.55 s)', async () => {
    expect(await netnsAdds(200)).toEqual([50, 50, 50, 50]);
  });
  it('a small lab: one process', async () => {
    expect(await netnsAdds(20)).toEqual([20]);
  });
  it('1200: never more than 256 in one', async () => {
    expect(Math.max(...(await netnsAdds(1200)))).toBe(256);
  });
});
