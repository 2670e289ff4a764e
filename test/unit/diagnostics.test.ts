/**
 * How a problem is printed: file:line:col, the source line with a caret
 * under what is wrong, the hint; and the summary line after all of them.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentError, excerpt, ExitCode, formatDiagnostic, formatDiagnostics, sortDiagnostics, TopologyError, UsageError, type Diagnostic } from '../../src/diagnostics.js';

const d = (line: number, col: number, message: string, over: Partial<Diagnostic> = {}): Diagnostic => ({ loc: { file: 'lab.yaml', line, col, length: 3 }, message, ...over });
const source = 'name: x\nnodes:\n  h1: { mtu: 70000 }\r\n';

describe('rule: a diagnostic is its place, the line with a caret, and a hint', () => {
  it('with the source: the line numbered, the caret as wide as the value', () => {
    expect(formatDiagnostic(d(3, 15, 'MTU 70000 is too large', { hint: 'at most 65535' }), source)).toBe(
      'lab.yaml:3:15: MTU 70000 is too large\n  3 | ' + '  h1: { mtu: 70000 }' + '\n    |               ^^^\n  hint: at most 65535',
    );
  });
  it('without the source, or past its end: the first line and the hint only; a warning says so', () => {
    expect(formatDiagnostic(d(3, 15, 'm', { hint: 'h' }))).toBe('lab.yaml:3:15: m\n  hint: h');
    expect(formatDiagnostic(d(9, 1, 'm'), source)).toBe('lab.yaml:9:1: m');
    expect(formatDiagnostic(d(1, 1, 'm', { severity: 'warning' }))).toBe('lab.yaml:1:1: warning: m');
  });
  it('the last line without a newline, a line after an empty first one, a carriage return only at the end is dropped', () => {
    expect(formatDiagnostic(d(2, 1, 'm'), 'a\nbad').split('\n')[1]).toBe('  2 | bad');
    expect(formatDiagnostic(d(2, 1, 'm'), '\nsecond\n').split('\n')[1]).toBe('  2 | second');
    expect(formatDiagnostic(d(1, 1, 'm'), 'a\rb\r\n').split('\n')[1]).toBe('  1 | a\rb');
  });
  it('the gutter is as wide as the line number', () => {
    const text = `${'x\n'.repeat(11)}  bad: 1\n`;
    expect(formatDiagnostic(d(12, 3, 'm'), text).split('\n').slice(1)).toEqual(['  12 |   bad: 1', '     |   ^^^']);
  });
});

describe('rule: a long line is shown as a window around the column', () => {
  it('a short line whole, the caret at the column, at least one wide and never past the end', () => {
    expect(excerpt('abcdef', 3, 2)).toEqual({ text: 'abcdef', caretAt: 2, caretWidth: 2 });
    expect(excerpt('abcdef', 1, 0)).toEqual({ text: 'abcdef', caretAt: 0, caretWidth: 1 });
    expect(excerpt('abcdef', 5, 10)).toEqual({ text: 'abcdef', caretAt: 4, caretWidth: 2 });
  });
  it('exactly 100 characters are not cut; 101 are, with … where', () => {
    expect(excerpt('a'.repeat(100), 90, 1).text).toBe('a'.repeat(100));
    const long = `${'a'.repeat(200)}X${'b'.repeat(200)}`;
    const w = excerpt(long, 201, 1);
    expect(w.text).toBe(`…${'a'.repeat(30)}X${'b'.repeat(69)}…`);
    expect(w.text[w.caretAt]).toBe('X');
    const end = excerpt(long, 400, 5);
    expect(end.text).toBe(`…${'b'.repeat(100)}`);
    expect(end.caretWidth).toBe(2);
    const start = excerpt(long, 10, 1);
    expect(start.text).toBe(`${'a'.repeat(100)}…`);
    expect(start.caretAt).toBe(9);
  });
});

describe('rule: problems come in file order, then the summary', () => {
  it('sorted by file, line, column', () => {
    const ds = [d(3, 2, 'c'), d(1, 9, 'b'), d(1, 2, 'a'), { ...d(1, 1, 'z'), loc: { file: 'b.yaml', line: 1, col: 1 } }];
    expect(sortDiagnostics(ds).map((x) => x.message)).toEqual(['z', 'a', 'b', 'c']); // b.yaml before lab.yaml
    expect(formatDiagnostics([d(2, 1, 'second'), d(1, 1, 'first')])).toBe('lab.yaml:1:1: first\n\nlab.yaml:2:1: second');
  });
  it('one problem is its own message; several are counted; warnings are counted apart; --strict says why it stopped', () => {
    expect(new TopologyError([d(1, 1, 'bad')]).message).toBe('lab.yaml:1:1: bad');
    expect(new TopologyError([d(1, 1, 'a'), d(2, 1, 'b')]).message).toBe('2 problems in the topology');
    const tail = (e: TopologyError) => e.format().split('\n').at(-1);
    expect(tail(new TopologyError([d(1, 1, 'a')]))).toBe('1 problem found; nothing was deployed.');
    expect(tail(new TopologyError([d(1, 1, 'a'), d(2, 1, 'b'), d(3, 1, 'w', { severity: 'warning' })]))).toBe('2 problems found (and 1 warning); nothing was deployed.');
    expect(tail(new TopologyError([d(3, 1, 'w', { severity: 'warning' }), d(4, 1, 'w', { severity: 'warning' })], undefined, { strict: true }))).toBe('2 warnings, which --strict treats as errors; nothing was deployed.');
    expect(new TopologyError([d(1, 1, 'a')]).exitCode).toBe(ExitCode.badInput);
    // with errors too, --strict changes nothing in the count
    expect(tail(new TopologyError([d(1, 1, 'a'), d(3, 1, 'w', { severity: 'warning' })], undefined, { strict: true }))).toBe('1 problem found (and 1 warning); nothing was deployed.');
  });
  it('each kind of error is named as such (a stack trace, were one ever printed, says which)', () => {
    expect([new TopologyError([d(1, 1, 'a')]).name, new UsageError('u').name, new EnvironmentError('e').name]).toEqual(['TopologyError', 'UsageError', 'EnvironmentError']);
    expect([new UsageError('u', 'h').hint, new EnvironmentError('e', 'h2').hint, new UsageError('u').exitCode, new EnvironmentError('e').exitCode]).toEqual(['h', 'h2', ExitCode.badInput, ExitCode.environment]);
  });
});
