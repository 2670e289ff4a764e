/**
 * `nslab doctor`: what this host can do, probed for real, and for anything
 * missing what to install or load.
 */
import { ExitCode } from '../../diagnostics.js';
import { runDoctor, type Finding } from '../../exec/doctor.js';
import type { Io } from '../io.js';

const GROUPS: Record<Finding['group'], string> = { host: 'Host', tool: 'Tools', kernel: 'Kernel features (tried in a scratch namespace)' };

export async function doctorCommand(io: Io, opts: { json?: boolean }): Promise<number> {
  const findings = await runDoctor();
  const ready = findings.every((f) => f.ok || !f.required);
  if (opts.json) {
    io.out(JSON.stringify({ ready, findings }, null, 2) + '\n');
  } else {
    io.out(formatFindings(findings));
    const optional = findings.filter((f) => !f.ok && !f.required).map((f) => f.name);
    io.out(
      ready
        ? `\nnslab can deploy labs here${optional.length ? `; without ${optional.join(', ')} the features that need ${optional.length === 1 ? 'it' : 'them'} fail before deploying` : ''}.\n`
        : '\nnslab cannot deploy labs here until the required items above are fixed.\n',
    );
  }
  return ready ? ExitCode.ok : ExitCode.environment;
}

export function formatFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((f) => f.name.length));
  const lines: string[] = [];
  for (const group of Object.keys(GROUPS) as Finding['group'][]) {
    const fs = findings.filter((f) => f.group === group);
    if (fs.length === 0) continue;
    lines.push(`${GROUPS[group]}:`);
    for (const f of fs) {
      const mark = f.ok ? 'ok ' : f.required ? 'ERR' : 'no ';
      lines.push(`  ${mark} ${f.name.padEnd(width)}  ${f.detail}${f.ok ? '' : `  (needed for ${f.usedFor})`}`);
      if (!f.ok && f.fix) lines.push(`      ${' '.repeat(width)}fix: ${f.fix}`);
    }
  }
  return lines.join('\n') + '\n';
}
