/**
 * One describe per validation rule. Each fixture in test/fixtures/invalid
 * names its rule and the exact diagnostics (line, column, message, hint) it
 * must produce — no more, no fewer.
 */
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.js';
import { FIXTURES, fixtureExpectations, read, rel, yamlFiles } from '../helpers/fixtures.js';
import { basename, join } from 'node:path';
import { formatDiagnostics } from '../../src/diagnostics.js';
import { golden } from '../helpers/golden.js';

for (const file of yamlFiles(join(FIXTURES, 'invalid'))) {
  const text = read(file);
  const { rule, expect: expected } = fixtureExpectations(text);
  // Parsed inside each test, never in the describe body: code that runs while
  // vitest collects tests is invisible to mutation testing (Stryker activates a
  // mutant per test), so a rule checked there would look tested and not be.
  const parse = () => parseTopology(rel(file), text);
  describe(`rule: ${rule}`, () => {
    it('is rejected: no lab comes out', () => {
      expect(parse().lab).toBeUndefined();
      expect(expected.length).toBeGreaterThan(0);
    });

    it(`reports exactly ${expected.length} problem(s) at the right line and column (${rel(file)})`, () => {
      const got = parse().diagnostics.map((d) => ({ line: d.loc.line, col: d.loc.col, message: d.message, hint: d.hint ?? '' }));
      expect(got).toHaveLength(expected.length);
      for (const e of expected) {
        const match = got.find((g) => g.line === e.line && g.col === e.col && g.message.includes(e.message) && (!e.hint || g.hint.includes(e.hint)));
        expect(match, `expected ${e.line}:${e.col} "${e.message}"${e.hint ? ` hint "${e.hint}"` : ''}\ngot:\n${got.map((g) => `  ${g.line}:${g.col} ${g.message} | ${g.hint}`).join('\n')}`).toBeDefined();
      }
    });

    it(`prints what the user reads, word for word: golden/diagnostics/${basename(file, '.yaml')}.txt`, () => {
      golden(`diagnostics/${basename(file, '.yaml')}.txt`, `${formatDiagnostics(parse().diagnostics, text)}\n`);
    });

    it('names the file in every diagnostic', () => {
      for (const d of parse().diagnostics) expect(d.loc.file).toBe(rel(file));
    });
  });
}
