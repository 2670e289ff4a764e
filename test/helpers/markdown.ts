/** Fenced code blocks of a language in a markdown text, with the line of their first line of code. */
export function codeBlocks(markdown: string, lang: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = [];
  const re = new RegExp('^```' + lang + '[^\\n]*\\n([\\s\\S]*?)^```', 'gm');
  for (const m of markdown.matchAll(re)) out.push({ code: m[1]!, line: markdown.slice(0, m.index).split('\n').length + 1 });
  return out;
}
