/**
 * Software in a running lab's nodes: `nslab logs LAB NODE/SERVICE [-f]`
 * and `nslab service LAB NODE/SERVICE start|stop|restart`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ExitCode, UsageError } from '../../diagnostics.js';
import type { Io } from '../io.js';
import { checkLabName, labFromTarget } from './lab-name.js';

export async function logsCommand(io: Io, labName: string, id: string, opts: { follow?: boolean }): Promise<number> {
  const { readState } = await import('../../exec/state.js');
  const state = readState(checkLabName(labName));
  if (!state) throw new UsageError(`lab ${labName} is not up`, 'running labs: `nslab status`');
  const rec = state.services?.find((r) => r.id === id);
  if (!rec) throw new UsageError(`lab ${labName} has no service ${id}`, state.services?.length ? `its services: ${state.services.map((r) => r.id).join(', ')}` : 'it has no services');
  let offset = 0;
  const dump = () => {
    let size: number;
    try {
      size = statSync(rec.log).size;
    } catch {
      return;
    }
    if (size < offset) offset = 0; // restarted: the log was truncated
    if (size === offset) return;
    const fd = openSync(rec.log, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      io.out(buf.toString('utf8'));
      offset = size;
    } finally {
      closeSync(fd);
    }
  };
  dump();
  if (!opts.follow) return ExitCode.ok;
  // Follow until Ctrl-C or SIGTERM, like `tail -f`.
  await new Promise<void>((resolve) => {
    const timer = setInterval(dump, 200);
    const stop = () => {
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return ExitCode.ok;
}

export async function serviceCommand(io: Io, labName: string, id: string, action: string): Promise<number> {
  if (!['start', 'stop', 'restart'].includes(action)) throw new UsageError(`unknown action ${action}`, 'start, stop or restart');
  const [{ requireRoot }, { controlService }, { STATE_DIR }, { SpawnRunner }] = await Promise.all([
    import('../../exec/preflight.js'),
    import('../../services/control.js'),
    import('../../exec/state.js'),
    import('../../exec/runner.js'),
  ]);
  requireRoot(`nslab service ${action}`, 'it starts and stops processes inside the lab\'s namespaces');
  const lab = await labFromTarget(io, checkLabName(labName));
  const rec = await controlService(lab, id, action as 'start', STATE_DIR, new SpawnRunner());
  io.out(action === 'stop' ? `service ${id} stopped\n` : `service ${id} ${action === 'start' ? 'started' : 'restarted'} and ready (pid ${rec.pid})\n`);
  return ExitCode.ok;
}
