import { readFile } from 'node:fs/promises';
import { ExitCode, TopologyError, type Diagnostic } from '../../diagnostics.js';
import { creationPlan } from '../../compile/create.js';
import { parseTopology } from '../../topology/load.js';
import type { Io } from '../io.js';

export async function validateCommand(io: Io, files: string[], opts: { json?: boolean }): Promise<number> {
  const results: { file: string; ok: boolean; summary?: string; diagnostics: Diagnostic[] }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const d: Diagnostic = { loc: { file, line: 1, col: 1 }, message: `cannot read: ${(e as Error).message}` };
      results.push({ file, ok: false, diagnostics: [d] });
      if (!opts.json) io.err(new TopologyError([d]).format() + '\n');
      continue;
    }
    const { lab, diagnostics } = parseTopology(file, text);
    if (!lab) {
      results.push({ file, ok: false, diagnostics });
      if (!opts.json) io.err(new TopologyError(diagnostics, text).format() + '\n');
      continue;
    }
    const steps = creationPlan(lab).steps.length;
    const count = (k: string) => lab.nodes.filter((n) => n.kind === k).length;
    const summary = `${count('netns')} namespaces, ${count('bridge')} bridges, ${lab.links.length} links, ${lab.checks.length} checks, ${steps} steps`;
    results.push({ file, ok: true, summary, diagnostics: [] });
    if (!opts.json) io.out(`${file}: ok — lab ${lab.name}: ${summary}\n`);
  }
  if (opts.json) {
    io.out(JSON.stringify({ ok: results.every((r) => r.ok), files: results }, null, 2) + '\n');
  }
  return results.every((r) => r.ok) ? ExitCode.ok : ExitCode.badInput;
}
