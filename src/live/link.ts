/**
 * Link events on a running lab: `down` takes an interface down (its veth
 * peer loses carrier); `up` puts back everything the topology gives it —
 * its state, its addresses (the kernel flushes IPv6 ones on down), the
 * node's routes through it (the kernel deletes IPv4 routes whose device goes
 * down) and its impairment — then reads it back. Used by `nslab link`, the
 * library's `lab.link()` and scenario steps.
 */
import { UsageError } from '../diagnostics.js';
import { nsPrefix } from '../exec/batch.js';
import type { Runner } from '../exec/runner.js';
import { setImpairment } from '../impair/apply.js';
import { shJoin } from '../render/shell.js';
import { contains } from '../topology/ip.js';
import type { End, InterfaceRef, Lab } from '../topology/model.js';

export type LinkAction = 'down' | 'up';

/** The interface `node:ifname` of a lab (a namespace's, or a bridge port). */
export function interfaceOf(lab: Lab, text: string): InterfaceRef & { end: End } {
  const colon = text.indexOf(':');
  const [name, ifname] = colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
  const node = lab.nodes.find((n) => n.name === name);
  const end = lab.links.flatMap((l) => l.ends).find((e) => e.node === name && e.ifname === ifname);
  if (!node || !end) {
    const ifaces = lab.links.flatMap((l) => l.ends).filter((e) => e.node === name).map((e) => e.ifname);
    throw new UsageError(
      !node ? `lab ${lab.name} has no node ${name}` : `${name} has no interface ${ifname}`,
      node ? `its interfaces: ${ifaces.join(', ')}` : 'name an interface as node:ifname (a bridge port: bridge:port)',
    );
  }
  return { node: name, ns: node.ns, ifname, end };
}

/**
 * The `ip -batch` lines of an event. Pure. `up` is idempotent: addresses and
 * routes are replaced, not added, so it can run on an interface that is up.
 */
export function linkCommands(lab: Lab, ref: InterfaceRef & { end: End }, action: LinkAction): string[][] {
  if (action === 'down') return [['ip', 'link', 'set', 'dev', ref.ifname, 'down']];
  const cmds: string[][] = [['ip', 'link', 'set', 'dev', ref.ifname, 'up']];
  for (const a of ref.end.addresses) cmds.push(['ip', 'addr', 'replace', a.text, 'dev', ref.ifname, ...(a.cidr.family === 6 ? ['nodad'] : [])]);
  const node = lab.nodes.find((n) => n.name === ref.node);
  if (node?.kind === 'netns') {
    for (const r of node.routes) {
      if (ref.end.addresses.some((a) => contains(a.cidr, r.via))) cmds.push(['ip', 'route', 'replace', r.to, 'via', r.viaText, ...(r.metric !== undefined ? ['metric', String(r.metric)] : [])]);
    }
  }
  return cmds;
}

export interface LinkResult {
  commands: string[];
  /** the interface's state read back: `UP`, `DOWN`, `LOWERLAYERDOWN`… */
  state: string;
}

/** Apply an event and read the interface back. */
export async function setLink(lab: Lab, text: string, action: LinkAction, runner: Runner): Promise<LinkResult> {
  const ref = interfaceOf(lab, text);
  const cmds = linkCommands(lab, ref, action);
  const input = cmds.map((c) => c.slice(1).join(' ')).join('\n') + '\n';
  const commands = cmds.map((c) => `ip netns exec ${ref.ns} ${shJoin(c)}`);
  const r = await runner.run({ argv: [...nsPrefix(ref.ns), 'ip', '-batch', '-'], input });
  if (r.exitCode !== 0) throw new UsageError(`${text}: link ${action} failed: ${(r.failedToRun ?? r.stderr).trim()}`);
  if (action === 'up') commands.push(...(await setImpairment(runner, ref, ref.end.netem?.spec)));
  const show = await runner.run({ argv: [...nsPrefix(ref.ns), 'ip', '-j', 'link', 'show', 'dev', ref.ifname] });
  const [link] = JSON.parse(show.stdout || '[]') as { operstate?: string; flags?: string[] }[];
  const up = link?.flags?.includes('UP') ?? false;
  if (up !== (action === 'up')) throw new UsageError(`${text}: asked to go ${action}, the kernel shows it ${up ? 'up' : 'down'}`);
  return { commands, state: link?.operstate ?? 'UNKNOWN' };
}
