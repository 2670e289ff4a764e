/**
 * One describe per warning rule. Each fixture in test/fixtures/warnings is a
 * valid lab with a certain mistake; its header names the rule and the exact
 * warnings (line, column, message, hint) it must produce — no more, no fewer.
 * The example topologies must produce none.
 */
import { basename, join } from 'node:path';
import { formatDiagnostics } from '../../src/diagnostics.js';
import { golden } from '../helpers/golden.js';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { parseTopology } from '../../src/topology/load.js';
import { FIXTURES, fixtureExpectations, read, rel, TOPOLOGIES, yamlFiles } from '../helpers/fixtures.js';

for (const file of yamlFiles(join(FIXTURES, 'warnings'))) {
  const text = read(file);
  const { rule, expect: expected } = fixtureExpectations(text);
  // Parsed inside each test: see validation.test.ts (mutation testing).
  const parse = () => parseTopology(rel(file), text);
  describe(`warning: ${rule}`, () => {
    it('is a valid lab: no errors', () => {
      const { lab, diagnostics, warnings = [] } = parse();
      expect(diagnostics).toEqual([]);
      expect(lab).toBeDefined();
      expect(lab!.warnings).toEqual(warnings);
    });
    it(`warns exactly ${expected.length} time(s), at the right line and column`, () => {
      const got = (parse().warnings ?? []).map((d) => ({ line: d.loc.line, col: d.loc.col, message: d.message, hint: d.hint ?? '', severity: d.severity }));
      expect(got).toHaveLength(expected.length);
      for (const e of expected) {
        const match = got.find((g) => g.line === e.line && g.col === e.col && g.message.includes(e.message) && (!e.hint || g.hint.includes(e.hint)));
        expect(match, `expected ${e.line}:${e.col} "${e.message}"\ngot:\n${got.map((g) => `  ${g.line}:${g.col} ${g.message} | ${g.hint}`).join('\n')}`).toBeDefined();
        expect(match!.severity).toBe('warning');
      }
    });
    it(`prints what the user reads, word for word: golden/diagnostics/warning-${basename(file, '.yaml')}.txt`, () => {
      golden(`diagnostics/warning-${basename(file, '.yaml')}.txt`, `${formatDiagnostics(parse().warnings ?? [], text)}\n`);
    });
  });
}

describe('warnings: the examples have none', () => {
  for (const file of yamlFiles(TOPOLOGIES)) {
    it(rel(file), () => expect(parseTopology(rel(file), read(file)).warnings).toEqual([]));
  }
});

describe('warnings on the command line', () => {
  const nslab = async (...args: string[]) => {
    const io = bufferIo();
    const code = await main(['node', 'nslab', ...args], io);
    return { code, ...io };
  };
  const file = join(FIXTURES, 'warnings/cable-subnets.yaml');
  it('validate prints them with file:line:col and exits 0', async () => {
    const r = await nslab('validate', file);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${rel(file)}:9:23: warning: a:eth0 (10.0.0.1/24) and b:eth0`);
    expect(r.stdout).toContain('ok with 1 warning');
  });
  it('--strict makes them errors: exit 2', async () => {
    const r = await nslab('validate', '--strict', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 warning, which --strict treats as errors; nothing was deployed.');
  });
  it('plan --strict refuses to print a plan', async () => {
    const r = await nslab('plan', '--strict', file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
  it('validate --json lists them apart from errors', async () => {
    const out = JSON.parse((await nslab('validate', '--json', file)).stdout);
    expect(out).toMatchObject({ version: 1, ok: true, files: [{ ok: true, diagnostics: [], warnings: [{ severity: 'warning', loc: { line: 9, col: 23 } }] }] });
  });
});
