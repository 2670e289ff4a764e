/**
 * State and locks on the real kernel, through the CLI as users meet them:
 * parallel `up`s of one lab, `up` twice, processes left in a lab, damaged or
 * missing state files, names that are paths, a relative topology path.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { down } from '../../src/exec/down.js';
import { processesIn } from '../../src/exec/processes.js';
import { readState, STATE_DIR } from '../../src/exec/state.js';
import { ROOT } from '../helpers/fixtures.js';
import { isRoot, kernelDiff, labFromText, namespaces, uniqueName } from '../helpers/lab.js';

const NSLAB = join(ROOT, 'bin/nslab.js');
const nslab = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [NSLAB, ...args], { encoding: 'utf8', cwd });
const nslabAsync = (args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [NSLAB, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });

const pair = (name: string) => `name: ${name}
nodes: { a: {}, b: {} }
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.81.0.1/24, 10.81.0.2/24]
`;

const work = mkdtempSync(join(tmpdir(), 'nslab-state-it-'));
const cleanup: string[] = [];
afterEach(async () => {
  for (const name of cleanup.splice(0)) await down(name).catch(() => undefined);
});

function labFile(name = uniqueName(), text = pair(name)): { name: string; file: string } {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, text);
  cleanup.push(name);
  return { name, file };
}

describe.skipIf(!isRoot)('rule: one lab, one deployer (the lock is the kernel\'s)', () => {
  it('8 parallel `up`s: one builds, the others are refused or find it up; never "File exists"', async () => {
    const { name, file } = labFile();
    const results = await Promise.all(Array.from({ length: 8 }, () => nslabAsync(['up', '-q', file])));
    const built = results.filter((r) => r.status === 0 && r.stdout.includes(`lab ${name} is up`));
    expect(built, results.map((r) => `${r.status} ${r.stdout}${r.stderr}`).join('\n')).toHaveLength(1);
    for (const r of results) {
      expect(r.stderr).not.toMatch(/File exists|rolled back|internal error/);
      if (r !== built[0]) expect(r.status === 3 && /locked by another nslab process/.test(r.stderr) || (r.status === 0 && /already up/.test(r.stdout)), `${r.status} ${r.stdout} ${r.stderr}`).toBe(true);
    }
    expect(await kernelDiff(labFromText(pair(name), name))).toEqual([]);
  }, 60_000);
});

describe.skipIf(!isRoot)('rule: `up` of a lab that is up', () => {
  it('from the same file, unchanged: exit 0, and it says so', () => {
    const { name, file } = labFile();
    expect(nslab(['up', '-q', file]).status).toBe(0);
    const again = nslab(['up', file]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`lab ${name} is already up from this file, unchanged: nothing to do`);
  });
  it('from another file, or the same file changed: exit 2 with a hint, the lab untouched', () => {
    const { name, file } = labFile();
    expect(nslab(['up', '-q', file]).status).toBe(0);
    const other = join(work, `${name}-other.yaml`);
    writeFileSync(other, pair(name).replace('10.81.0.2/24', '10.81.0.3/24'));
    const r = nslab(['up', other]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`lab ${name} is already up from ${file}`);
    expect(r.stderr).toContain(`hint: run \`nslab down ${name}\` first`);
    writeFileSync(file, pair(name).replace('10.81.0.2/24', '10.81.0.3/24'));
    expect(nslab(['up', file]).stderr).toContain('which has changed since');
    expect(ping(name)).toBe(true);
  });
});

/** Alive and not a zombie (the sleep is this test's child: it stays a zombie until reaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function ping(name: string): boolean {
  return spawnSync('nsenter', [`--net=/run/netns/${name}-a`, 'ping', '-c1', '-W2', '10.81.0.2']).status === 0;
}

describe.skipIf(!isRoot)('rule: `down` stops every process in the lab, with or without state', () => {
  for (const withState of [true, false]) {
    it(`a process started with \`nslab exec\` is stopped ${withState ? '' : '(state file gone)'}`, async () => {
      const { name, file } = labFile();
      expect(nslab(['up', '-q', file]).status).toBe(0);
      // A background process in the node that outlives the exec, as a user would start one.
      const child = spawn('ip', ['netns', 'exec', `${name}-a`, 'sleep', '300'], { stdio: 'ignore', detached: true });
      child.unref();
      for (let i = 0; i < 100 && !processesIn([`${name}-a`]).size; i++) await new Promise((r) => setTimeout(r, 20));
      const pid = processesIn([`${name}-a`]).get(`${name}-a`)![0]!;
      if (!withState) rmSync(join(STATE_DIR, `${name}.json`));
      const r = nslab(['down', file]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('after stopping 1 process still running in it');
      expect(running(pid)).toBe(false);
      expect(namespaces(`${name}-`)).toEqual([]);
    });
  }
  it('a process that ignores SIGTERM is killed after the grace period', async () => {
    const { name, file } = labFile();
    expect(nslab(['up', '-q', file]).status).toBe(0);
    const child = spawn('ip', ['netns', 'exec', `${name}-b`, 'sh', '-c', 'trap "" TERM; sleep 300 & wait'], { stdio: 'ignore', detached: true });
    child.unref();
    for (let i = 0; i < 100 && (processesIn([`${name}-b`]).get(`${name}-b`)?.length ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const pids = processesIn([`${name}-b`]).get(`${name}-b`)!;
    expect(pids).toHaveLength(2);
    const t0 = performance.now();
    expect(nslab(['down', name]).status).toBe(0);
    expect(performance.now() - t0).toBeGreaterThan(1500); // it waited for TERM, then used KILL
    for (const pid of pids) expect(running(pid), `pid ${pid}`).toBe(false);
    expect(namespaces(`${name}-`)).toEqual([]);
  });
});

describe.skipIf(!isRoot)('rule: a damaged state file is reported, the lab is shown from the kernel, and `down` works', () => {
  for (const [what, text] of [['garbage', 'garbage\u0000'], ['JSON of the wrong shape', '{"version": 1, "lab": "x", "nodes": "many"}']] as const) {
    it(what, () => {
      const { name, file } = labFile();
      expect(nslab(['up', '-q', file]).status).toBe(0);
      writeFileSync(join(STATE_DIR, `${name}.json`), text);
      const all = nslab(['status']);
      expect(all.status, all.stderr).toBe(0);
      expect(all.stdout).toMatch(new RegExp(`^${name}\\s+no state\\s+2\\s+.*state file damaged`, 'm'));
      const one = nslab(['status', name]);
      expect(one.status).toBe(0);
      expect(one.stdout).toContain(`lab ${name}: 2 namespaces in the kernel, but its state file is damaged`);
      const json = JSON.parse(nslab(['status', '--json']).stdout);
      expect(json.stateless.find((s: { lab: string }) => s.lab === name)).toMatchObject({ namespaces: [`${name}-a`, `${name}-b`] });
      const d = nslab(['down', name]);
      expect(d.status, d.stderr).toBe(0);
      expect(d.stderr).toContain('was damaged');
      expect(namespaces(`${name}-`)).toEqual([]);
      expect(readState(name)).toBeUndefined();
    });
  }
  it('one damaged file does not hide the other labs', () => {
    const { name, file } = labFile();
    expect(nslab(['up', '-q', file]).status).toBe(0);
    const broken = uniqueName();
    writeFileSync(join(STATE_DIR, `${broken}.json`), '[]');
    try {
      const r = nslab(['status']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s+up\\s+2/2`, 'm'));
      expect(r.stderr).toContain(`state file ${join(STATE_DIR, broken)}.json is damaged`);
    } finally {
      rmSync(join(STATE_DIR, `${broken}.json`), { force: true });
    }
  });
});

describe.skipIf(!isRoot)('rule: lab names are names, never paths', () => {
  it('`status ../../x` is bad input (exit 2) and reads nothing', () => {
    const victim = join(work, 'victim.json');
    writeFileSync(victim, JSON.stringify({ version: 1, lab: 'victim', phase: 'up', pid: 1, createdAt: 'x', footprint: { lab: 'victim', namespaces: [], hostLinks: [], natRules: [] }, nodes: [] }));
    const rel = join('../../../../../../../..', victim.replace(/\.json$/, ''));
    for (const args of [['status', rel], ['status', rel, '--json'], ['exec', rel, 'a', '--', 'true'], ['test', 'Bad_Name']]) {
      const r = nslab(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).not.toContain('victim');
    }
  });
});

describe.skipIf(!isRoot)('rule: the state records the topology by absolute path', () => {
  it('`up` with a relative path, then `test LAB` from another folder finds the file', () => {
    const name = uniqueName();
    const dir = join(work, `rel-${name}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'lab.yaml'), `${pair(name)}checks:\n  - ping: { from: a, to: b, count: 1 }\n`);
    cleanup.push(name);
    expect(nslab(['up', '-q', 'lab.yaml'], dir).status).toBe(0);
    expect(readState(name)?.file).toBe(join(dir, 'lab.yaml'));
    const r = nslab(['test', name, '--tap'], tmpdir());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('ok 1 - ping a -> b');
    expect(readFileSync(join(dir, 'lab.yaml'), 'utf8')).toContain(name);
  });
});
