/**
 * How steps become processes, and how a process's failure maps back to the
 * step that caused it. Pure: no processes here.
 *
 *   ip/tc/bridge steps of one namespace → one `nsenter --net=… ip -batch -` per tool
 *   sysctl steps of one namespace → one `nsenter --net=… sysctl -w a=1 b=2`
 *   iptables                      → one process per step
 */
import type { Step, Tool } from '../compile/plan.js';

export const NETNS_DIR = '/run/netns';

/** `nsenter --net` rather than `ip -n`: `ip -n` remounts /sys on every call (see DESIGN.md). */
export function nsPrefix(ns: string | null): string[] {
  return ns === null ? [] : ['nsenter', `--net=${NETNS_DIR}/${ns}`];
}

/** ip's batch parser splits on whitespace and understands quotes and comments: such words run alone. */
const BATCH_SAFE = /^[^\s"'#\\]+$/;

export function batchable(step: Step): boolean {
  const tool = step.argv[0];
  if (tool === 'iptables' || step.command) return false;
  return step.argv.every((w) => BATCH_SAFE.test(w));
}

export interface Invocation {
  argv: string[];
  input?: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  untilExit?: boolean;
}

/** One process for a group of steps that share namespace and tool. */
export function invocationFor(steps: readonly Step[], opts: { force?: boolean } = {}): Invocation {
  const first = steps[0]!;
  const tool: Tool = first.argv[0];
  const prefix = nsPrefix(first.ns);
  if (first.command) {
    const c = first.command;
    return { argv: [...prefix, ...first.argv], cwd: c.cwd, env: c.env, timeoutMs: c.timeoutMs, untilExit: true, ...(c.input !== undefined ? { input: c.input } : {}) };
  }
  if (steps.length === 1 && !batchable(first)) return { argv: [...prefix, ...first.argv] };
  if (tool === 'ip' || tool === 'tc' || tool === 'bridge') {
    const input = steps.map((s) => s.argv.slice(1).join(' ')).join('\n') + '\n';
    return { argv: [...prefix, tool, ...(opts.force ? ['-force'] : []), '-batch', '-'], input };
  }
  if (tool === 'sysctl') {
    return { argv: [...prefix, 'sysctl', '-w', ...steps.map((s) => s.argv.at(-1)!)] };
  }
  throw new Error(`batch bug: ${tool} steps cannot be grouped`);
}

export interface BatchFailure {
  /** index into the group's steps */
  index: number;
  message: string;
}

/**
 * `ip -batch` prints the error, then `Command failed -:N` for line N.
 * Returns each failed line with the messages printed just before it.
 */
export function parseBatchFailures(stderr: string): BatchFailure[] {
  const out: BatchFailure[] = [];
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)\s*$/.exec(line);
    if (m) {
      out.push({ index: Number(m[1]) - 1, message: pending.join('\n').trim() });
      pending = [];
    } else if (line.trim()) {
      pending.push(line);
    }
  }
  return out;
}

/** sysctl reports each key it could not set; map them back to steps. */
export function parseSysctlFailures(stderr: string, steps: readonly Step[]): BatchFailure[] {
  const out: BatchFailure[] = [];
  for (const line of stderr.split('\n')) {
    const m = /\/proc\/sys\/(\S+?):/.exec(line) ?? /setting key "([^"]+)"/.exec(line);
    if (!m) continue;
    const key = m[1]!.replace(/\//g, '.');
    const index = steps.findIndex((s) => s.argv.at(-1)!.split('=')[0] === key);
    if (index >= 0) out.push({ index, message: line.trim() });
  }
  return out;
}

