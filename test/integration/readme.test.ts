/**
 * Every runnable block of the README, run as written: the `sh` blocks line
 * by line (the nslab commands; `npm ci` is what set up this checkout), and
 * the library snippet as a vitest file of its own. Lab names are made unique
 * and the labs removed afterwards, as in every integration test; a block
 * that cannot run inside the suite says so in an HTML comment above it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { down } from '../../src/exec/down.js';
import { ROOT, TOPOLOGIES } from '../helpers/fixtures.js';
import { isRoot, namespaces, renamed, uniqueName } from '../helpers/lab.js';
import { codeBlocks } from '../helpers/markdown.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function runnable(lang: string): { code: string; line: number }[] {
  return codeBlocks(readme, lang).filter((b) => {
    const before = readme.split('\n').slice(0, b.line - 2).reverse().find((l) => l.trim() !== '');
    return !before?.startsWith('<!-- not run by the tests');
  });
}

/**
 * A copy of an example topology under a unique lab name, in a copy of the
 * examples' folder (a topology refers to files beside it: nft rulesets,
 * daemon configurations).
 */
function uniqueCopy(dir: string, file: string, named: Map<string, string>): { path: string; from: string; to: string } {
  const copy = join(dir, 'topologies');
  if (!existsSync(copy)) cpSync(TOPOLOGIES, copy, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const from = /^name: (\S+)$/m.exec(text)![1]!;
  // Files of one lab (a topology and its changed version, for `apply`) keep sharing a name.
  const to = named.get(from) ?? uniqueName();
  named.set(from, to);
  writeFileSync(path, renamed(text, to));
  return { path, from, to };
}

describe.skipIf(!isRoot)('README: the shell blocks', () => {
  for (const block of runnable('sh')) {
    it(`the block at line ${block.line} runs as written`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nslab-readme-'));
      const labs = new Map<string, { path: string; from: string; to: string }>();
      const named = new Map<string, string>();
      try {
        for (const line of block.code.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean)) {
          if (/^npm (ci|install)$/.test(line)) continue; // what set up this checkout
          expect(line, 'README shell lines are plain words, so this test can run them').toMatch(/^npx nslab [\w ./:,=-]+$/);
          const words = line.split(/\s+/).slice(2).map((w) => {
            if (/^topologies\/([\w-]+\/)?[\w-]+\.yaml$/.test(w)) {
              if (!labs.has(w)) labs.set(w, uniqueCopy(dir, w, named));
              return labs.get(w)!.path;
            }
            return [...labs.values()].find((l) => l.from === w)?.to ?? w;
          });
          const r = spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), ...words], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
          expect(r.status, `${line}\n${r.stdout}\n${r.stderr}`).toBe(0);
        }
      } finally {
        for (const to of new Set([...labs.values()].map((l) => l.to))) {
          await down(to);
          expect(namespaces(`${to}-`)).toEqual([]);
        }
        rmSync(dir, { recursive: true, force: true });
      }
    }, 180_000);
  }
});

describe.skipIf(!isRoot)('README: the library snippet', () => {
  const blocks = runnable('js');
  it('there is one, and it runs as written (vitest, `import … from \'nslab\'`), leaving nothing behind', async () => {
    expect(blocks).toHaveLength(1);
    const name = uniqueName();
    // Inside the checkout, so `import 'nslab'` resolves as in a project that depends on it.
    const dir = join(ROOT, 'test/.readme');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vitest.config.mjs'), `export default { test: { include: ['*.test.mjs'], root: ${JSON.stringify(dir)}, testTimeout: 60000, hookTimeout: 60000 } };\n`);
    const code = blocks[0]!.code.replace("'ci-lan'", JSON.stringify(name)).replace("'topologies/lan.yaml'", JSON.stringify(join(TOPOLOGIES, 'lan.yaml')));
    writeFileSync(join(dir, 'library.test.mjs'), code);
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', join(dir, 'vitest.config.mjs')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/1 passed/);
      expect(namespaces(`${name}-`)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await down(name); // a snippet that leaks must not leak from the suite too
    }
  }, 150_000);
});
