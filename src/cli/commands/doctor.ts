/**
 * `nslab doctor`: what this host can do, probed for real, and for anything
 * missing what to install or load. `--fix` installs the missing tools'
 * Debian packages with apt-get (saying what and why first), then probes
 * again: on a fresh machine `nslab doctor --fix && nslab run …` works.
 */
import { spawnSync } from 'node:child_process';
import { ExitCode } from '../../diagnostics.js';
import { packagesToInstall, runDoctor, type Finding } from '../../exec/doctor.js';
import type { Io } from '../io.js';
import { jsonOut } from '../json.js';
import { snakeKeys } from '../../report/json-style.js';

const GROUPS: Record<Finding['group'], string> = { host: 'Host', tool: 'Tools', kernel: 'Kernel features (tried in a scratch namespace)' };

export async function doctorCommand(io: Io, opts: { json?: boolean; fix?: boolean }): Promise<number> {
  let findings = await runDoctor();
  let installed: string[] | undefined;
  if (opts.fix) {
    const wanted = packagesToInstall(findings);
    installed = wanted.map((w) => w.pkg);
    const say = (t: string) => (opts.json ? io.err(t) : io.out(t));
    if (wanted.length === 0) say('doctor --fix: nothing to install\n');
    else {
      say(`doctor --fix: installing with apt-get: ${wanted.map((w) => `${w.pkg} (${w.for.join('; ')})`).join(', ')}\n`);
      const ok = apt(['update', '-qq']) === 0 && apt(['install', '-y', '-qq', '--no-install-recommends', ...installed]) === 0;
      if (!ok) say('doctor --fix: apt-get failed (see above); what is still missing is listed below\n');
      findings = await runDoctor();
    }
  }
  const ready = findings.every((f) => f.ok || !f.required);
  if (opts.json) {
    jsonOut(io, 'doctor', { ready, ...(installed ? { installed } : {}), findings: snakeKeys(findings) });
  } else {
    io.out(formatFindings(findings));
    const optional = findings.filter((f) => !f.ok && !f.required).map((f) => f.name);
    io.out(
      ready
        ? `\nnslab can deploy labs here${optional.length ? `; without ${optional.join(', ')} the features that need ${optional.length === 1 ? 'it' : 'them'} fail before deploying` : ''}.\n`
        : '\nnslab cannot deploy labs here until the required items above are fixed.\n',
    );
    if (!opts.fix && packagesToInstall(findings).length) io.out('`nslab doctor --fix` installs the missing tools with apt-get.\n');
  }
  return ready ? ExitCode.ok : ExitCode.environment;
}

/** apt-get, its output on our stderr so a CI log shows what happened. */
function apt(args: string[]): number {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.error ? 127 : (r.status ?? 1);
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
