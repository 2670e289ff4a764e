/**
 * Errors are values. Every problem nslab reports about a topology is a
 * Diagnostic that points at the file, line and column that caused it, and
 * says how to fix it where we know. Failures of the machine (a kernel command
 * that failed, a missing tool) are typed errors that carry the same source
 * location when one exists, so the CLI can print them uniformly and choose
 * an exit code CI can trust.
 */

export interface SourceLoc {
  file: string;
  /** 1-based line */
  line: number;
  /** 1-based column */
  col: number;
  /** length of the offending text on that line, for the caret underline */
  length?: number;
}

export interface Diagnostic {
  loc: SourceLoc;
  message: string;
  hint?: string;
  /** an error stops the lab; a warning is printed (and fails only with `--strict`). Default: error. */
  severity?: 'error' | 'warning';
}

export const isWarning = (d: Diagnostic) => d.severity === 'warning';

export function formatLoc(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/**
 * `file:line:col: message`, then the source line with a caret under the
 * offending value, then the hint. `sourceText` is optional: without it only
 * the first line and the hint are printed.
 */
export function formatDiagnostic(d: Diagnostic, sourceText?: string): string {
  const out = [`${formatLoc(d.loc)}: ${isWarning(d) ? 'warning: ' : ''}${d.message}`];
  const line = sourceText === undefined ? undefined : lineAt(sourceText, d.loc.line);
  if (line !== undefined) {
    const num = String(d.loc.line);
    const shown = excerpt(line, d.loc.col, d.loc.length ?? 1);
    out.push(`  ${num} | ${shown.text}`);
    out.push(`  ${' '.repeat(num.length)} | ${' '.repeat(shown.caretAt)}${'^'.repeat(shown.caretWidth)}`);
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}

/** The n-th line (1-based) without splitting the whole text: files can be megabytes. */
function lineAt(text: string, n: number): string | undefined {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? undefined : end).replace(/\r$/, '');
}

const EXCERPT_WIDTH = 100;

/** A window of a long line around the column, with … where it was cut, and where the caret goes in it. */
export function excerpt(line: string, col: number, length: number): { text: string; caretAt: number; caretWidth: number } {
  const at = Math.max(0, col - 1);
  let from = 0;
  if (line.length > EXCERPT_WIDTH) from = Math.max(0, Math.min(at - 30, line.length - EXCERPT_WIDTH));
  const to = Math.min(line.length, from + EXCERPT_WIDTH);
  const text = `${from > 0 ? '…' : ''}${line.slice(from, to)}${to < line.length ? '…' : ''}`;
  const caretAt = at - from + (from > 0 ? 1 : 0);
  const caretWidth = Math.max(1, Math.min(length, to - at));
  return { text, caretAt, caretWidth };
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line || a.loc.col - b.loc.col,
  );
}

/** Exit codes, shared by every command so CI can rely on them. */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  deployFailed: 3,
  environment: 4,
  /** a bug in nslab */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class NslabError extends Error {
  abstract readonly exitCode: ExitCode;
  /** A short sentence on what to do about it. */
  hint?: string;
}

/** The topology file is wrong (or, with `--strict`, has warnings). All problems found, sorted by position. */
export class TopologyError extends NslabError {
  readonly exitCode = ExitCode.badInput;
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly sourceText?: string,
    readonly opts: { strict?: boolean } = {},
  ) {
    super(
      diagnostics.length === 1
        ? `${formatLoc(diagnostics[0]!.loc)}: ${diagnostics[0]!.message}`
        : `${diagnostics.length} problems in the topology`,
    );
    this.name = 'TopologyError';
  }
  format(): string {
    return `${formatDiagnostics(this.diagnostics, this.sourceText)}\n\n${summaryLine(this.diagnostics, this.opts.strict)}`;
  }
}

/** Every diagnostic, in file order, each with its excerpt. */
export function formatDiagnostics(ds: Diagnostic[], sourceText?: string): string {
  return sortDiagnostics(ds).map((d) => formatDiagnostic(d, sourceText)).join('\n\n');
}

function summaryLine(ds: Diagnostic[], strict?: boolean): string {
  const errors = ds.filter((d) => !isWarning(d)).length;
  const warnings = ds.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (errors === 0 && strict) return `${plural(warnings, 'warning')}, which --strict treats as errors; nothing was deployed.`;
  return `${plural(errors, 'problem')} found${warnings ? ` (and ${plural(warnings, 'warning')})` : ''}; nothing was deployed.`;
}

/** Bad command-line usage or an argument that names nothing. */
export class UsageError extends NslabError {
  readonly exitCode = ExitCode.badInput;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}

/** The host lacks something nslab needs (root, a tool, a kernel feature). */
export class EnvironmentError extends NslabError {
  readonly exitCode = ExitCode.environment;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'EnvironmentError';
    this.hint = hint;
  }
}
