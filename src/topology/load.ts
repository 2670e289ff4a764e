/**
 * The front of the pipeline: text → parsed YAML → structure → Lab.
 * `parseTopology` is pure; `readTopology` adds the one file read.
 */
import { readFile } from 'node:fs/promises';
import { TopologyError, type Diagnostic } from '../diagnostics.js';
import { buildLab } from './build.js';
import type { Lab } from './model.js';
import { parseTopologyText } from './parse.js';
import { TopologyFileSchema } from './schema.js';
import { validateStructure } from './structure.js';

export interface TopologyResult {
  lab?: Lab;
  diagnostics: Diagnostic[];
}

export function parseTopology(path: string, text: string): TopologyResult {
  const parsed = parseTopologyText(path, text);
  if (parsed.diagnostics.length) return { diagnostics: parsed.diagnostics };
  if (parsed.data === null || parsed.data === undefined) {
    return { diagnostics: [{ loc: { file: path, line: 1, col: 1 }, message: 'the file is empty', hint: 'a topology needs at least `name:` and `nodes:`' }] };
  }
  const { value, diagnostics } = validateStructure(TopologyFileSchema, parsed.data, parsed.source);
  if (value) return buildLab(value, parsed.source);
  // Report every problem at once: set aside the entries that are structurally
  // wrong and check the meaning of the rest, so a typo in one link does not
  // hide an unknown node in another.
  const pruned = pruneInvalid(parsed.data, TopologyFileSchema.safeParse(parsed.data).error?.issues ?? []);
  const second = pruned && validateStructure(TopologyFileSchema, pruned.data, parsed.source);
  if (!pruned || !second?.value) return { diagnostics };
  const file = { ...second.value, links: pruned.restoreLinks(second.value.links) };
  const semantic = buildLab(file, parsed.source).diagnostics;
  return { diagnostics: [...diagnostics, ...semantic] };
}

type Issue = { code: string; path: PropertyKey[]; keys?: string[] };

/**
 * A copy of the data without the parts zod rejected: bad links are dropped
 * (and put back as holes so every other link keeps its index and source
 * location), bad fields of nodes and top-level keys are removed.
 */
function pruneInvalid(data: unknown, issues: readonly Issue[]) {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const root = structuredClone(data) as Record<string, unknown>;
  const badLinks = new Set<number>();
  for (const issue of issues) {
    const path = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s));
    const [top, second, third] = path;
    if (issue.code === 'unrecognized_keys' && path.length === 0) {
      for (const k of issue.keys ?? []) delete root[k];
    } else if (top === 'links' && typeof second === 'number') {
      badLinks.add(second);
    } else if (top === 'nodes' && second !== undefined && isMap(root.nodes)) {
      const node = root.nodes[String(second)];
      if (third === undefined || !isMap(node)) root.nodes[String(second)] = {};
      else if (issue.code === 'unrecognized_keys' && path.length === 2) for (const k of issue.keys ?? []) delete node[k];
      else delete node[String(third)];
    } else if (top === 'bench' && isMap(root.bench) && second !== undefined) {
      // A bad sweep dimension or option is set aside; the rest is still checked against the lab.
      const bench = root.bench;
      const sweep = isMap(bench.sweep) ? bench.sweep : undefined;
      if (second === 'sweep' && sweep && third !== undefined) delete sweep[String(third)];
      else if (second === 'sweep' && sweep && issue.code === 'unrecognized_keys') for (const k of issue.keys ?? []) delete sweep[k];
      else if (second === 'from' || second === 'to' || second === 'sweep') delete root.bench;
      else delete bench[String(second)];
    } else if (top === 'bench' && isMap(root.bench) && issue.code === 'unrecognized_keys') {
      for (const k of issue.keys ?? []) delete root.bench[k];
    } else if (top === 'name') {
      root.name = 'lab'; // a stand-in, so the lab name is not reported twice
    } else if (typeof top === 'string') {
      delete root[top];
    }
  }
  if (!isMap(root.nodes)) root.nodes = {};
  const original = Array.isArray(root.links) ? root.links : [];
  const kept = original.map((l, i) => ({ l, i })).filter(({ i }) => !badLinks.has(i));
  root.links = kept.map(({ l }) => l);
  return {
    data: root,
    restoreLinks<T>(links: T[] | undefined): T[] {
      const out: T[] = new Array(original.length);
      (links ?? []).forEach((l, j) => (out[kept[j]!.i] = l));
      return out;
    },
  };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse or throw a TopologyError carrying every problem and the text to quote. */
export function loadTopology(path: string, text: string): Lab {
  const { lab, diagnostics } = parseTopology(path, text);
  if (!lab) throw new TopologyError(diagnostics, text);
  return lab;
}

export async function readTopology(path: string): Promise<Lab> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new TopologyError([{ loc: { file: path, line: 1, col: 1 }, message: `cannot read the topology: ${err.code === 'ENOENT' ? 'no such file' : err.message}` }]);
  }
  return loadTopology(path, text);
}
