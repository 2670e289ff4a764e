/**
 * Services as results of a check run: after the checks, one result per
 * service — pass while it runs, a failure naming how it ended (exit status
 * or signal) with the tail of its log when it died while the lab was up. A
 * service nslab stopped on purpose is not a failure.
 */
import { phaseResult, type CheckResult } from '../checks/result.js';
import type { Service } from '../topology/model.js';
import { health, logTail, type ServiceRecord } from './supervise.js';

export const serviceResultName = (id: string) => `service ${id}`;

export function serviceResults(services: readonly Service[], records: readonly ServiceRecord[]): CheckResult[] {
  const at = new Date();
  return services.map((svc) => {
    const rec = records.find((r) => r.id === svc.id);
    const base = { name: serviceResultName(svc.id), kind: 'service' as const, loc: svc.loc, commands: rec ? [rec.command] : [] };
    if (!rec) return { ...phaseResult('deploy', false, 'it was never started (no record of it in the lab\'s state)', at, 0), ...base };
    const h = health(rec);
    if (h.alive) return { ...phaseResult('deploy', true, `running (pid ${rec.pid}, since ${rec.startedAt})`, at, 0), ...base };
    if (rec.stopped) return { ...phaseResult('deploy', true, `stopped on purpose (${h.ended})`, at, 0), ...base };
    const tail = logTail(rec);
    return { ...phaseResult('deploy', false, `died while the lab was up (${h.ended})`, at, 0), ...base, status: 'fail', output: tail, stderr: '' };
  });
}
