/**
 * nslab as a library: bring a lab up from a test, run checks and commands
 * in it, and tear it down — for network regression tests in vitest, jest or
 * node:test. Needs root, like the CLI.
 *
 *   const lab = await startLab('topologies/quickstart.yaml');
 *   afterAll(() => lab.down());
 *   expect((await lab.check({ ping: { from: 'h1', to: 'h2' } })).status).toBe('pass');
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { runChecks } from './checks/run.js';
import type { CheckResult } from './checks/result.js';
import { down } from './exec/down.js';
import { waitReady } from './exec/ready.js';
import { loadInProcess } from './netlink/native.js';
import { SpawnRunner, type RunResult } from './exec/runner.js';
import { up } from './exec/up.js';
import { loadTopology } from './topology/load.js';
import type { Lab } from './topology/model.js';
import { namespaceOf } from './topology/names.js';
import type { RawCheck, RawNetem } from './topology/schema.js';
import { validateNetem } from './topology/netem.js';
import { applyImpairment } from './impair/apply.js';
import type { Impairment } from './impair/readback.js';
import { UsageError } from './diagnostics.js';
import { controlService, findService, type ServiceAction } from './services/control.js';
import { health } from './services/supervise.js';
import { interfaceOf, setLink } from './live/link.js';
import { runScenario, type ScenarioResult } from './scenarios/run.js';
import { readState, STATE_DIR } from './exec/state.js';
import { applyLab } from './apply/apply.js';
import type { Change } from './apply/diff.js';

export { TopologyError, UsageError, EnvironmentError, NslabError, ExitCode } from './diagnostics.js';
export { DeployError, LabConflictError, TeardownError } from './exec/errors.js';
export { parseTopology, loadTopology, readTopology } from './topology/load.js';
export { creationPlan } from './compile/create.js';
export { footprintOf, teardownPlan } from './compile/teardown.js';
export { up, down, runChecks };
export { applyLab, planAgainst, ApplyError } from './apply/apply.js';
export { changePlan } from './apply/diff.js';
export type { Lab, CheckResult, RunResult, RawNetem, Impairment, ScenarioResult, Change };

/** A check written as in a topology's `checks:`, e.g. `{ ping: { from: 'h1', to: 'h2' } }`. */
export type CheckSpec = { [K in keyof RawCheck]: { [P in K]: RawCheck[K] } }[keyof RawCheck];

