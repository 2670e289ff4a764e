/**
 * Names the kernel and iproute2 accept: lab names (a prefix of every
 * namespace and host interface), node names, interface names.
 */
import { describe, expect, it } from 'vitest';
import { hostTag, ifnameProblem, labNameProblem, namespaceOf, nodeNameProblem } from '../../src/topology/names.js';

describe('rule: a lab name is 1 to 12 of a-z, 0-9 and -, starting with a letter', () => {
  it('accepts the bounds', () => {
    for (const ok of ['a', 'lab-1', 'abcdefghijkl', 'z9']) expect(labNameProblem(ok), ok).toBeUndefined();
  });
  it('says what is wrong', () => {
    expect(labNameProblem('')).toBe('the lab name is empty');
    expect(labNameProblem('abcdefghijklm')).toBe('lab name `abcdefghijklm` is 13 characters; at most 12 are allowed');
    for (const bad of ['1lab', 'Lab', 'la_b', 'la.b', '-lab', 'lab/x', 'x lab', 'lab\n']) {
      expect(labNameProblem(bad), bad).toBe(`lab name \`${bad}\` must start with a letter and use only a-z, 0-9 and -`);
    }
  });
});

describe('rule: a node name starts with a letter and uses a-z, 0-9, _ and -; with the lab it names a file under /run/netns', () => {
  it('accepts the forms and a name that just fits', () => {
    for (const ok of ['h1', 'core_sw-2', 'x']) expect(nodeNameProblem('lab', ok), ok).toBeUndefined();
    expect(nodeNameProblem('lab', `a${'b'.repeat(250)}`)).toBeUndefined(); // lab-a…: 255 bytes
  });
  it('says what is wrong', () => {
    for (const bad of ['1h', 'H1', 'h.1', 'h 1', '_h', 'h/1', 'h1\n']) {
      expect(nodeNameProblem('lab', bad), bad).toBe(`node name \`${bad}\` must start with a letter and use only a-z, 0-9, _ and -`);
    }
    expect(nodeNameProblem('lab', `a${'b'.repeat(251)}`)).toBe(`node name \`a${'b'.repeat(251)}\` is too long for a namespace name`);
  });
  it('the namespace is <lab>-<node>; host objects carry nslab:<lab>', () => {
    expect(namespaceOf('lab', 'h1')).toBe('lab-h1');
    expect(hostTag('lab')).toBe('nslab:lab');
  });
});

describe('rule: an interface name is 1 to 15 bytes that iproute2 cannot misread', () => {
  it('accepts the bounds, in bytes', () => {
    for (const ok of ['eth0', 'e', 'abcdefghijklmno', 'wan-1.10', 'é2345678901234']) expect(ifnameProblem(ok), ok).toBeUndefined();
  });
  it('says what is wrong, one reason each', () => {
    expect(ifnameProblem('')).toBe('the interface name is empty');
    expect(ifnameProblem('abcdefghijklmnop')).toBe('interface name `abcdefghijklmnop` is 16 bytes; Linux allows at most 15');
    expect(ifnameProblem('é23456789012345')).toBe('interface name `é23456789012345` is 16 bytes; Linux allows at most 15');
    for (const bad of ['eth 0', 'eth/0', 'eth0:1', 'a\tb']) expect(ifnameProblem(bad), bad).toBe(`interface name \`${bad}\` may not contain whitespace, \`/\` or \`:\``);
    expect(ifnameProblem('.')).toBe('`.` is not a valid interface name');
    expect(ifnameProblem('..')).toBe('`..` is not a valid interface name');
    expect(ifnameProblem('...')).toBeUndefined();
    expect(ifnameProblem('lo')).toBe("`lo` is the namespace's loopback interface");
    expect(ifnameProblem('eth%d')).toBe('interface name `eth%d` contains `%`, which the kernel reads as a name template (`eth%d` becomes eth0, eth1…)');
    expect(ifnameProblem('a"b')).toBe('interface name `a\\"b` contains a quote, `#`, `\\` or a control character');
    for (const bad of ["a'b", 'a#b', 'a\\b', 'a\u0001b', 'a\u007fb']) expect(ifnameProblem(bad), JSON.stringify(bad)).toMatch(/contains a quote, `#`, `\\` or a control character$/);
    expect(ifnameProblem('type')).toBe('interface name `type` is an iproute2 keyword: `ip link show type` would not mean this interface');
    expect(ifnameProblem('type0')).toBeUndefined();
  });
});
