/**
 * Starting, stopping and restarting one service of a running lab (the CLI's
 * `nslab service`, the library's `lab.service()`, scenario steps). The
 * lab's state records the change, so `status`, later check runs and `down`
 * know it; a service stopped on purpose is not reported as dead.
 */
import { UsageError } from '../diagnostics.js';
import { acquireLock, readState, writeState } from '../exec/state.js';
import type { Runner } from '../exec/runner.js';
import type { Lab, Service } from '../topology/model.js';
import { labDirs } from './paths.js';
import { health, startService, stopService, waitReady, type ServiceRecord } from './supervise.js';

export type ServiceAction = 'start' | 'stop' | 'restart';

export class ServiceError extends UsageError {}

export function findService(lab: Lab, id: string): Service {
  const all = lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services : []));
  const svc = all.find((s) => s.id === id);
  if (!svc) throw new UsageError(`lab ${lab.name} has no service ${id}`, all.length ? `its services: ${all.map((s) => s.id).join(', ')}` : 'it has no services');
  return svc;
}

/** Do `action` to a service; resolves with its record once it is (re)started and ready, or stopped. */
export async function controlService(lab: Lab, id: string, action: ServiceAction, stateDir: string, runner: Runner, signal?: AbortSignal): Promise<ServiceRecord> {
  const svc = findService(lab, id);
  const release = await acquireLock(lab.name, stateDir);
  try {
    const state = readState(lab.name, stateDir);
    if (!state) throw new UsageError(`lab ${lab.name} is not up`, 'bring it up with `nslab up FILE`');
    const records = state.services ?? [];
    let rec = records.find((r) => r.id === id);
    if (rec && action !== 'start') {
      await stopService(rec, svc.stopMs);
      rec = { ...rec, stopped: true };
    }
    if (action !== 'stop' && !(rec && health(rec).alive)) {
      rec = startService(lab, svc, labDirs(stateDir, lab.name));
      const ready = await waitReady(svc, rec, runner, signal);
      writeState({ ...state, services: [...records.filter((r) => r.id !== id), rec] }, stateDir);
      if (!ready.ok) throw new ServiceError(`service ${id} ${ready.why}${ready.tail ? `; the last of its output:\n${ready.tail}` : ''}`, `see its whole output: nslab logs ${lab.name} ${id}`);
      return rec;
    }
    if (!rec) throw new UsageError(`service ${id} was never started`);
    writeState({ ...state, services: [...records.filter((r) => r.id !== id), rec] }, stateDir);
    return rec;
  } finally {
    release();
  }
}
