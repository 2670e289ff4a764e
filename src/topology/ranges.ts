/**
 * Ranges make big labs a few lines: `h{1..1000}` is h1 … h1000. A string
 * holds at most one range; `{01..10}` keeps the zero padding.
 */

const RANGE = /\{(\d+)\.\.(\d+)\}/g;
/** A brace that is not part of a well-formed range is a mistake worth reporting. */
const STRAY_BRACE = /[{}]/;

export type RangeResult = { ok: true; values: string[]; ranged: boolean } | { ok: false; message: string; hint?: string };

export const MAX_RANGE = 100_000;

export function expandRange(text: string): RangeResult {
  const matches = [...text.matchAll(RANGE)];
  if (matches.length === 0) {
    if (STRAY_BRACE.test(text)) {
      return { ok: false, message: `\`${text}\` has a malformed range`, hint: 'a range is written `{1..10}`' };
    }
    return { ok: true, values: [text], ranged: false };
  }
  if (matches.length > 1) {
    return {
      ok: false,
      message: `\`${text}\` holds ${matches.length} ranges; a name may hold one`,
      hint: 'pair two ranges across the two endpoints of a link instead',
    };
  }
  const m = matches[0]!;
  const prefix = text.slice(0, m.index);
  const suffix = text.slice(m.index! + m[0].length);
  if (STRAY_BRACE.test(prefix) || STRAY_BRACE.test(suffix)) {
    return { ok: false, message: `\`${text}\` has a malformed range`, hint: 'a range is written `{1..10}`' };
  }
  const [from, to] = [Number(m[1]), Number(m[2])];
  const count = Math.abs(to - from) + 1;
  if (count > MAX_RANGE) {
    return { ok: false, message: `range \`${m[0]}\` has ${count} values; at most ${MAX_RANGE} are allowed` };
  }
  const width = m[1]!.length > 1 && m[1]!.startsWith('0') ? m[1]!.length : 0;
  const step = to >= from ? 1 : -1;
  const values: string[] = [];
  for (let i = from; ; i += step) {
    values.push(`${prefix}${String(i).padStart(width, '0')}${suffix}`);
    if (i === to) break;
  }
  return { ok: true, values, ranged: true };
}
