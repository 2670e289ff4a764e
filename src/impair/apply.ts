/**
 * Changing a live lab's impairments: put a spec on an interface (or clear
 * it), then read the kernel back to prove it took. Used by `nslab impair`
 * and by checks that carry their own `netem:`.
 */
import { ExitCode, NslabError } from '../diagnostics.js';
import { nsPrefix } from '../exec/batch.js';
import type { Runner } from '../exec/runner.js';
import { shJoin } from '../render/shell.js';
import { requireFeatures } from '../exec/doctor.js';
import { qdiscCommands, qdiscKinds } from '../topology/netem.js';
import type { RawNetem } from '../topology/schema.js';
import { impairmentsOf, mismatches, parseQdiscs, type Impairment } from './readback.js';

export interface ImpairTarget {
  node: string;
  ns: string;
  ifname: string;
  /** for sizing netem's queue limit */
  mtu?: number;
}

/** A tc command failed, or the kernel holds something else than asked. */
export class ImpairError extends NslabError {
  readonly exitCode = ExitCode.deployFailed;
  constructor(
    message: string,
    readonly commands: string[],
    hint?: string,
  ) {
    super(message);
    this.name = 'ImpairError';
    this.hint = hint;
  }
}

/** The qdiscs of a namespace (or one interface of it), as impairments. */
export async function readImpairments(runner: Runner, ns: string, dev?: string): Promise<Impairment[]> {
  const argv = [...nsPrefix(ns), 'tc', '-j', 'qdisc', 'show', ...(dev ? ['dev', dev] : [])];
  const r = await runner.run({ argv });
  if (r.exitCode !== 0) throw new ImpairError(`cannot read qdiscs in ${ns}: ${(r.failedToRun ?? r.stderr).trim()}`, [shJoin(argv)]);
  return impairmentsOf(parseQdiscs(r.stdout));
}

/**
 * Replace whatever impairs `t` by `spec` (undefined: nothing). Deleting and
 * adding rather than `tc qdisc replace`: replace keeps netem options the new
 * spec leaves out (a rate set earlier survives), which is not what anyone
 * means. Returns the commands run, for reports.
 */
export async function setImpairment(runner: Runner, t: ImpairTarget, spec: RawNetem | undefined): Promise<string[]> {
  const where = `${t.node}:${t.ifname}`;
  const commands: string[] = [];
  const run = async (argv: string[], allowAbsent = false) => {
    commands.push(`ip netns exec ${t.ns} ${shJoin(argv)}`);
    const r = await runner.run({ argv: [...nsPrefix(t.ns), ...argv] });
    const stderr = (r.failedToRun ?? r.stderr).trim();
    // A veth starts with `noqueue`, whose handle is zero and cannot be deleted: nothing to clear.
    if (r.exitCode !== 0 && !(allowAbsent && /handle of zero|No such file or directory|Invalid handle/i.test(stderr))) {
      throw new ImpairError(`${where}: \`${shJoin(argv)}\` failed: ${stderr || `exit ${r.exitCode}`}`, commands, hintFor(stderr));
    }
  };
  await run(['tc', 'qdisc', 'del', 'dev', t.ifname, 'root'], true);
  if (spec) for (const argv of qdiscCommands(t.ifname, spec, t.mtu)) await run(argv);
  const [now] = await readImpairments(runner, t.ns, t.ifname);
  const wrong = mismatches(now, spec, t.mtu);
  if (wrong.length) throw new ImpairError(`${where}: the kernel does not hold what was asked: ${wrong.join('; ')}`, commands);
  return commands;
}

/**
 * The whole of a run-time change: make sure the kernel has the qdiscs the
 * spec needs (before touching anything), apply, and return what it holds now.
 */
export async function applyImpairment(runner: Runner, t: ImpairTarget, spec: RawNetem | undefined): Promise<Impairment | undefined> {
  if (spec) await requireFeatures(runner, new Set(qdiscKinds(spec)), 'nothing was changed');
  await setImpairment(runner, t, spec);
  return (await readImpairments(runner, t.ns, t.ifname))[0];
}

function hintFor(stderr: string): string | undefined {
  if (/qdisc kind is unknown/i.test(stderr)) return 'this kernel lacks the qdisc module: run `nslab doctor` for what to load or install';
  if (/Cannot find device/i.test(stderr)) return 'check the interface name with `nslab impair LAB --show` or `nslab exec LAB NODE -- ip link`';
  return undefined;
}
