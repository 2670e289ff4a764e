/**
 * Every key path of a JSON Schema, normalised the way docs/format.md lists
 * them: a netem spec once (`netem.delay`, wherever a netem spec goes), the
 * fields every check has once (`checks[].*.name`), a sweep dimension's
 * long form once (`bench.sweep.*.values`), a check in a scenario step as
 * the check it is (`checks[].ping.from`).
 */
type Schema = { $ref?: string; properties?: Record<string, Schema>; additionalProperties?: Schema | boolean; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[] };

export function schemaPaths(root: Schema & { definitions?: Record<string, Schema>; $defs?: Record<string, Schema> }): string[] {
  const defs = root.definitions ?? root.$defs ?? {};
  const out = new Set<string>();
  const walk = (n: Schema | undefined, path: string, depth: number) => {
    if (!n || depth > 12) return;
    if (n.$ref) return walk(defs[n.$ref.split('/').pop()!], path, depth + 1);
    for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])]) walk(alt, path, depth + 1);
    for (const [k, v] of Object.entries(n.properties ?? {})) {
      const p = path ? `${path}.${k}` : k;
      out.add(normalise(p));
      walk(v, p, depth + 1);
    }
    if (n.additionalProperties && typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${path}.*`, depth + 1);
    if (n.items) walk(n.items, `${path}[]`, depth + 1);
  };
  walk(root, '', 0);
  return [...out].sort();
}

function normalise(path: string): string {
  // A check inside a scenario step is a check as under `checks:`.
  const p = path.replace(/^scenarios\.\*\[\]\.check\.(?!within$)/, 'checks[].').replace(/^scenarios\.\*\[\]\.impair\.\*\./, 'netem.');
  return p
    .replace(/^links\[\]\.netem\.[ab](?=\.|$)/, 'links[].netem.a')
    .replace(/^links\[\]\.netem\.a\./, 'netem.')
    .replace(/^links\[\]\.netem\./, 'netem.')
    .replace(/^checks\[\]\.[a-z]+\.netem\.\*\./, 'netem.')
    .replace(/^checks\[\]\.[a-z]+\.(name|expect|netem|within)$/, 'checks[].*.$1')
    .replace(/^bench\.sweep\.[a-z]+\.(values|on)$/, 'bench.sweep.*.$1');
}