export interface LabHandle {
  lab: Lab;
  /** Run a command in a node; resolves with its exit code and output. */
  exec(node: string, argv: string[]): Promise<RunResult>;
  /** Run one check against the lab, validated like a topology's checks. */
  check(spec: CheckSpec): Promise<CheckResult>;
  /** The topology's own checks. */
  checks(only?: string[]): Promise<CheckResult[]>;
  /**
   * Impair `node:ifname` with a netem spec as written in a topology (replacing
   * what is there), or with `null` put back the topology's own; resolves with
   * what the kernel holds afterwards.
   */
  impair(target: string, spec: RawNetem | null): Promise<Impairment | undefined>;
  /** A service of the lab, by `node/name` (e.g. `srv/web`). */
  service(id: string): ServiceHandle;
  /** An interface, `node:ifname`: take it down, or up with everything the topology gives it. */
  link(target: string): { down(): Promise<void>; up(): Promise<void> };
  /** Run one of the topology's scenarios; resolves with its result (steps, timeline, what watches measured). */
  scenario(name: string): Promise<ScenarioResult>;
  /**
   * Change the running lab into a changed topology (a file, or `{ text }`),
   * live: only what differs is touched; a failure rolls back and throws.
   * Resolves with what changed; `lab` is the new topology afterwards.
   */
  apply(source: string | { text: string; file?: string }): Promise<Change[]>;
  /** Tear the lab down (safe to call twice). */
  down(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ServiceHandle {
  /** Start it if it is not running; resolves once it is ready. */
  start(): Promise<void>;
  /** Stop it (TERM, then KILL after its stop_timeout); not reported as dead afterwards. */
  stop(): Promise<void>;
  /** Stop and start again; resolves once it is ready. */
  restart(): Promise<void>;
  /** Everything it has printed (stdout and stderr). */
  logs(): Promise<string>;
  /** Running, or how it ended (`exit 1`, `signal KILL`). */
  status(): { running: boolean; ended?: string };
}

export interface StartOptions {
  /** override the lab name (e.g. unique per test run) */
  name?: string;
}

/** Build a lab from a topology file (or `{ text }`) and wait until it passes traffic. */
/** A topology from a file or text, under another lab name if asked. */
async function readSource(source: string | { text: string; file?: string }, name?: string): Promise<{ file: string; text: string }> {
  const file = typeof source === 'string' ? source : (source.file ?? 'inline.yaml');
  let text = typeof source === 'string' ? await readFile(source, 'utf8') : source.text;
  if (name) {
    const doc = parseDocument(text);
    doc.set('name', name);
    text = String(doc);
  }
  return { file, text };
}

export async function startLab(source: string | { text: string; file?: string }, opts: StartOptions = {}): Promise<LabHandle> {
  let { file, text } = await readSource(source, opts.name);
  let lab = loadTopology(file, text);
  const runner = new SpawnRunner();
  await up(lab);
  await waitReady(lab, runner, { inProcess: loadInProcess() });
  let gone = false;
  const handle: LabHandle = {
    get lab() {
      return lab;
    },
    async exec(node, argv) {
      const n = lab.nodes.find((x) => x.name === node);
      if (!n || n.kind !== 'netns') {
        const names = lab.nodes.filter((x) => x.kind === 'netns').map((x) => x.name);
        throw new UsageError(n ? `${node} is a bridge of lab ${lab.name}; commands run in namespace nodes` : `lab ${lab.name} has no node ${node}`, `its nodes: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`);
      }
      return runner.run({ argv: ['ip', 'netns', 'exec', namespaceOf(lab.name, node), ...argv] });
    },
    async check(spec) {
      // Validate the check exactly as a topology's: same file, this one check.
      const doc = parseDocument(text);
      doc.set('checks', [spec]);
      const withCheck = loadTopology(`${file} (check)`, String(doc));
      const [result] = await runChecks(withCheck, { runner });
      return result!;
    },
    checks: (only) => runChecks(lab, { runner, only }),
    async impair(target, spec) {
      const end = lab.links.flatMap((l) => l.ends).find((e) => `${e.node}:${e.ifname}` === target);
      if (!end) throw new UsageError(`lab ${lab.name} has no interface ${target}`, 'name it as node:ifname, as in the topology');
      let wanted = end.netem?.spec;
      if (spec) {
        const checked = validateNetem(spec, end.mtu);
        if (!('spec' in checked)) throw new UsageError(`netem for ${target}: ${checked.message}`, checked.hint);
        wanted = checked.spec;
      }
      const ns = lab.nodes.find((n) => n.name === end.node)!.ns;
      return applyImpairment(runner, { node: end.node, ns, ifname: end.ifname, ...(end.mtu !== undefined ? { mtu: end.mtu } : {}) }, wanted);
    },
    link(target) {
      interfaceOf(lab, target); // an unknown interface fails here, naming the ones there are
      return {
        down: async () => void (await setLink(lab, target, 'down', runner)),
        up: async () => void (await setLink(lab, target, 'up', runner)),
      };
    },
    async apply(next) {
      const read = await readSource(next, opts.name ?? lab.name);
      const to = loadTopology(read.file, read.text);
      const r = await applyLab(to, { runner });
      [lab, file, text] = [to, read.file, read.text];
      return r.change.changes;
    },
    async scenario(name) {
      const s = lab.scenarios.find((x) => x.name === name);
      if (!s) throw new UsageError(`lab ${lab.name} has no scenario ${name}`, lab.scenarios.length ? `its scenarios: ${lab.scenarios.map((x) => x.name).join(', ')}` : 'it has none');
      return runScenario(lab, s, { runner });
    },
    service(id) {
      findService(lab, id); // an unknown id fails here, naming the services there are
      const act = async (action: ServiceAction) => void (await controlService(lab, id, action, STATE_DIR, runner));
      const record = () => readState(lab.name)?.services?.find((r) => r.id === id);
      return {
        start: () => act('start'),
        stop: () => act('stop'),
        restart: () => act('restart'),
        async logs() {
          const r = record();
          return r ? readFile(r.log, 'utf8').catch(() => '') : '';
        },
        status() {
          const r = record();
          if (!r) return { running: false, ended: 'never started' };
          const h = health(r);
          return { running: h.alive, ...(h.ended ? { ended: h.ended } : {}) };
        },
      };
    },
    async down() {
      if (gone) return;
      gone = true;
      await down(lab.name);
    },
    [Symbol.asyncDispose]: () => handle.down(),
  };
  return handle;
}
