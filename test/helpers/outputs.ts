import { expect } from 'vitest';
import { OutputSchemas, type OutputName } from '../../src/report/schemas.js';

/**
 * A command's JSON output, checked against its documented schema: it must
 * parse, and parsing must drop nothing (zod strips unknown keys), so a field
 * added without documenting it fails the test.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the fields they check
export function expectOutput(name: OutputName, text: string): Record<string, any> {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const parsed = OutputSchemas[name].safeParse(doc);
  expect(parsed.success, parsed.success ? '' : `${name}: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(true);
  expect(parsed.data, `${name}: a field the schema (schema/${name}.json) does not document`).toEqual(doc);
  return doc;
}
