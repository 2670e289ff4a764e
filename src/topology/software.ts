/**
 * Software in nodes, as written under a namespace node: `setup` commands,
 * an `nft` ruleset, `services` with their readiness. Validated here (names,
 * one readiness condition, regular expressions, times), turned into the
 * model the compiler and the services stage use.
 */
import type { NftRuleset, Service, ServiceReady, SetupCommand } from './model.js';
import type { Problems } from './problems.js';
import type { RawNode, RawService } from './schema.js';
import { parseTime } from './units.js';

const SERVICE_NAME = /^[a-z][a-z0-9_-]*$/;
export const DEFAULT_READY_TIMEOUT_MS = 10_000;
export const DEFAULT_STOP_MS = 2_000;

export function buildSetup(raw: RawNode, path: (string | number)[], p: Problems): SetupCommand[] {
  return (raw.setup ?? []).map((cmd, i) => ({ cmd, loc: p.loc([...path, 'setup', i]) }));
}

/** `nft:` is a file unless it holds a newline (then it is the ruleset itself). */
export function buildNft(raw: RawNode, path: (string | number)[], p: Problems): NftRuleset | undefined {
  if (raw.nft === undefined) return undefined;
  const loc = p.loc([...path, 'nft']);
  const inline = raw.nft.includes('\n');
  if (!inline && /[\s;{}]/.test(raw.nft.trim())) {
    p.at([...path, 'nft'], `\`nft:\` is neither a file name nor a ruleset`, 'a file: `nft: rules/srv.nft`; a ruleset: a block scalar (`nft: |`) with one statement per line');
    return undefined;
  }
  if (inline) {
    const tables = tablesOf(raw.nft);
    if (tables.length === 0) p.at([...path, 'nft'], 'the ruleset declares no table', 'e.g. `table inet filter { chain input { type filter hook input priority 0; } }`');
    return { text: raw.nft, tables, loc };
  }
  return { file: raw.nft.trim(), tables: [], loc };
}

/** `table inet filter {` → `inet filter` (the family defaults to ip). */
export function tablesOf(ruleset: string): string[] {
  const out: string[] = [];
  for (const m of ruleset.matchAll(/^\s*(?:add\s+)?table\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?([A-Za-z0-9_.-]+)/gm)) out.push(`${m[1] ?? 'ip'} ${m[2]}`);
  return [...new Set(out)];
}

export function buildServices(node: string, raw: RawNode, path: (string | number)[], p: Problems): Service[] {
  const out: Service[] = [];
  for (const [name, svc] of Object.entries(raw.services ?? {})) {
    const spath = [...path, 'services', name];
    if (!SERVICE_NAME.test(name)) {
      p.at(spath, `service name \`${name}\` must start with a letter and use only a-z, 0-9, _ and -`, undefined, 'key');
      continue;
    }
    const ready = buildReady(svc, [...spath, 'ready'], p);
    if (!ready) continue;
    const env = Object.fromEntries(Object.entries(svc.env ?? {}).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]));
    for (const k of Object.keys(env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) p.at([...spath, 'env', k], `\`${k}\` is not an environment variable name`, 'letters, digits and _, not starting with a digit', 'key');
    }
    out.push({
      node, name, id: `${node}/${name}`, cmd: svc.cmd, env, ready,
      stopMs: svc.stop_timeout ? parseTime(svc.stop_timeout)! / 1000 : DEFAULT_STOP_MS,
      loc: p.loc(spath, 'key'),
    });
  }
  return out;
}

function buildReady(svc: RawService, path: (string | number)[], p: Problems): ServiceReady | undefined {
  const r = svc.ready ?? {};
  const timeoutMs = r.timeout ? parseTime(r.timeout)! / 1000 : DEFAULT_READY_TIMEOUT_MS;
  const given = (['tcp', 'udp', 'stdout', 'cmd'] as const).filter((k) => r[k] !== undefined);
  if (given.length > 1) {
    p.at(path, `ready: give one condition, not ${given.join(' and ')}`, 'a service is ready when one thing is true: a port listens, a line appears, or a command succeeds');
    return undefined;
  }
  if (r.stdout !== undefined) {
    try {
      new RegExp(r.stdout);
    } catch (e) {
      p.at([...path, 'stdout'], `not a valid regular expression: ${(e as Error).message}`);
      return undefined;
    }
    return { kind: 'stdout', pattern: r.stdout, timeoutMs };
  }
  if (r.tcp !== undefined) return { kind: 'tcp', port: r.tcp, timeoutMs };
  if (r.udp !== undefined) return { kind: 'udp', port: r.udp, timeoutMs };
  if (r.cmd !== undefined) return { kind: 'cmd', cmd: r.cmd, timeoutMs };
  return { kind: 'started', timeoutMs };
}
