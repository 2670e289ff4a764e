/**
 * Golden files: output checked in under test/fixtures/golden and reviewed
 * like code. A change shows up in review as a diff of these files.
 * Regenerate deliberately with `UPDATE_GOLDEN=1 npx vitest run <test file>`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { FIXTURES, read, rel } from './fixtures.js';

export const GOLDEN = join(FIXTURES, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

export function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (update) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  // A missing golden file fails: writing it here would let CI pass on output nobody reviewed.
  expect(existsSync(path), `${rel(path)} is missing; generate it with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual, `${rel(path)} differs; review the change and regenerate with UPDATE_GOLDEN=1`).toBe(read(path));
}
