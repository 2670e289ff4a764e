import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheName, trusted } from '../../src/cli/code-cache.js';
import { ROOT } from '../helpers/fixtures.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'nslab-cc-'));

describe('a code cache is trusted only when it is ours alone', () => {
  it('a folder and a file of ours, writable by nobody else', () => {
    const d = scratch();
    chmodSync(d, 0o700);
    writeFileSync(join(d, 'f'), 'x', { mode: 0o600 });
    expect(trusted(d, 'dir')).toBe(true);
    expect(trusted(join(d, 'f'), 'file')).toBe(true);
  });
  it('not when the group or others may write it, not a symlink, not another user\'s, not missing', () => {
    const d = scratch();
    chmodSync(d, 0o777);
    expect(trusted(d, 'dir')).toBe(false);
    chmodSync(d, 0o770);
    expect(trusted(d, 'dir')).toBe(false);
    chmodSync(d, 0o700);
    writeFileSync(join(d, 'f'), 'x');
    chmodSync(join(d, 'f'), 0o666);
    expect(trusted(join(d, 'f'), 'file')).toBe(false);
    writeFileSync(join(d, 'g'), 'x', { mode: 0o600 });
    symlinkSync(join(d, 'g'), join(d, 'link'));
    expect(trusted(join(d, 'link'), 'file')).toBe(false);
    expect(trusted(join(d, 'g'), 'file', 12345)).toBe(false);
    expect(trusted(join(d, 'nope'), 'file')).toBe(false);
    expect(trusted(join(d, 'g'), 'dir')).toBe(false);
  });
  it('a cache is named by its file and its source: a rebuilt bundle never meets an old cache', () => {
    expect(cacheName('/x/main.cjs', 'a')).toMatch(/^main\.cjs\.[0-9a-f]{16}\.v8$/);
    expect(cacheName('/x/main.cjs', 'a')).not.toBe(cacheName('/x/main.cjs', 'b'));
  });
});

describe('the bundle compiled through the cache', () => {
  /** A bundle of two CommonJS files, run in a fresh node with the cache installed: what it printed. */
  function run(dir: string, env: Record<string, string> = {}) {
    const script = `import { installCodeCache } from ${JSON.stringify(join(ROOT, 'dist/cli/code-cache.js'))};
import { createRequire } from 'node:module';
const stats = installCodeCache(${JSON.stringify(dir)});
const { answer } = createRequire(import.meta.url)(${JSON.stringify(join(dir, 'main.cjs'))});
console.log(JSON.stringify({ answer: await answer(), ...stats }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { answer: number; used: number; compiled: number };
  }
  function bundle(): string {
    const dir = scratch();
    writeFileSync(join(dir, 'main.cjs'), 'exports.answer = () => Promise.resolve().then(() => require("./chunk.cjs")).then((c) => c.six() * 7);\n');
    writeFileSync(join(dir, 'chunk.cjs'), 'exports.six = () => 6;\n');
    return dir;
  }

  it('the first run compiles and keeps the cache; the next uses it, with the same result', () => {
    const dir = bundle();
    expect(run(dir)).toEqual({ answer: 42, used: 0, compiled: 2 });
    expect(readdirSync(join(dir, '.code-cache')).filter((f) => f.endsWith('.v8'))).toHaveLength(2);
    expect(run(dir)).toEqual({ answer: 42, used: 2, compiled: 0 });
  });
  it('a changed file is compiled anew, the other keeps its cache', () => {
    const dir = bundle();
    run(dir);
    writeFileSync(join(dir, 'chunk.cjs'), 'exports.six = () => 6; // rebuilt\n');
    expect(run(dir)).toEqual({ answer: 42, used: 1, compiled: 1 });
  });
  it('a cache folder others may write is neither read nor written', () => {
    const dir = bundle();
    run(dir);
    chmodSync(join(dir, '.code-cache'), 0o777);
    expect(run(dir)).toEqual({ answer: 42, used: 0, compiled: 2 });
  });
  it('a cache V8 cannot use (garbage) is compiled past and replaced', () => {
    const dir = bundle();
    run(dir);
    for (const f of readdirSync(join(dir, '.code-cache'))) writeFileSync(join(dir, '.code-cache', f), 'garbage', { mode: 0o600 });
    expect(run(dir)).toEqual({ answer: 42, used: 0, compiled: 2 });
    expect(run(dir)).toEqual({ answer: 42, used: 2, compiled: 0 });
  });
  it('a file that imports an ES module is left to node, and its import works on every run (Node 20 loses the import callback of a cached script)', () => {
    const dir = bundle();
    writeFileSync(join(dir, 'chunk.cjs'), 'exports.six = () => 6; exports.os = () => import("node:os");\n');
    writeFileSync(join(dir, 'main.cjs'), 'exports.answer = () => Promise.resolve().then(() => require("./chunk.cjs")).then(async (c) => (typeof (await c.os()).cpus === "function" ? c.six() * 7 : 0));\n');
    expect(run(dir)).toEqual({ answer: 42, used: 0, compiled: 1 });
    expect(run(dir)).toEqual({ answer: 42, used: 1, compiled: 0 });
  });
  it('NSLAB_CODE_CACHE=0: plain require, nothing kept', () => {
    const dir = bundle();
    expect(run(dir, { NSLAB_CODE_CACHE: '0' })).toEqual({ answer: 42, used: 0, compiled: 0 });
    expect(readdirSync(dir)).not.toContain('.code-cache');
  });
});
