/**
 * Services: long-running processes in nodes that outlive `nslab up`.
 *
 * Each runs as `ip netns exec NS sh -c WRAPPER …` in a session of its own
 * (so it survives nslab and one signal reaches its whole process group),
 * output (stdout and stderr together) appended to a log file, cwd the
 * topology's folder. The wrapper forwards SIGTERM to the service and writes
 * its exit status to a file when it ends: a service that dies after `nslab
 * up` has exited can still be reported with its status.
 *
 * Readiness is polled: a listening TCP port or a bound UDP port is read from
 * /proc/PID/net/{tcp,udp}{,6} of the service itself (which shows its
 * namespace's sockets: no process is started per poll); an output pattern
 * from the log; a command by running it in the node.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { constants } from 'node:os';
import type { Runner } from '../exec/runner.js';
import { commandArgv, commandText } from '../topology/command.js';
import type { CommandSpec, Lab, Service } from '../topology/model.js';
import { nodeEnv, serviceLog, serviceStatus, type LabDirs } from './paths.js';

export interface ServiceRecord {
  id: string;
  node: string;
  ns: string;
  /** the wrapper's pid: leader of the service's process group */
  pid: number;
  /** its start time in clock ticks since boot (/proc/PID/stat), so a reused pid is not mistaken for it */
  startTicks: number;
  log: string;
  statusFile: string;
  startedAt: string;
  /** what runs, as a person would type it */
  command: string;
  /** nslab stopped it on purpose (`nslab service stop`, a scenario): not a failure */
  stopped?: boolean;
  /** where it runs and with what variables (a readiness command runs the same way) */
  cwd: string;
  env: Record<string, string>;
}

/**
 * The wrapper: runs the service in the background, forwards TERM/INT to it,
 * and records how it ended. `wait` returns early when a trapped signal
 * arrives; the loop waits until the service itself is gone.
 */
const WRAPPER = [
  'status=$1; shift',
  '"$@" &',
  'child=$!',
  "trap 'kill -TERM $child 2>/dev/null' TERM INT",
  'wait $child; rc=$?',
  'while kill -0 $child 2>/dev/null; do wait $child; rc=$?; done',
  'echo $rc > "$status"',
  'exit $rc',
].join('\n');


/** What starts a service. Pure. */
export function serviceArgv(ns: string, statusFile: string, cmd: CommandSpec): string[] {
  return ['ip', 'netns', 'exec', ns, 'sh', '-c', WRAPPER, 'nslab-service', statusFile, ...commandArgv(cmd)];
}

