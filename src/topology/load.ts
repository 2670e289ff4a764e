/**
 * The front of the pipeline: text → parsed YAML → structure → Lab.
 * `parseTopology` is pure; `readTopology` adds the one file read.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { tablesOf } from './software.js';
import { TopologyError, type Diagnostic } from '../diagnostics.js';
import { buildLab } from './build.js';
import type { Lab } from './model.js';
import { parseTopologyText } from './parse.js';
import { expandRange } from './ranges.js';
import { TopologyFileSchema } from './schema.js';
import { lintLab } from './warnings.js';
import { validateStructure } from './structure.js';

export interface TopologyResult {
  lab?: Lab;
  /** errors; empty when a lab came out */
  diagnostics: Diagnostic[];
  /** certain mistakes in a lab that is otherwise valid (also on `lab.warnings`) */
  warnings?: Diagnostic[];
}

export interface LoadOptions {
  /** warnings are errors */
  strict?: boolean;
}

export function parseTopology(path: string, text: string): TopologyResult {
  const parsed = parseTopologyText(path, text);
  if (parsed.diagnostics.length) return { diagnostics: parsed.diagnostics };
  if (parsed.data === null || parsed.data === undefined) {
    return { diagnostics: [{ loc: { file: path, line: 1, col: 1 }, message: 'the file is empty', hint: 'a topology needs at least `name:` and `nodes:`' }] };
  }
  const { value, diagnostics } = validateStructure(TopologyFileSchema, parsed.data, parsed.source);
  if (value) {
    const built = buildLab(value, parsed.source);
    if (!built.lab) return built;
    const warnings = lintLab(built.lab);
    built.lab.warnings = warnings;
    built.lab.source = text;
    return { lab: built.lab, diagnostics: [], warnings };
  }
  // Report every problem at once: set aside the entries that are structurally
  // wrong and check the meaning of the rest, so a typo in one link does not
  // hide an unknown node in another.
  const pruned = pruneInvalid(parsed.data, TopologyFileSchema.safeParse(parsed.data).error?.issues ?? []);
  const second = pruned && validateStructure(TopologyFileSchema, pruned.data, parsed.source);
  if (!pruned || !second?.value) return { diagnostics };
  const file = { ...second.value, links: pruned.restoreLinks(second.value.links) };
  pruned.restoreRoutes(file.nodes);
  const semantic = buildLab(file, parsed.source, { tainted: pruned.tainted }).diagnostics;
  return { diagnostics: [...diagnostics, ...semantic] };
}

type Issue = { code: string; path: PropertyKey[]; keys?: string[] };

/**
 * A copy of the data without the parts zod rejected: bad links and bad
 * routes are dropped (and put back as holes so every other one keeps its
 * index and source location), bad fields of nodes and top-level keys are
 * removed. Nodes that lost something a later check depends on (a link, their
 * kind) are `tainted`: their addresses are incomplete, so problems that the
 * missing part could explain are not reported for them.
 */
function pruneInvalid(data: unknown, issues: readonly Issue[]) {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const root = structuredClone(data) as Record<string, unknown>;
  const badLinks = new Set<number>();
  const badRoutes = new Map<string, Set<number>>();
  const tainted = new Set<string>();
  for (const issue of issues) {
    const path = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s));
    const [top, second, third, fourth] = path;
    if (issue.code === 'unrecognized_keys' && path.length === 0) {
      for (const k of issue.keys ?? []) delete root[k];
    } else if (top === 'links' && typeof second === 'number') {
      badLinks.add(second);
    } else if (top === 'nodes' && second !== undefined && isMap(root.nodes)) {
      const name = String(second);
      const node = root.nodes[name];
      if (third === 'routes' && typeof fourth === 'number' && isMap(node) && Array.isArray(node.routes)) {
        (badRoutes.get(name) ?? badRoutes.set(name, new Set()).get(name)!).add(fourth);
        continue;
      }
      // An unknown key of a node goes alone: the node keeps its kind, links and routes.
      if (third === undefined && issue.code === 'unrecognized_keys' && isMap(node)) {
        for (const k of issue.keys ?? []) delete node[k];
        continue;
      }
      if (third === undefined || third === 'kind' || !isMap(node)) tainted.add(name);
      if (third === undefined || !isMap(node)) root.nodes[name] = {};
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
  const nodes = root.nodes as Record<string, unknown>;
  const routeLengths = new Map<string, number>();
  for (const [name, bad] of badRoutes) {
    const node = nodes[name];
    if (!isMap(node) || !Array.isArray(node.routes)) continue; // the node itself was set aside by another problem
    routeLengths.set(name, node.routes.length);
    node.routes = node.routes.filter((_, i) => !bad.has(i));
  }
  const original = Array.isArray(root.links) ? root.links : [];
  original.forEach((l, i) => badLinks.has(i) && endpointNodes(l).forEach((n) => tainted.add(n)));
  const kept = original.map((l, i) => ({ l, i })).filter(({ i }) => !badLinks.has(i));
  root.links = kept.map(({ l }) => l);
  return {
    data: root,
    tainted,
    restoreLinks<T>(links: T[] | undefined): T[] {
      const out: T[] = new Array(original.length);
      (links ?? []).forEach((l, j) => (out[kept[j]!.i] = l));
      return out;
    },
    /** Routes back at their original indices, holes where a bad one was. */
    restoreRoutes(parsed: Record<string, { routes?: unknown[] } | null>): void {
      for (const [name, bad] of badRoutes) {
        const node = parsed[name];
        if (!node?.routes) continue;
        const out: unknown[] = new Array(routeLengths.get(name)!);
        let j = 0;
        for (let i = 0; i < out.length; i++) if (!bad.has(i)) out[i] = node.routes[j++];
        node.routes = out;
      }
    },
  };
}

/** The node names a raw (possibly malformed) link names, ranges expanded. */
function endpointNodes(link: unknown): string[] {
  if (!isMap(link) || !Array.isArray(link.endpoints)) return [];
  return link.endpoints.flatMap((e) => {
    if (typeof e !== 'string') return [];
    const r = expandRange(e.split(':')[0]!);
    return r.ok ? r.values : [];
  });
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse or throw a TopologyError carrying every problem (and, strictly, every warning) and the text to quote. */
export function loadTopology(path: string, text: string, opts: LoadOptions = {}): Lab {
  const { lab, diagnostics, warnings = [] } = parseTopology(path, text);
  if (!lab) throw new TopologyError(diagnostics, text);
  if (opts.strict && warnings.length) throw new TopologyError(warnings, text, { strict: true });
  return lab;
}

export async function readTopology(path: string, opts: LoadOptions = {}): Promise<Lab> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new TopologyError([{ loc: { file: path, line: 1, col: 1 }, message: `cannot read the topology: ${err.code === 'ENOENT' ? 'no such file' : err.message}` }]);
  }
  const lab = loadTopology(path, text, opts);
  readNftFiles(lab, text);
  return lab;
}

/**
 * The effectful half of `nft: FILE`: the file must exist (relative to the
 * topology), and the tables it declares are what `status --verify` reads back.
 */
function readNftFiles(lab: Lab, text: string): void {
  const problems: Diagnostic[] = [];
  for (const n of lab.nodes) {
    if (n.kind !== 'netns' || !n.nft?.file) continue;
    const file = resolve(lab.dir, n.nft.file);
    try {
      n.nft.tables = tablesOf(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push({ loc: n.nft.loc, message: `cannot read nft file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, hint: 'the path is relative to the topology\'s folder' });
    }
  }
  if (problems.length) throw new TopologyError(problems, text);
}
