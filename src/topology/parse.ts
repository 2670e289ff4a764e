/**
 * YAML text → a document that still knows where every value came from.
 * Pure: takes text, returns data.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
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

export function parseTopologyText(path: string, text: string): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const source: SourceFile = { path, text, doc, lines };
  const diagnostics: Diagnostic[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    // yaml's own message repeats the position and a code excerpt; keep the first line.
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return {
      loc: { file: path, line: pos.line, col: pos.col, length: Math.max(1, e.pos[1] - e.pos[0]) },
      message: `YAML syntax error: ${message}`,
      hint: yamlHint(e.code, message),
    };
  });
  return { source, diagnostics, data: diagnostics.length ? undefined : doc.toJS({ maxAliasCount: 1000 }) };
}

function yamlHint(code: string, message: string): string | undefined {
  if (/end with a [\]}]/.test(message)) return 'a `[` or `{` is not closed before the end of the file';
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a map; merge the two entries';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested keys use spaces, never tabs';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a key is probably missing its colon, or a value is indented too little';
    default:
      return undefined;
  }
}

function nodeAt(doc: Document.Parsed, path: Path): { node: Node | null; keyNode: Node | null; depth: number } {
  let node: Node | null = doc.contents;
  let keyNode: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
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
  const range = target?.range ?? [0, 0, 0];
  const pos = source.lines.linePos(range[0]);
  return { file: source.path, line: pos.line, col: pos.col, length: Math.max(1, range[1] - range[0]) };
}
