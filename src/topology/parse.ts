/**
 * YAML text → a document that still knows where every value came from.
 * Pure: takes text, returns data.
 *
 * The text may be hostile (CI runs files nobody reviewed), so reading it is
 * bounded: a size limit, a nesting limit, an alias-expansion limit ("billion
 * laughs"), and linear time in the number of keys. Each limit answers with
 * a diagnostic at the offending place, never an exception.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic, SourceLoc } from '../diagnostics.js';

export type Path = readonly (string | number)[];

export interface SourceFile {
  path: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface ParseResult {
  source: SourceFile;
  diagnostics: Diagnostic[];
  /** the document as plain data; undefined when the YAML itself is broken */
  data: unknown;
}

export const PARSE_LIMITS = {
  /** far above any real lab (the 1000-host star is 300 bytes; 100 000 nodes written out is ~2 MB) */
  bytes: 32 * 1024 * 1024,
  /** a topology nests about six levels deep (checks → ping → max_rtt → avg) */
  depth: 64,
  /** values that alias expansion may produce in all */
  aliases: 1000,
} as const;

export function parseTopologyText(path: string, text: string): ParseResult {
  const lines = new LineCounter();
  if (text.length > PARSE_LIMITS.bytes) {
    const empty = parseDocument('', { lineCounter: lines });
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    return {
      source: { path, text: '', doc: empty, lines },
      diagnostics: [{ loc: { file: path, line: 1, col: 1 }, message: `the file is ${mib(text.length)}; a topology may be at most ${mib(PARSE_LIMITS.bytes)}`, hint: 'write big labs with ranges, e.g. `"h{1..1000}": {}`' }],
      data: undefined,
    };
  }
  // uniqueKeys off: yaml's own check compares each key with every earlier one
  // (quadratic: 20 000 nodes took 3.6 s in it); duplicateKeys() does it in one pass.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const source: SourceFile = { path, text, doc, lines };
  const diagnostics: Diagnostic[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    const loc = { file: path, line: pos.line, col: pos.col, length: Math.max(1, e.pos[1] - e.pos[0]) };
    // The composer recurses per level; a stack overflow means absurd nesting, not bad syntax.
    if (/Maximum call stack size exceeded/.test(e.message)) return tooDeep(loc);
    // yaml's own message repeats the position and a code excerpt; keep the first line.
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { loc, message: `YAML syntax error: ${message}`, hint: yamlHint(e.code, message) };
  });
  if (diagnostics.length === 0) diagnostics.push(...structureProblems(source));
  if (diagnostics.length) return { source, diagnostics, data: undefined };
  try {
    return { source, diagnostics, data: doc.toJS({ maxAliasCount: PARSE_LIMITS.aliases }) };
  } catch (e) {
    // yaml refuses an expansion past maxAliasCount with a ReferenceError.
    const alias = firstAlias(doc);
    const loc = alias ? locOf(source, alias) : { file: path, line: 1, col: 1 };
    const aliasBomb = /alias count|resource exhaustion/i.test((e as Error).message);
    return {
      source,
      data: undefined,
      diagnostics: [
        aliasBomb
          ? { loc, message: `aliases expand to more than ${PARSE_LIMITS.aliases} values (a "billion laughs" pattern)`, hint: 'a topology needs few aliases; write ranges like `"h{1..1000}"` instead of nesting aliases' }
          : e instanceof RangeError
            ? tooDeep(loc)
            : { loc, message: `cannot read the YAML: ${(e as Error).message}` },
      ],
    };
  }
}

function tooDeep(loc: SourceLoc): Diagnostic {
  return { loc, message: `values nest more than ${PARSE_LIMITS.depth} levels deep`, hint: 'a topology nests a few levels (nodes → name → routes → route); check the brackets and indentation' };
}

/**
 * Duplicate keys and excessive nesting, in one iterative walk (an explicit
 * stack, so a deep file cannot overflow ours).
 */
function structureProblems(source: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: { node: unknown; depth: number }[] = [{ node: source.doc.contents, depth: 0 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > PARSE_LIMITS.depth) {
      out.push(tooDeep(locOf(source, node)));
      break;
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        // Every key of a topology is a name. A map or list as a key would
        // reach the model as its text (`"{ a: 1 }"`), with a warning from
        // yaml on stderr; an alias as a key hides which name it is.
        if (isMap(pair.key) || isSeq(pair.key) || isAlias(pair.key)) {
          const what = isAlias(pair.key) ? 'an alias' : isMap(pair.key) ? 'a map' : 'a list';
          out.push({ loc: locOf(source, pair.key), message: `a key must be a name, not ${what}`, hint: 'write the name itself, e.g. `pc1:` or `"h{1..10}":`' });
        }
        if (isScalar(pair.key)) {
          const k = String(pair.key.value);
          if (seen.has(k)) out.push({ loc: locOf(source, pair.key), message: 'YAML syntax error: Map keys must be unique', hint: yamlHint('DUPLICATE_KEY', '') });
          seen.add(k);
        }
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return out;
}

function firstAlias(doc: Document.Parsed): Node | undefined {
  const stack: unknown[] = [doc.contents];
  let first: Node | undefined;
  while (stack.length) {
    const node = stack.pop();
    if (isAlias(node) && (!first || (node.range?.[0] ?? 0) < (first.range?.[0] ?? 0))) first = node;
    if (isMap(node)) for (const p of node.items) stack.push(p.value);
    else if (isSeq(node)) stack.push(...node.items);
  }
  return first;
}

function locOf(source: SourceFile, node: Node): SourceLoc {
  const range = node.range ?? [0, 0, 0];
  const pos = source.lines.linePos(range[0]);
  return { file: source.path, line: pos.line, col: pos.col, length: Math.max(1, range[1] - range[0]) };
}

function yamlHint(code: string, message: string): string | undefined {
  if (/end with a [\]}]/.test(message)) return 'a `[` or `{` is not closed before the end of the file';
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a map; merge the two entries';
    case 'TAB_AS_INDENT':
      return 'indent with spaces: YAML does not allow tabs for indentation';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested keys use spaces, never tabs';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a key is probably missing its colon (`a: {}`), or a value is indented too little';
    default:
      return undefined;
  }
}

/** Each map's pairs by key, built on first use: a lookup per diagnostic would otherwise scan the map (quadratic on big labs). */
const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = indexes.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
    indexes.set(map, index);
  }
  return index.get(key);
}

function nodeAt(doc: Document.Parsed, path: Path): { node: Node | null; keyNode: Node | null; depth: number } {
  let node: Node | null = doc.contents;
  let keyNode: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = pairOf(node, String(seg));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = (pair.value as Node | null) ?? keyNode;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      keyNode = null;
      node = node.items[seg] as Node;
    } else {
      break;
    }
    depth++;
  }
  return { node, keyNode, depth };
}

/**
 * Where a value (or its key) lives in the file. If the path does not exist in
 * full — a missing required key, say — points at the deepest part that does.
 */
export function locate(source: SourceFile, path: Path, part: 'value' | 'key' = 'value'): SourceLoc {
  const { node, keyNode } = nodeAt(source.doc, path);
  const target = part === 'key' && keyNode ? keyNode : node;
  return target ? locOf(source, target) : { file: source.path, line: 1, col: 1, length: 1 };
}
