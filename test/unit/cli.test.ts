/**
 * The CLI, run in-process: what a user sees and the exit codes CI relies on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { topologyJsonSchema } from '../../src/topology/schema.js';
import { OUTPUT_NAMES } from '../../src/report/schemas.js';
import { expectOutput } from '../helpers/outputs.js';
import { FIXTURES, read, ROOT, TOPOLOGIES, yamlFiles } from '../helpers/fixtures.js';

async function nslab(...args: string[]) {
  const io = bufferIo();
  const code = await main(['node', 'nslab', ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const QUICK = join(TOPOLOGIES, 'quickstart.yaml');
const BAD = join(FIXTURES, 'invalid/unknown-endpoint.yaml');

describe('nslab validate', () => {
  it('exits 0 and summarises a valid topology', async () => {
    const r = await nslab('validate', QUICK);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok — lab quickstart: 2 namespaces, 0 bridges, 1 links, 2 checks, \d+ steps/);
  });
  it('exits 2 and quotes the source with a caret and a hint', async () => {
    const r = await nslab('validate', BAD);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${BAD}:9:26: unknown node \`lann\` in endpoint \`lann\``);
    expect(r.stderr).toContain('  9 |   - endpoints: [h1:eth0, lann]\n    |                          ^^^^');
    expect(r.stderr).toContain('hint: did you mean `lan`?');
    expect(r.stderr).toContain('2 problems found; nothing was deployed.');
  });
  it('reports every file, and fails if any is invalid', async () => {
    const r = await nslab('validate', QUICK, BAD);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('quickstart');
  });
  it('--json gives machine-readable diagnostics', async () => {
    const r = await nslab('validate', '--json', BAD);
    const out = expectOutput('validate', r.stdout);
    expect(r.code).toBe(2);
    expect(out.ok).toBe(false);
    expect(out.files[0].diagnostics[0]).toMatchObject({ loc: { line: 9, col: 26 }, message: expect.stringContaining('lann') });
  });
  it('exits 2 for a file that does not exist', async () => {
    const r = await nslab('validate', '/nonexistent/lab.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read');
  });
});

describe('nslab plan', () => {
  it('prints a bash script by default', async () => {
    const r = await nslab('plan', QUICK);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(r.stdout).toContain('ip netns add quickstart-h1');
  });
  it('prints JSON with --format json', async () => {
    const plan = expectOutput('plan', (await nslab('plan', '--format', 'json', QUICK)).stdout) as { steps: unknown[] };
    expect(plan).toMatchObject({ version: 1, kind: 'create', lab: 'quickstart' });
    expect(plan.steps[0]).toMatchObject({ id: 'netns:h1', ns: null, argv: ['ip', 'netns', 'add', 'quickstart-h1'] });
  });
  it('prints the teardown plan with --teardown', async () => {
    const r = await nslab('plan', '--teardown', QUICK);
    expect(r.stdout).toContain('ip netns del quickstart-h1 2>/dev/null || true');
  });
  it('never prints a plan for a malformed file: exit 2, nothing on stdout', async () => {
    const r = await nslab('plan', BAD);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
  it('rejects an unknown format as bad usage', async () => {
    const r = await nslab('plan', '--format', 'yaml', QUICK);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are sh, json/);
  });
});

describe('nslab graph', () => {
  it('draws Mermaid with interface names and addresses on the links', async () => {
    const r = await nslab('graph', '--expand', join(TOPOLOGIES, 'lan.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('flowchart LR');
    expect(r.stdout).toContain('{{"office<br/>10.0.1.0/24<br/>fd00:1::/64"}}');
    expect(r.stdout).toContain('---|"eth0 10.0.1.2/24 fd00:1::2/64 — pc1-eth0"|');
  });
  it('a range is one box with its count, and a ranged link one wire, unless --expand', async () => {
    const star = (await nslab('graph', join(TOPOLOGIES, 'star1000.yaml'))).stdout;
    expect(star.match(/---/g)).toHaveLength(1);
    expect(star).toContain('["h{1..1000} (1000 nodes)"]');
    expect(star).toContain('---|"h{1..1000}:eth0 — sw (×1000)"|');
    expect((await nslab('graph', '--expand', join(TOPOLOGIES, 'star1000.yaml'))).stdout.match(/---/g)).toHaveLength(1000);
  });
  it('a ranged link between separately drawn nodes is drawn link by link', async () => {
    const chain = (await nslab('graph', join(TOPOLOGIES, 'chain.yaml'))).stdout;
    expect(chain).toContain('---|"eth1 10.255.0.1/30 — eth0 10.255.0.2/30"|');
    expect(chain).not.toContain('(×');
  });
  it('draws Graphviz DOT', async () => {
    const r = await nslab('graph', '--format', 'dot', QUICK);
    expect(r.stdout).toContain('graph "quickstart" {');
    expect(r.stdout).toContain('"ns:h1" -- "ns:h2" [label="eth0 10.0.0.1/24 — eth0 10.0.0.2/24"];');
  });
});

describe('nslab schema --output: JSON Schemas of the outputs, checked in under schema/', () => {
  for (const name of OUTPUT_NAMES) {
    it(`schema/${name}.json is current (regenerate with \`nslab schema --output ${name} > schema/${name}.json\`)`, async () => {
      const r = await nslab('schema', '--output', name);
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(read(join(ROOT, 'schema', `${name}.json`))));
    });
  }
});

describe('nslab schema', () => {
  it('is the schema checked in at topologies/schema.json (regenerate with `nslab schema > topologies/schema.json`)', async () => {
    const r = await nslab('schema');
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(read(join(TOPOLOGIES, 'schema.json'))));
    expect(JSON.parse(r.stdout)).toEqual(topologyJsonSchema());
  });
  it('every example topology points editors at it', () => {
    for (const f of yamlFiles(TOPOLOGIES)) expect(read(f).split('\n')[0], f).toBe('# yaml-language-server: $schema=./schema.json');
  });
});

describe('nslab usage', () => {
  it('--help teaches: commands, examples and exit codes', async () => {
    const r = await nslab('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 a check failed, 2 bad input, 3 deploy failed, 4 environment problem.');
  });
  it('an unknown command is bad input (exit 2)', async () => {
    const r = await nslab('deploy');
    expect(r.code).toBe(2);
  });
  it('the installed bin runs the built CLI', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'bin/nslab.js'), 'validate', QUICK], { encoding: 'utf8' });
    expect(out).toContain('ok — lab quickstart');
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), 'validate', BAD], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
