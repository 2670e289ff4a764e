/**
 * Where nslab is installed. Its files are found from there, not from a path
 * relative to the calling module: the CLI runs bundled (dist/bundle), the
 * library unbundled (dist/...), the tests from src.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'nslab') return (root = dir);
  }
  throw new Error('nslab: cannot find its own package.json above ' + fileURLToPath(import.meta.url));
}

/** The probe script the connect and http checks run inside nodes (compiled by `npm run build`). */
export function probeScript(): string {
  return join(packageRoot(), 'dist/probe/probe.js');
}
