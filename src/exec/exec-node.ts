import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../diagnostics.js';
import { namespaceOf } from '../topology/names.js';
import { NETNS_DIR } from './batch.js';
import { requireRoot } from './preflight.js';
import { readState, STATE_DIR } from './state.js';

const osSignals = constants.signals as Record<string, number>;

/**
 * The namespace of a node of a running lab, or a UsageError that says what
 * is wrong: the lab is not up, or has no such node (listing those it has).
 */
export function nodeNamespace(labName: string, node: string, stateDir = STATE_DIR, kinds: readonly ('netns' | 'bridge')[] = ['netns', 'bridge']): string {
  const state = readState(labName, stateDir);
  const ns = state?.nodes.find((n) => n.name === node && kinds.includes(n.kind))?.ns ?? namespaceOf(labName, node);
  if (existsSync(join(NETNS_DIR, ns))) return ns;
  const nodes = state?.nodes.filter((n) => kinds.includes(n.kind)).map((n) => n.name) ?? [];
  throw new UsageError(
    state ? `lab ${labName} has no node ${node}` : `lab ${labName} is not up (no namespace ${ns})`,
    state ? `its nodes: ${nodes.slice(0, 10).join(', ')}${nodes.length > 10 ? ', …' : ''}` : 'bring it up with `nslab up FILE`',
  );
}

/**
 * Run a command inside a node, attached to the caller's terminal. Uses
 * `ip netns exec` (not nsenter) so the command also sees the namespace's own
 * /sys and /etc/netns files, as people expect from an interactive shell.
 */
export async function execInNode(labName: string, node: string, argv: string[], stateDir = STATE_DIR): Promise<number> {
  requireRoot('nslab exec', 'it enters a lab namespace');
  const ns = nodeNamespace(labName, node, stateDir, ['netns']);
  if (argv.length === 0) throw new UsageError('no command given', `e.g. nslab exec ${labName} ${node} -- ip addr`);
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (osSignals[signal] ?? 0) : 1)));
  });
}