/** Errors that mean "already gone" — success for a teardown step. */
export function meansAbsent(message: string): boolean {
  return /No such file or directory|Cannot find device|No such device|does not exist|Bad rule \(does a matching rule exist|No chain\/target\/match by that name|Cannot open network namespace|Invalid argument.*netns|doesn't exist|No such process|Cannot assign requested address/i.test(message);
}

/** Errors that mean "already there" — success for a step that may find its object made. */
export function meansExists(message: string): boolean {
  return /File exists|already exists/i.test(message);
}

/**
 * Several namespaces' work in one process. Starting a process from node costs
 * more than the kernel work of a small namespace, so ready namespaces are
 * handed out in bundles: one bash runs, for each namespace in turn, its
 * segments — consecutive ip, tc or sysctl steps — each as one
 * `nsenter --net=… ip|tc -batch -` or `nsenter … sysctl -w`, stopping at the
 * first failure.
 *
 * The shell code is a constant. Segment labels (`tool:namespace`) arrive as
 * positional parameters and segment bodies on stdin (NUL-separated), so
 * nothing from the topology is ever parsed as shell code. Markers on stderr
 * tell which segment said what and how it ended.
 */
const BUNDLE_SCRIPT = [
  'for seg do',
  '  tool=${seg%%:*} ns=${seg#*:}',
  "  IFS= read -r -d '' body",
  "  printf '\\n@@nslab-seg %s\\n' \"$seg\" >&2",
  '  case $tool in',
  `    ip|tc|bridge) nsenter --net="${NETNS_DIR}/$ns" "$tool" -batch - <<<"$body" >&2 ;;`,
  `    sysctl) mapfile -t kv <<<"$body"; nsenter --net="${NETNS_DIR}/$ns" sysctl -q -w "\${kv[@]}" >&2 ;;`,
  '  esac',
  '  rc=$?',
  "  printf '\\n@@nslab-exit %s\\n' \"$rc\" >&2",
  '  [ "$rc" -eq 0 ] || exit 1',
  'done',
].join('\n');

export interface Segment {
  tool: 'ip' | 'tc' | 'bridge' | 'sysctl';
  /** index range [from, to) into the group's steps */
  from: number;
  to: number;
}

/** Consecutive steps of one tool form a segment: one process inside the bundle. */
export function segmentsOf(steps: readonly Step[]): Segment[] {
  const segs: Segment[] = [];
  steps.forEach((s, i) => {
    const tool = s.argv[0] as Segment['tool'];
    const last = segs.at(-1);
    if (last && last.tool === tool) last.to = i + 1;
    else segs.push({ tool, from: i, to: i + 1 });
  });
  return segs;
}

/** Can this step ride in a namespace bundle? ip/tc/bridge/sysctl inside a namespace, batch-safe words. */
export function bundleable(step: Step): boolean {
  const tool = step.argv[0];
  return step.ns !== null && (tool === 'ip' || tool === 'tc' || tool === 'bridge' || tool === 'sysctl') && batchable(step);
}

export function bundleInvocation(groups: readonly (readonly Step[])[]): Invocation & { labels: string[] } {
  const labels: string[] = [];
  let input = '';
  for (const g of groups) {
    for (const seg of segmentsOf(g)) {
      const steps = g.slice(seg.from, seg.to);
      labels.push(`${seg.tool}:${g[0]!.ns}`);
      input += (seg.tool === 'sysctl' ? steps.map((s) => s.argv.at(-1)).join('\n') : steps.map((s) => s.argv.slice(1).join(' ')).join('\n') + '\n') + '\0';
    }
  }
  return { argv: ['bash', '-c', BUNDLE_SCRIPT, 'nslab-bundle', ...labels], input, labels };
}

export interface BundlePart {
  ran: boolean;
  exitCode?: number;
  /** what the tool said for this segment */
  output: string;
}

/** Split a bundle's stderr back into one result per segment, in order. */
export function parseBundle(stderr: string, labels: readonly string[]): BundlePart[] {
  const parts: BundlePart[] = labels.map(() => ({ ran: false, output: '' }));
  let cur = -1;
  let next = 0;
  for (const line of stderr.split('\n')) {
    const start = /^@@nslab-seg (.*)$/.exec(line);
    const end = /^@@nslab-exit (\d+)$/.exec(line);
    if (start && start[1] === labels[next]) {
      cur = next++;
      parts[cur]!.ran = true;
    } else if (end && cur >= 0) {
      parts[cur]!.exitCode = Number(end[1]);
      cur = -1;
    } else if (cur >= 0 && line !== '') {
      parts[cur]!.output += `${line}\n`;
    }
  }
  return parts;
}
