/**
 * How nslab reaches a host: the system's OpenSSH client, never a shell.
 * BatchMode (a prompt would hang CI), one multiplexed connection per host
 * for the length of a command (ControlMaster: preflight, deploy and a
 * rollback share it), closed when the command ends so no ssh process
 * outlives nslab. ssh runs the remote command through the remote user's
 * shell, so every word is quoted here.
 */
import type { HostSpec, HostsSpec } from './hosts-file.js';

/** A word the remote shell reads as itself. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_/.:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export interface SshOptions {
  /** folder for the multiplexing sockets (short: a unix socket path has at most 107 bytes) */
  controlDir: string;
  /** this nslab's own prefix for them: two coordinators (two labs, two test suites) must not share a connection to one address */
  session: string;
}

/** `ssh … -- DEST 'word' 'word'`: argv for the local spawn. */
export function sshArgv(spec: HostsSpec, host: HostSpec, remote: readonly string[], opts: SshOptions): string[] {
  return [
    'ssh',
    ...(spec.sshConfig ? ['-F', spec.sshConfig] : []),
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${spec.connectTimeoutS}`,
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${opts.controlDir}/${opts.session}-%C`,
    '-o', 'ControlPersist=yes',
    '--', host.ssh,
    remote.map(shellQuote).join(' '),
  ];
}

/** Close a host's multiplexed connection (nothing to close is fine). */
export function sshCloseArgv(spec: HostsSpec, host: HostSpec, opts: SshOptions): string[] {
  return ['ssh', ...(spec.sshConfig ? ['-F', spec.sshConfig] : []), '-o', `ControlPath=${opts.controlDir}/${opts.session}-%C`, '-O', 'exit', '--', host.ssh];
}

/** ssh's own failures (cannot connect, authentication) exit 255; anything else is the remote command's status. */
export const SSH_FAILED = 255;
