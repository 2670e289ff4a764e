/**
 * Structural validation: run a zod schema over the parsed YAML and turn each
 * issue into a Diagnostic that points into the file, in words a person
 * understands, with a "did you mean" where a key or keyword is misspelt.
 */
import type { z } from 'zod';
import type { Diagnostic } from '../diagnostics.js';
import { didYouMean } from '../util/suggest.js';
import { locate, type Path, type SourceFile } from './parse.js';

export function validateStructure<S extends z.ZodType>(
  schema: S,
  data: unknown,
  source: SourceFile,
  basePath: Path = [],
): { value?: z.infer<S>; diagnostics: Diagnostic[] } {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { value: result.data, diagnostics: [] };
  // A value of the wrong type can also fail the checks meant for the right
  // type (a string "too long" for a list); the type is the one problem.
  const typeErrors = new Set(result.error.issues.filter((i) => i.code === 'invalid_type').map((i) => JSON.stringify(i.path)));
  const issues = result.error.issues.filter((i) => i.code === 'invalid_type' || !typeErrors.has(JSON.stringify(i.path)));
  const diagnostics = issues.flatMap((issue) => issueToDiagnostics(issue, schema, source, basePath));
  return { diagnostics };
}

type Issue = z.core.$ZodIssue;

/** zod's own default messages; anything else was written by us in the schema and is kept. */
const DEFAULT_MESSAGE = /^(Invalid|Too (small|big)|Unrecognized)/;

function issueToDiagnostics(issue: Issue, schema: z.ZodType, source: SourceFile, basePath: Path): Diagnostic[] {
  const path = [...basePath, ...(issue.path as (string | number)[])];
  const where = describePath(path);
  const custom = !DEFAULT_MESSAGE.test(issue.message);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, issue.path as (string | number)[]);
      return issue.keys.map((key) => ({
        loc: locate(source, [...path, key], 'key'),
        message: `unknown key \`${key}\`${where ? ` in ${where}` : ''}`,
        hint: didYouMean(key, known) ?? (known.length ? `known keys: ${known.join(', ')}` : undefined),
      }));
    }
    case 'invalid_type': {
      const missing = issue.input === undefined;
      return [
        {
          loc: locate(source, path, 'value'),
          message: missing
            ? `\`${String(path.at(-1))}\` is required${path.length > 1 ? ` in ${describePath(path.slice(0, -1))}` : ''}`
            : custom
              ? `${where ? `${where}: ` : ''}${issue.message}, got ${describeValue(issue.input)}`
              : `${where ? `${where}: ` : ''}expected ${article(issue.expected)}, got ${describeValue(issue.input)}`,
        },
      ];
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      const got = String(issue.input);
      return [
        {
          loc: locate(source, path),
          message: `${where ? `${where}: ` : ''}\`${got}\` is not one of ${options.map((o) => `\`${o}\``).join(', ')}`,
          hint: didYouMean(got, options),
        },
      ];
    }
    case 'invalid_union': {
      // A value of the right type for one of the shapes (a string for
      // `loss: 1% | {gemodel}`) gets that shape's precise complaint — unless
      // several shapes fit its type equally (`{ down } | { up }`): then the
      // union's own words say what is accepted.
      const plausible = issue.errors.filter((errs) => errs.length > 0 && !errs.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      const branch = plausible.length === 1 || !custom ? plausible[0] : undefined;
      if (branch) {
        return branch.flatMap((sub) => issueToDiagnostics({ ...sub, path: [...issue.path, ...sub.path] } as Issue, schema, source, basePath));
      }
      // Otherwise say which shapes are accepted rather than zod's nested detail.
      return [{ loc: locate(source, path), message: `${where ? `${where}: ` : ''}${custom ? issue.message : `unexpected ${describeValue(issue.input)}`}` }];
    }
    default: {
      const message = custom ? issue.message : defaultMessage(issue);
      return [{ loc: locate(source, path), message: `${where ? `${where}: ` : ''}${message}${inputSuffix(issue)}` }];
    }
  }
}

function inputSuffix(issue: Issue): string {
  return 'input' in issue && issue.input !== undefined && typeof issue.input !== 'object'
    ? `, got ${describeValue(issue.input)}`
    : '';
}

function defaultMessage(issue: Issue): string {
  if (issue.code === 'too_small') return `must be at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}`;
  return issue.message;
}

function article(t: string): string {
  if (t === 'object' || t === 'record') return 'a map';
  if (t === 'array') return 'a list';
  if (t === 'int') return 'a whole number';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `\`${v}\``;
  return `${typeof v} \`${String(v)}\``;
}

/** `links[2].netem` — the path the way a person would find it in the file. */
export function describePath(path: Path): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

/** The keys an object schema accepts at a given path, for "did you mean". */
function knownKeys(schema: z.ZodType, path: (string | number)[]): string[] {
  let s: z.core.$ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    const def = s?._zod.def as unknown as Record<string, unknown> | undefined;
    if (!def) return [];
    if (def.type === 'union') {
      // `loss: 1% | {gemodel: …}`: follow the object shape that has this key.
      const objects = (def.options as z.core.$ZodType[]).map(unwrap).filter((o) => (o._zod.def as unknown as { type: string }).type === 'object');
      s = objects.map((o) => ((o._zod.def as unknown as { shape: Record<string, z.core.$ZodType> }).shape)[String(seg)]).find(Boolean);
    } else if (def.type === 'object') s = (def.shape as Record<string, z.core.$ZodType>)[String(seg)];
    else if (def.type === 'array') s = def.element as z.core.$ZodType;
    else if (def.type === 'record') s = def.valueType as z.core.$ZodType;
    else return [];
    s = s && unwrap(s);
  }
  const def = s?._zod.def as unknown as Record<string, unknown> | undefined;
  if (def?.type === 'union') return (def.options as z.core.$ZodType[]).flatMap((o) => knownKeys(o as z.ZodType, []));
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let cur = s;
  for (;;) {
    const def = cur._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') cur = def.innerType as z.core.$ZodType;
    else return cur;
  }
}
