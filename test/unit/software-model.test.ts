/**
 * What `services:` and `nft:` become: each service with its id, command,
 * environment (as the strings a process gets), readiness and stop time; a
 * ruleset with the tables it declares (down removes exactly those).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { NetnsNode } from '../../src/topology/model.js';
import { FIXTURES, labFixture, read } from '../helpers/fixtures.js';

const nodes = () => {
  return new Map(labFixture('software.yaml').nodes.filter((n): n is NetnsNode => n.kind === 'netns').map((n) => [n.name, n]));
};

describe('rule: a service is its command, environment, one readiness condition and a stop time', () => {
  it('each kind of readiness; defaults of 10 s to be ready and 2 s to stop; booleans and numbers as strings', () => {
    expect(nodes().get('a')!.services.map(({ loc: _loc, ...s }) => s)).toEqual([
      { node: 'a', name: 'web', id: 'a/web', cmd: 'python3 -m http.server 80', env: { DEBUG: '1', QUIET: '0', N: '3', NAME: 'x' }, ready: { kind: 'tcp', port: 80, timeoutMs: 5000 }, stopMs: 500 },
      { node: 'a', name: 'log_2', id: 'a/log_2', cmd: ['sh', '-c', 'echo up; sleep 600'], env: {}, ready: { kind: 'stdout', pattern: '^up$', timeoutMs: 10_000 }, stopMs: 2000 },
      { node: 'a', name: 'probe', id: 'a/probe', cmd: 'sleep 600', env: {}, ready: { kind: 'cmd', cmd: 'true', timeoutMs: 10_000 }, stopMs: 2000 },
      { node: 'a', name: 'plain', id: 'a/plain', cmd: 'sleep 600', env: {}, ready: { kind: 'started', timeoutMs: 10_000 }, stopMs: 2000 },
    ]);
  });
});

describe('rule: a ruleset is inline text or a file; the tables it declares are found in the text', () => {
  it('inline: every `table` and `add table` at a line start, ip when no family is written', () => {
    const { loc: _loc, ...nft } = nodes().get('a')!.nft!;
    expect(nft).toEqual({ text: read(join(FIXTURES, 'labs', 'software.yaml')).split('nft: |\n')[1]!.split('    services:')[0]!.replace(/^ {6}/gm, ''), tables: ['inet filter', 'ip nat', 'ip6 t6'] });
  });
  it('a file name is kept as written; its tables are read when it is loaded', () => {
    const { loc: _loc, ...nft } = nodes().get('b')!.nft!;
    expect(nft).toEqual({ file: 'rules/b.nft', tables: [] });
  });
});
