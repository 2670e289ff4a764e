import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, join } from 'node:path';
import { UsageError } from '../diagnostics.js';
import { namespaceOf } from '../topology/names.js';
import { NETNS_DIR } from './batch.js';
import { requireRoot } from './preflight.js';
import { readState, STATE_DIR } from './state.js';
import { labDirs, nodeEnv } from '../services/paths.js';

/**
 * The user's shell, with a prompt that says where it is. bash reads its
 * usual rc file first, then gets the prompt (an rc file would otherwise
 * override a PS1 from the environment); other shells get PS1 as is.
 */
export function interactiveShell(lab: string, node: string, env: NodeJS.ProcessEnv): string[] {
  const shell = env.SHELL && existsSync(env.SHELL) ? env.SHELL : '/bin/sh';
  env.PS1 = `[${lab}:${node}] # `;
  if (basename(shell) !== 'bash') return [shell, '-i'];
  // The rc file comes through a process substitution: bash --rcfile <(…), no temporary file.
  const rc = `[ -f ~/.bashrc ] && . ~/.bashrc; PS1='[${lab}:${node}] \\w # '`;
  return ['bash', '-c', 'exec "$0" --rcfile <(printf "%s\\n" "$1") -i', shell, rc];
}

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
 * Run a command inside a node, attached to the caller's terminal — or, with
 * no command, an interactive shell (the user's $SHELL, else sh) whose prompt
 * names the lab and node. Uses `ip netns exec` (not nsenter) so the command
 * also sees the namespace's own /sys and the lab's hosts file (node names
 * resolve), as people expect; NSLAB_LAB, NSLAB_NODE and NSLAB_DIR are set.
 */
export async function execInNode(labName: string, node: string, argv: string[], stateDir = STATE_DIR): Promise<number> {
  requireRoot('nslab exec', 'it enters a lab namespace');
  const ns = nodeNamespace(labName, node, stateDir, ['netns']);
  const env = { ...process.env, ...nodeEnv(labName, node, labDirs(stateDir, labName)) };
  const command = argv.length ? argv : interactiveShell(labName, node, env);
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: 'inherit', env });
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (osSignals[signal] ?? 0) : 1)));
  });
}
