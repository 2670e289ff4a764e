/** Shell quoting, for scripts people read and run. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}
