/**
 * What a check kind gets to do its work: the lab, a runner (the only door to
 * processes), the run's abort signal, and lookups every kind needs. Kinds
 * return an Outcome; the scheduler (run.ts) adds name, timing and location.
 */
import { formatAddress } from '../../topology/ip.js';
import type { Check, Lab } from '../../topology/model.js';
import type { Runner, RunResult } from '../../exec/runner.js';
import { shJoin } from '../../render/shell.js';
import type { CheckKind } from '../../topology/schema.js';
import { inNs } from '../commands.js';
import { resolve } from 'node:path';
import { STATE_DIR } from '../../exec/state.js';
import { labDirs, nodeEnv } from '../../services/paths.js';
import type { CheckResult } from '../result.js';
import { endsAndVlanIfs } from '../../topology/interfaces.js';

export type Outcome = Pick<CheckResult, 'status' | 'message' | 'measurements' | 'metrics' | 'commands' | 'output' | 'stderr'> & Partial<Pick<CheckResult, 'failedPairs' | 'attachments'>>;

export interface CheckKindDef<K extends CheckKind = CheckKind> {
  kind: K;
  /** tools it runs, checked before a run builds anything */
  tools: string[];
  /** runs with no other check at the same time (throughput figures) */
  alone?: boolean;
  run(check: Check<K>, ctx: CheckContext): Promise<Outcome>;
}

export interface ContextOptions {
  signal?: AbortSignal;
  stateDir?: string;
  /** where checks keep files (capture files): `<dir>/<lab>/` */
  artifactsDir?: string;
}

export class CheckContext {
  private readonly nsOf: Map<string, string>;
  private readonly first = new Map<string, string>();
  private readonly owners = new Map<string, string>();
  private readonly ifaceOf = new Map<string, string>();
  readonly signal?: AbortSignal;
  private readonly stateDir: string;
  readonly artifactsDir: string;
  /** run another check, as the scheduler would (set by it; a capture runs its `while:` with it) */
  runCheck: (c: Check) => Promise<Outcome> = () => Promise.reject(new Error('no scheduler'));

  constructor(
    readonly lab: Lab,
    readonly runner: Runner,
    opts: ContextOptions = {},
  ) {
    this.signal = opts.signal;
    this.stateDir = opts.stateDir ?? STATE_DIR;
    this.artifactsDir = resolve(opts.artifactsDir ?? 'nslab-artifacts');
    this.nsOf = new Map(lab.nodes.map((n) => [n.name, n.ns]));
    for (const l of lab.links) {
      for (const e of endsAndVlanIfs(l)) {
        for (const a of e.addresses) {
          this.owners.set(formatAddress(a.cidr), e.node);
          this.ifaceOf.set(`${e.node}|${formatAddress(a.cidr)}`, e.ifname);
        }
        const v4 = e.addresses.find((a) => a.cidr.family === 4) ?? e.addresses[0];
        if (v4 && (!this.first.has(e.node) || (v4.cidr.family === 4 && this.first.get(e.node)!.includes(':')))) this.first.set(e.node, formatAddress(v4.cidr));
      }
    }
  }

  ns(node: string): string {
    return this.nsOf.get(node)!;
  }

  /** A node's first address (IPv4 first). */
  firstAddress(node: string): string | undefined {
    return this.first.get(node);
  }

  /** The node holding an address, if any in the lab does. */
  ownerOf(address: string): string | undefined {
    return this.owners.get(address);
  }

  /** The interface of `node` that holds `address`. */
  interfaceWith(node: string, address: string): string | undefined {
    return this.ifaceOf.get(`${node}|${address}`);
  }

  /** The variables and folder of everything nslab runs in a node: NSLAB_LAB, NSLAB_NODE, NSLAB_DIR, the topology's folder. */
  nodeContext(node: string): { env: Record<string, string>; cwd: string } {
    return { env: nodeEnv(this.lab.name, node, labDirs(this.stateDir, this.lab.name)), cwd: resolve(this.lab.dir) };
  }

  /** Run argv in a node's namespace; `line` is the command as a person would type it. */
  async exec(ns: string, argv: string[], timeoutMs?: number): Promise<{ r: RunResult; line: string }> {
    const r = await this.runner.run({ argv: inNs(ns, argv), timeoutMs, signal: this.signal });
    return { r, line: `ip netns exec ${ns} ${shJoin(argv)}` };
  }
}

/** An outcome for a measurement that could not be made. */
export function errorOutcome(message: string, commands: string[], r?: RunResult): Outcome {
  return { status: 'error', message: r?.interrupted ? 'interrupted' : message, measurements: [], metrics: {}, commands, output: r?.stdout ?? '', stderr: r?.stderr ?? '' };
}
