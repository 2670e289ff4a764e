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
