/**
 * Changing a running lab: `apply FILE`, `plan FILE --against LAB`,
 * `connect LAB NODE:IF BRIDGE`, `disconnect LAB NODE:IF`.
 */
import { ExitCode, UsageError } from '../../diagnostics.js';
import type { ChangePlan } from '../../apply/diff.js';
import type { Lab } from '../../topology/model.js';
import type { Io } from '../io.js';
import { jsonOut } from '../json.js';
import { createProgress, progressMode } from '../progress.js';
import { checkLabName, readLab } from './lab-name.js';

interface ApplyOpts {
  json?: boolean;
  quiet?: boolean;
  strict?: boolean;
}

export async function planAgainstCommand(io: Io, file: string, against: string, opts: { format: 'sh' | 'json'; strict?: boolean }): Promise<number> {
  const [{ planAgainst }, { changeToJson, changeToText }] = await Promise.all([import('../../apply/apply.js'), import('../../render/change.js')]);
  const lab = await readLab(io, file, { strict: opts.strict });
  if (lab.name !== checkLabName(against)) throw new UsageError(`${file} describes lab ${lab.name}, not ${against}`, 'a lab changes into a topology of the same `name:`');
  const change = planAgainst(lab);
  if (opts.format === 'json') jsonOut(io, 'change', { version: 1, applied: false, ...changeToJson(change) });
  else io.out(changeToText(change));
  return ExitCode.ok;
}

export async function applyCommand(io: Io, file: string, opts: ApplyOpts): Promise<number> {
  const lab = await readLab(io, file, { strict: opts.strict });
  return runApply(io, lab, opts);
}

/** `connect`/`disconnect`: the running topology, edited, then applied. */
export async function connectCommand(io: Io, labName: string, iface: string, bridge: string | undefined, opts: ApplyOpts & { ip?: string }): Promise<number> {
  const [{ readState }, { connectText, disconnectText }, { runningTopology }, { parseTopology }] = await Promise.all([
    import('../../exec/state.js'),
    import('../../apply/edit.js'),
    import('../../apply/apply.js'),
    import('../../topology/load.js'),
  ]);
  const name = checkLabName(labName);
  const state = readState(name);
  if (!state || state.phase !== 'up') throw new UsageError(`lab ${name} is not up`, 'running labs: nslab status');
  const from = runningTopology(state);
  const colon = iface.indexOf(':');
  if (colon < 1 || colon === iface.length - 1) throw new UsageError(`\`${iface}\` is not NODE:IFNAME`, 'e.g. pc3:eth1');
  const [node, ifname] = [iface.slice(0, colon), iface.slice(colon + 1)];
  const text = bridge === undefined ? disconnectText(from.source!, from, node, ifname) : connectText(from.source!, from, node, ifname, bridge, opts.ip);
  const parsed = parseTopology(from.file, text);
  if (!parsed.lab) {
    const { formatDiagnostics } = await import('../../diagnostics.js');
    io.err(`${formatDiagnostics(parsed.diagnostics, text)}\n`);
    throw new UsageError(bridge === undefined ? `cannot disconnect ${iface}` : `cannot connect ${iface} to ${bridge}`, 'the problems above are in the lab as it would be');
  }
  return runApply(io, parsed.lab, { ...opts, edited: true });
}

async function runApply(io: Io, lab: Lab, opts: ApplyOpts & { edited?: boolean }): Promise<number> {
  const [{ applyLab, ApplyError }, { changeToJson, changeToText }] = await Promise.all([import('../../apply/apply.js'), import('../../render/change.js')]);
  const progress = createProgress(io, progressMode(io, opts.quiet || opts.json), `apply ${lab.name}`);
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    progress.begin('changing the running lab…');
    const r = await applyLab(lab, { signal: ac.signal, onProgress: (e) => progress.onProgress(e), edited: opts.edited });
    progress.end();
    if (opts.json) jsonOut(io, 'change', { version: 1, ok: true, applied: true, duration_ms: Math.round(r.ms), ...changeToJson(r.change) });
    else io.out(summary(r.change, r.ms, r.steps, opts.quiet ? false : changeToText(r.change, { steps: false })));
    return ExitCode.ok;
  } catch (e) {
    progress.end();
    if (e instanceof ApplyError) {
      io.err(e.format(lab.source) + '\n');
      return e.exitCode;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function summary(c: ChangePlan, ms: number, steps: number, details: string | false): string {
  if (c.changes.length === 0) return `lab ${c.lab}: nothing to change; it already matches ${c.file}\n`;
  const head = `lab ${c.lab} changed: ${c.changes.length} change${c.changes.length === 1 ? '' : 's'}, ${steps} step${steps === 1 ? '' : 's'} in ${(ms / 1000).toFixed(2)} s\n`;
  return details ? head + details.split('\n').slice(1).join('\n') : head;
}
