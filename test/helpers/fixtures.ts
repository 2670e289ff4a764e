import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test/fixtures');
export const TOPOLOGIES = join(ROOT, 'topologies');

/** A file's path as the tools print it: relative to the repository root. */
export function rel(path: string): string {
  return relative(ROOT, path);
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** A valid lab of test/fixtures/labs, named as written (so its namespace names are known); no diagnostics allowed. */
export function labFixture(name: string): Lab {
  const r = parseTopology(name, read(join(FIXTURES, 'labs', name)));
  expect(r.diagnostics).toEqual([]);
  return r.lab!;
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

export interface Expectation {
  line: number;
  col: number;
  message: string;
  hint?: string;
}

/**
 * An invalid fixture states its rule and the exact diagnostics it must
 * produce in its own header:
 *   # rule: <what is being tested>
 *   # expect: LINE:COL <message fragment> [| <hint fragment>]
 */
export function fixtureExpectations(text: string): { rule: string; expect: Expectation[] } {
  const rule = /^# rule: (.*)$/m.exec(text)?.[1] ?? '(no rule)';
  const expect = [...text.matchAll(/^# expect: (\d+):(\d+) ([^|\n]*)(?:\| (.*))?$/gm)].map((m) => ({
    line: Number(m[1]),
    col: Number(m[2]),
    message: m[3]!.trim(),
    hint: m[4]?.trim(),
  }));
  return { rule, expect };
}
