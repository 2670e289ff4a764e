import { readFile } from 'node:fs/promises';
import { ExitCode, formatDiagnostics, TopologyError, type Diagnostic } from '../../diagnostics.js';
import { creationPlan } from '../../compile/create.js';
import { parseTopology } from '../../topology/load.js';
import type { Io } from '../io.js';
import { jsonOut } from '../json.js';

interface FileResult {
  file: string;
  ok: boolean;
  summary?: string;
  diagnostics: Diagnostic[];
  warnings: Diagnostic[];
}

export async function validateCommand(io: Io, files: string[], opts: { json?: boolean; strict?: boolean }): Promise<number> {
  const results: FileResult[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const d: Diagnostic = { loc: { file, line: 1, col: 1 }, message: `cannot read: ${(e as Error).message}` };
      results.push({ file, ok: false, diagnostics: [d], warnings: [] });
      if (!opts.json) io.err(new TopologyError([d]).format() + '\n');
      continue;
    }
    const { lab, diagnostics, warnings = [] } = parseTopology(file, text);
    if (!lab) {
      results.push({ file, ok: false, diagnostics, warnings: [] });
      if (!opts.json) io.err(new TopologyError(diagnostics, text).format() + '\n');
      continue;
    }
    if (opts.strict && warnings.length) {
      results.push({ file, ok: false, diagnostics: [], warnings });
      if (!opts.json) io.err(new TopologyError(warnings, text, { strict: true }).format() + '\n');
      continue;
    }
    if (warnings.length && !opts.json) io.err(`${formatDiagnostics(warnings, text)}\n\n`);
    const steps = creationPlan(lab).steps.length;
    const count = (k: string) => lab.nodes.filter((n) => n.kind === k).length;
    const summary = `${count('netns')} namespaces, ${count('bridge')} bridges, ${lab.links.length} links, ${lab.checks.length} checks, ${steps} steps`;
    results.push({ file, ok: true, summary, diagnostics: [], warnings });
    if (!opts.json) io.out(`${file}: ok${warnings.length ? ` with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''} — lab ${lab.name}: ${summary}\n`);
  }
  if (opts.json) jsonOut(io, 'validate', { ok: results.every((r) => r.ok), files: results });
  return results.every((r) => r.ok) ? ExitCode.ok : ExitCode.badInput;
}
