/** Shell quoting, for scripts people read and run. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

/**
 * Text for a `# comment`: a newline would end the comment and start a
 * command (a topology path is user input), so control characters are
 * written as escapes (`\n`, `\x1b`). The result never leaves the comment.
 */
export function commentSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
