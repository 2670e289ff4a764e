/**
 * The documentation is part of the product: docs/format.md names every key
 * of the format (kept in step with the JSON Schema), and every topology in
 * it is valid as written — no errors, no warnings.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.js';
import { topologyJsonSchema } from '../../src/topology/schema.js';
import { hostsJsonSchema, parseHostsFile } from '../../src/multihost/hosts-file.js';
import { read, ROOT } from '../helpers/fixtures.js';
import { codeBlocks } from '../helpers/markdown.js';
import { schemaPaths } from '../helpers/schema-paths.js';

const FORMAT = join(ROOT, 'docs/format.md');

describe('docs/format.md', () => {
  const doc = read(FORMAT);
  it('names every key of the JSON Schema (a key added to the format needs a line here)', () => {
    const missing = schemaPaths(topologyJsonSchema() as never).filter((p) => !doc.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });
  for (const block of codeBlocks(doc, 'yaml')) {
    it(`the topology at line ${block.line} is valid as written, without warnings`, () => {
      const r = parseTopology(`docs/format.md:${block.line}`, block.code);
      expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([]);
      expect((r.warnings ?? []).map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([]);
    });
  }
});

describe('README.md', () => {
  const readme = read(join(ROOT, 'README.md'));
  for (const block of codeBlocks(readme, 'yaml')) {
    it(`the topology at line ${block.line} is valid as written, without warnings`, () => {
      const r = parseTopology(`README.md:${block.line}`, block.code);
      expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([]);
      expect((r.warnings ?? []).map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([]);
    });
  }
  it('points users at docs inside the repository, never outside it', () => {
    expect(readme).not.toMatch(/\.\.\/shared|TOPOLOGY\.md/);
    expect(readme).toContain('(docs/format.md)');
  });
});

describe('docs/hosts.md', () => {
  const doc = read(join(ROOT, 'docs/hosts.md'));
  it('names every key of the hosts file\'s JSON Schema', () => {
    const missing = schemaPaths(hostsJsonSchema() as never).filter((p) => !doc.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });
  for (const block of codeBlocks(doc, 'yaml')) {
    it(`the hosts file at line ${block.line} is valid as written`, () => {
      const r = parseHostsFile(`docs/hosts.md:${block.line}`, block.code);
      expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([]);
    });
  }
});
