/**
 * Fuzzing the front of the pipeline: seeded random mutations of the example
 * topologies. Whatever the text, parseTopology returns a lab or located
 * diagnostics (the CLI's exit 0 or 2), never throws, and answers in well
 * under a second; a lab that comes out also compiles to a plan. A sample goes
 * through the real CLI to check the exit codes themselves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { creationPlan } from '../../src/compile/create.js';
import { parseTopology } from '../../src/topology/load.js';
import { mulberry32 } from '../../src/util/prng.js';
import { read, ROOT, TOPOLOGIES, yamlFiles } from '../helpers/fixtures.js';

// A seeded PRNG, so a failing case can be replayed from its seed.
const prng = mulberry32;

const NOISE = ['{', '}', '[', ']', ':', ',', '-', "'", '"', ' ', '\n', '\t', '&a', '*a', '!!str', '|', '>', '%', '@', '#', '..', '{1..3}', '0', '-1',
  '99999999999999999999', '1e400', 'null', '~', 'true', '10.0.0.1/24', 'fd00::1/64', '1500', 'eth0', 'h1', ':eth0', '\u0000', 'é', '<<: *a'];

function mutate(text: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let s = text;
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const lines = s.split('\n');
    switch (Math.floor(rnd() * 7)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 8)); break; // delete
      case 1: s = s.slice(0, at) + pick(NOISE) + s.slice(at); break; // insert
      case 2: { const i = Math.floor(rnd() * lines.length); lines.splice(i, 0, lines[i] ?? ''); s = lines.join('\n'); break; } // duplicate a line
      case 3: { const i = Math.floor(rnd() * lines.length); const j = Math.floor(rnd() * lines.length); [lines[i], lines[j]] = [lines[j]!, lines[i]!]; s = lines.join('\n'); break; }
      case 4: s = s.slice(0, at); break; // truncate
      case 5: s = s.replace(/\b\d+\b/, () => pick(['0', '-1', '65536', '4294967296', '1.5', '1e9', '007'])); break;
      default: { const i = Math.floor(rnd() * lines.length); lines[i] = ' '.repeat(Math.floor(rnd() * 6)) + (lines[i] ?? '').trimStart(); s = lines.join('\n'); }
    }
  }
  return s;
}

const examples = yamlFiles(TOPOLOGIES).filter((f) => !f.includes('star1000')).map((f) => read(f));
const CASES = 3000;

describe('fuzz: mutated example topologies', () => {
  it(`${CASES} seeded cases: a lab or located diagnostics, never an exception, each under a second`, () => {
    let labs = 0;
    let slowest = 0;
    for (let seed = 1; seed <= CASES; seed++) {
      const rnd = prng(seed);
      const text = mutate(examples[seed % examples.length]!, rnd);
      const t0 = performance.now();
      let result: ReturnType<typeof parseTopology>;
      try {
        result = parseTopology('fuzz.yaml', text);
        if (result.lab) creationPlan(result.lab);
      } catch (e) {
        throw new Error(`seed ${seed} threw ${(e as Error).stack}\n--- input ---\n${text}`);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      expect(ms, `seed ${seed} took ${ms} ms`).toBeLessThan(1000);
      if (result.lab) labs++;
      else {
        expect(result.diagnostics.length, `seed ${seed}: no lab and no diagnostic`).toBeGreaterThan(0);
        for (const d of result.diagnostics) {
          expect(d.loc.line, `seed ${seed}: ${d.message}`).toBeGreaterThanOrEqual(1);
          expect(d.loc.col).toBeGreaterThanOrEqual(1);
          expect(d.message.length).toBeGreaterThan(0);
        }
      }
    }
    // The mutations must not be so wild that nothing parses, nor so tame that everything does.
    expect(labs).toBeGreaterThan(CASES * 0.05);
    expect(labs).toBeLessThan(CASES * 0.95);
  }, 120_000);

  it('through the CLI: exit 0 or 2, never an internal error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-fuzz-'));
    const files: string[] = [];
    for (let seed = 10_001; seed <= 10_040; seed++) {
      const file = join(dir, `case-${seed}.yaml`);
      writeFileSync(file, mutate(examples[seed % examples.length]!, prng(seed)));
      files.push(file);
    }
    for (const file of files) {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), 'validate', file], { encoding: 'utf8' });
      expect([0, 2], `${file}: exit ${r.status}\n${r.stderr}`).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|    at |\(node:\d+\) Warning/);
    }
  }, 60_000);
});