/** Start one service; returns at once (readiness is waitReady's). */
export function startService(lab: Lab, svc: Service, dirs: LabDirs): ServiceRecord {
  const ns = lab.nodes.find((n) => n.name === svc.node)!.ns;
  const log = serviceLog(dirs, svc.id);
  const statusFile = serviceStatus(dirs, svc.id);
  mkdirSync(dirs.logs, { recursive: true });
  rmSync(statusFile, { force: true });
  const fd = openSync(log, 'a');
  const [file, ...args] = serviceArgv(ns, statusFile, svc.cmd);
  const cwd = resolve(lab.dir);
  const env = { ...nodeEnv(lab.name, svc.node, dirs), ...svc.env };
  let child;
  try {
    child = spawn(file!, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  child.on('error', () => undefined); // a failure to start shows as a dead service with its output
  child.unref();
  const pid = child.pid ?? -1;
  return { id: svc.id, node: svc.node, ns, pid, startTicks: startTicks(pid) ?? 0, log, statusFile, startedAt: new Date().toISOString(), command: commandText(svc.cmd), cwd, env };
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

export interface Health {
  alive: boolean;
  /** how it ended, when it did: `exit 1`, `signal KILL`, or `unknown` (no status written: killed with its wrapper) */
  ended?: string;
}

/** Is the service still running (the same process, not a reused pid, not a zombie)? */
export function health(rec: ServiceRecord): Health {
  let stat: string | undefined;
  try {
    stat = readFileSync(`/proc/${rec.pid}/stat`, 'utf8');
  } catch {
    stat = undefined;
  }
  const rest = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (rest && rest[0] !== 'Z' && Number(rest[19]) === rec.startTicks) return { alive: true };
  return { alive: false, ended: endedHow(rec) };
}

const SIGNALS = Object.fromEntries(Object.entries(constants.signals).map(([name, n]) => [n, name.replace(/^SIG/, '')]));

function endedHow(rec: ServiceRecord): string {
  try {
    const rc = Number(readFileSync(rec.statusFile, 'utf8').trim());
    return rc > 128 && SIGNALS[rc - 128] ? `signal ${SIGNALS[rc - 128]}` : `exit ${rc}`;
  } catch {
    return 'unknown (no status: it was killed with its wrapper)';
  }
}

/** The last lines of a service's output (read from the end of its log: logs can grow large). */
export function logTail(rec: Pick<ServiceRecord, 'log'>, lines = 20): string {
  try {
    const size = statSync(rec.log).size;
    const buf = Buffer.alloc(Math.min(size, 64 * 1024));
    const fd = openSync(rec.log, 'r');
    try {
      for (let off = 0; off < buf.length; ) {
        const n = readSync(fd, buf, off, buf.length - off, size - buf.length + off);
        if (n <= 0) break;
        off += n;
      }
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch {
    return '';
  }
}

/** Sockets of a process's network namespace: is `port` listening (TCP) or bound (UDP)? */
export function portOpen(pid: number, proto: 'tcp' | 'udp', port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of proto === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN (TCP); a bound UDP socket is 07.
      if (f[1]?.endsWith(`:${hex}`) && (proto === 'udp' || f[3] === '0A')) return true;
    }
  }
  return false;
}

export type ReadyOutcome = { ok: true; ms: number } | { ok: false; ms: number; why: string; tail: string };

/**
 * Wait until the service is ready, dies, or its timeout passes. A service
 * without a condition is ready once it has run for a moment (a command that
 * is not found dies at once).
 */
export async function waitReady(svc: Service, rec: ServiceRecord, runner: Runner, signal?: AbortSignal): Promise<ReadyOutcome> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const r = svc.ready;
  let nextCmd = 0;
  const what = r.kind === 'tcp' || r.kind === 'udp' ? `${r.kind}/${r.port} to be open` : r.kind === 'stdout' ? `its output to match /${r.pattern}/` : r.kind === 'cmd' ? `\`${commandText(r.cmd)}\` to succeed` : 'it to run';
  for (let poll = 0; ; poll++) {
    const h = health(rec);
    if (!h.alive) return { ok: false, ms: ms(), why: `exited (${h.ended}) before it was ready`, tail: logTail(rec) };
    if (r.kind === 'started' && ms() >= 100) return { ok: true, ms: ms() };
    if ((r.kind === 'tcp' || r.kind === 'udp') && portOpen(rec.pid, r.kind, r.port)) return { ok: true, ms: ms() };
    if (r.kind === 'stdout' && new RegExp(r.pattern, 'm').test(logTail(rec, 10_000))) return { ok: true, ms: ms() };
    if (r.kind === 'cmd' && ms() >= nextCmd) {
      nextCmd = ms() + 200;
      const c = await runner.run({ argv: ['ip', 'netns', 'exec', rec.ns, ...commandArgv(r.cmd)], cwd: rec.cwd, env: rec.env, timeoutMs: 5000, signal, untilExit: true });
      if (c.exitCode === 0) return { ok: true, ms: ms() };
    }
    if (signal?.aborted) return { ok: false, ms: ms(), why: 'interrupted', tail: logTail(rec) };
    if (ms() > r.timeoutMs) return { ok: false, ms: ms(), why: `not ready after ${(r.timeoutMs / 1000).toFixed(1)} s (waiting for ${what})`, tail: logTail(rec) };
    // Poll fast at first (most services are ready within tens of ms), then every 50 ms.
    await new Promise((res) => setTimeout(res, poll < 20 ? 5 : 50));
  }
}

/** TERM the service's process group, KILL it after `graceMs`; resolves once it is gone. */
export async function stopService(rec: ServiceRecord, graceMs: number): Promise<void> {
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-rec.pid, sig);
    } catch {
      /* gone */
    }
  };
  if (!health(rec).alive) return;
  kill('SIGTERM');
  const until = performance.now() + graceMs;
  while (health(rec).alive && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  if (health(rec).alive) kill('SIGKILL');
  for (let i = 0; i < 50 && health(rec).alive; i++) await new Promise((r) => setTimeout(r, 20));
}
