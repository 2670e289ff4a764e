/**
 * `--only`: which checks of a lab run. Each pattern is a check's exact name
 * or a regular expression searched in it; a leading `!` excludes. With only
 * exclusions, everything else runs. A selection that matches nothing is bad
 * input (exit 2), with the names there are.
 */
import { UsageError } from '../diagnostics.js';

export interface Named {
  name: string;
}

function matcher(pattern: string): (name: string) => boolean {
  let re: RegExp | undefined;
  try {
    re = new RegExp(pattern);
  } catch {
    /* not a regular expression: the exact name only */
  }
  return (name) => name === pattern || (re?.test(name) ?? false);
}

export function selectByName<T extends Named>(all: readonly T[], patterns: readonly string[] | undefined, what = 'check'): T[] {
  if (!patterns?.length) return [...all];
  const include = patterns.filter((p) => !p.startsWith('!')).map(matcher);
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => matcher(p.slice(1)));
  const chosen = all.filter((c) => (include.length === 0 || include.some((m) => m(c.name))) && !exclude.some((m) => m(c.name)));
  if (chosen.length === 0) {
    const names = all.map((c) => `"${c.name}"`);
    throw new UsageError(
      `--only ${patterns.map((p) => JSON.stringify(p)).join(' --only ')} matches no ${what}`,
      names.length ? `the ${what}s are: ${names.slice(0, 15).join(', ')}${names.length > 15 ? `, … (${names.length} in all)` : ''}` : `this lab has no ${what}s`,
    );
  }
  return chosen;
}
