/**
 * Every JSON output of nslab has one style: pretty-printed, a `version`
 * field first (the version of that output's shape, documented by the JSON
 * Schemas in schema/), snake_case keys, numbers as numbers with their unit
 * in the key (`duration_ms`, `rtt_avg_ms`).
 */

/** The shape version of every JSON output; bumped when a field changes meaning or goes away. */
export const OUTPUT_VERSION = 1;

export function jsonText(body: object): string {
  return JSON.stringify({ version: OUTPUT_VERSION, ...body }, null, 2) + '\n';
}

/** `rateBps` → `rate_bps`: internal camelCase structures as the JSON outputs spell them. */
export function snakeKeys<T>(value: T): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]));
}
