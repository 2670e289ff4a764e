/**
 * What the host must offer before nslab touches it: root, and the tools a
 * plan or check runs, each with the Debian package that provides it.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { EnvironmentError } from '../diagnostics.js';
import type { Plan } from '../compile/plan.js';

export const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2',
  tc: 'iproute2',
  bridge: 'iproute2',
  nsenter: 'util-linux',
  setpriv: 'util-linux',
  bash: 'bash',
  sysctl: 'procps',
  iptables: 'iptables',
  ping: 'iputils-ping',
  fping: 'fping',
  iperf3: 'iperf3',
  nft: 'nftables',
  tcpdump: 'tcpdump',
};

/** `why` says what needs root, e.g. `it enters the lab's namespaces`. */
export function requireRoot(what: string, why: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new EnvironmentError(`${what} needs root: ${why}`, 'run it as root, e.g. `sudo npx nslab …`');
  }
}

export function findInPath(tool: string, path = process.env.PATH ?? ''): string | undefined {
  // Also look where Debian keeps admin tools, which a non-login PATH may lack.
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/sbin']) {
    if (!dir) continue;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

export function toolsOf(plan: Plan): string[] {
  const tools = new Set<string>([...plan.steps.map((s) => s.argv[0]), ...plan.steps.flatMap((s) => s.command?.needs ?? [])]);
  if (plan.steps.some((s) => s.ns !== null)) tools.add('nsenter');
  return [...tools].sort();
}

export function requireTools(tools: Iterable<string>): void {
  const missing = [...tools].filter((t) => !findInPath(t));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((t) => PACKAGE_OF[t] ?? t))];
  throw new EnvironmentError(`missing tool${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, `install with: apt-get install ${pkgs.join(' ')}`);
}
