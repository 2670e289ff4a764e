/**
 * The hosts file's rules, one describe each: every fixture in
 * test/fixtures/hosts/invalid names its rule and the exact diagnostics
 * (line, column, message, hint) it must produce — no more, no fewer — and
 * its printed form is a golden file (golden/hosts-diagnostics/).
 */
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../src/diagnostics.js';
import { CROSS_HOST_PORT, CROSS_HOST_VNI_BASE, hostsJsonSchema, parseHostsFile } from '../../src/multihost/hosts-file.js';
import { FIXTURES, fixtureExpectations, read, rel, yamlFiles } from '../helpers/fixtures.js';
import { golden } from '../helpers/golden.js';

for (const file of yamlFiles(join(FIXTURES, 'hosts/invalid'))) {
  const text = read(file);
  const { rule, expect: expected } = fixtureExpectations(text);
  // parsed inside each test: code run while vitest collects is invisible to mutation testing
  const parse = () => parseHostsFile(rel(file), text);
  describe(`hosts rule: ${rule}`, () => {
    it(`is refused with exactly ${expected.length} problem(s), each at its line and column (${rel(file)})`, () => {
      const { spec, diagnostics } = parse();
      expect(spec).toBeUndefined();
      const got = diagnostics.map((d) => ({ line: d.loc.line, col: d.loc.col, message: d.message, hint: d.hint ?? '' }));
      const shown = got.map((g) => `  ${g.line}:${g.col} ${g.message} | ${g.hint}`).join('\n');
      expect(got, shown).toHaveLength(expected.length);
      for (const e of expected) {
        const match = got.find((g) => g.line === e.line && g.col === e.col && g.message.includes(e.message) && (!e.hint || g.hint.includes(e.hint)));
        expect(match, `expected ${e.line}:${e.col} "${e.message}"${e.hint ? ` hint "${e.hint}"` : ''}\ngot:\n${shown}`).toBeDefined();
      }
      for (const d of diagnostics) expect(d.loc.file).toBe(rel(file));
    });

    it(`prints what the user reads, word for word: golden/hosts-diagnostics/${basename(file, '.yaml')}.txt`, () => {
      golden(`hosts-diagnostics/${basename(file, '.yaml')}.txt`, `${formatDiagnostics(parse().diagnostics, text)}\n`);
    });
  });
}

describe('hosts rule: what a valid file leaves out takes its default', () => {
  it('weight 1, ssh_config none, nslab `nslab`, connect timeout 10 s, the cross-host port and VNI base', () => {
    const { spec } = parseHostsFile('h.yaml', 'hosts:\n  ha: { ssh: root@192.0.2.1 }\n');
    expect(spec).toEqual({
      file: 'h.yaml',
      hosts: [{ name: 'ha', ssh: 'root@192.0.2.1', underlay: '192.0.2.1', weight: 1, loc: { file: 'h.yaml', line: 2, col: 3, length: 2 } }],
      pins: [],
      nslab: ['nslab'],
      connectTimeoutS: 10,
      port: CROSS_HOST_PORT,
      vniBase: CROSS_HOST_VNI_BASE,
    });
  });

  it('keeps what is written: ssh_config, nslab, timeout, tunnels, and each pin at its key', () => {
    const text = 'hosts:\n  ha: { ssh: "u@[2001:db8::1]", weight: 2.5 }\n  hb: { ssh: name, underlay: "2001:db8::2" }\nplace: { "r{1..2}": hb }\nssh_config: /etc/c\nnslab: [node, x.js]\nconnect_timeout: 600\ntunnels: { port: 65535, vni_base: 16777215 }\n';
    const { spec, diagnostics } = parseHostsFile('h.yaml', text);
    expect(diagnostics).toEqual([]);
    expect(spec).toMatchObject({ sshConfig: '/etc/c', nslab: ['node', 'x.js'], connectTimeoutS: 600, port: 65535, vniBase: 16777215 });
    expect(spec!.hosts.map((h) => [h.name, h.underlay, h.weight])).toEqual([['ha', '2001:db8::1', 2.5], ['hb', '2001:db8::2', 1]]);
    expect(spec!.pins).toEqual([{ nodes: 'r{1..2}', host: 'hb', loc: { file: 'h.yaml', line: 4, col: 10, length: 9 } }]);
  });

  it('lowest values are accepted: timeout 1, port 1, VNI 1', () => {
    const { spec } = parseHostsFile('h.yaml', 'hosts:\n  ha: { ssh: root@192.0.2.1 }\nconnect_timeout: 1\ntunnels: { port: 1, vni_base: 1 }\n');
    expect([spec?.connectTimeoutS, spec?.port, spec?.vniBase]).toEqual([1, 1, 1]);
  });
});

describe('hosts rule: the JSON Schema editors read is the one checked in', () => {
  it('schema/hosts.json is hostsJsonSchema(), descriptions included', () => {
    expect(hostsJsonSchema()).toEqual(JSON.parse(read('schema/hosts.json')));
  });
});
