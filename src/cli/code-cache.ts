/**
 * V8's code cache for the CLI bundle: what V8 compiled on one run is kept
 * beside the bundle (dist/bundle/.code-cache/) and handed back on the next,
 * like Python's __pycache__. Every nslab command compiles ≈ 0.6 MB of
 * JavaScript before it does anything; with the cache `nslab plan` of a
 * 200-router chain took 245–277 ms instead of 383 ms (averages of 8, one
 * run). Node 22 does this itself (module.enableCompileCache); Node 20 does
 * not, and has no cache for ES modules, so the bundle is CommonJS and
 * compiled here through vm.Script's cachedData.
 *
 * nslab runs as root and a cache is code: a cache is read only from a
 * folder and files owned by the user running nslab and writable by no one
 * else, and written only there (folder made 0700, files renamed into place).
 * V8 rejects a cache made from another source or by another V8; it is then
 * written anew. NSLAB_CODE_CACHE=0 turns it off.
 */
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

export interface CodeCacheStats {
  /** bundle files compiled with a cache V8 accepted */
  used: number;
  /** compiled without one (none yet, or rejected) */
  compiled: number;
}

/**
 * A file that imports an ES module (the chart's echarts and resvg) is left
 * to node: on Node 20 a script compiled from a cache loses its import()
 * callback ("A dynamic import callback was not specified"), with or without
 * vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER.
 */
const DYNAMIC_IMPORT = /(?<!\{\s*)\bimport\(\s*["'`]/; // not a JSDoc type: `{ import("./x.js").T }`

/** Owned by us and writable by nobody else (and not a symlink). */
export function trusted(path: string, kind: 'dir' | 'file', uid = process.geteuid?.() ?? 0): boolean {
  try {
    const st = lstatSync(path);
    return (kind === 'dir' ? st.isDirectory() : st.isFile()) && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** A cache file's name: the bundle file's, and a hash of its source (a rebuilt bundle never meets an old cache). */
export function cacheName(filename: string, source: string): string {
  return `${basename(filename)}.${createHash('sha256').update(source).digest('hex').slice(0, 16)}.v8`;
}

/**
 * Compile the files of `bundleDir` through the cache from now on (their
 * require()s and dynamic imports included). Returns live counts.
 */
export function installCodeCache(bundleDir: string, env: NodeJS.ProcessEnv = process.env): CodeCacheStats {
  const stats: CodeCacheStats = { used: 0, compiled: 0 };
  if (env.NSLAB_CODE_CACHE === '0') return stats;
  const dir = join(bundleDir, '.code-cache');
  const readable = trusted(dir, 'dir');
  const toWrite: [string, vm.Script][] = [];
  const proto = (Module as unknown as { prototype: CompilingModule }).prototype;
  const original = proto._compile;
  proto._compile = function (this: CompilingModule, content: string, filename: string) {
    if (dirname(filename) !== bundleDir || DYNAMIC_IMPORT.test(content)) return original.call(this, content, filename);
    const file = join(dir, cacheName(filename, content));
    const cachedData = readable && trusted(file, 'file') ? readFileSync(file) : undefined;
    const script = new vm.Script((Module as unknown as { wrap(s: string): string }).wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (cachedData && !script.cachedDataRejected) stats.used++;
    else {
      stats.compiled++;
      toWrite.push([file, script]);
    }
    const fn = script.runInThisContext() as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname(filename));
  };
  // At exit, so the cache holds what this run compiled lazily too, not only each file's top level.
  process.once('exit', () => {
    if (toWrite.length === 0) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!trusted(dir, 'dir')) return;
      for (const [file, script] of toWrite) {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      }
    } catch {
      // a read-only install: run without a cache
    }
  });
  return stats;
}
