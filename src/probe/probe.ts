/**
 * nslab's probe, run inside a node (`ip netns exec NS node probe.js …`) by
 * the `connect` and `http` checks. Standalone: node's own net, dgram and
 * fetch, nothing else, so it starts in ~40 ms. Names resolve through the
 * node's hosts file (getaddrinfo, with /etc/hosts bind-mounted by `ip netns
 * exec`). Prints one JSON line; the exit code is always 0 unless its
 * arguments are wrong.
 *
 *   probe.js tcp  HOST PORT TIMEOUT_MS
 *   probe.js udp  HOST PORT TIMEOUT_MS [PAYLOAD]
 *   probe.js http URL METHOD TIMEOUT_MS
 *
 * tcp: open | refused (a RST: nothing listens, or a REJECT) | timeout (no
 * answer: dropped) | unreachable (ICMP host/net unreachable, no route).
 * udp: answered | refused (ICMP port unreachable) | timeout | unreachable.
 */
import { lookup } from 'node:dns/promises';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

type Outcome = 'open' | 'answered' | 'refused' | 'timeout' | 'unreachable' | 'error';

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN']);

function classify(code: string | undefined): Outcome {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code && UNREACHABLE.has(code)) return 'unreachable';
  return 'error';
}

async function resolve(host: string): Promise<string> {
  return (await lookup(host)).address;
}

async function tcp(host: string, port: number, timeoutMs: number) {
  const address = await resolve(host);
  const t0 = performance.now();
  return new Promise<object>((done) => {
    const s = connect({ host: address, port });
    const finish = (result: Outcome, code?: string) => {
      s.destroy();
      done({ result, address, port, ms: Math.round(performance.now() - t0), ...(code ? { code } : {}) });
    };
    s.setTimeout(timeoutMs, () => finish('timeout'));
    s.once('connect', () => finish('open'));
    s.once('error', (e: NodeJS.ErrnoException) => finish(classify(e.code), e.code));
  });
}

async function udp(host: string, port: number, timeoutMs: number, payload: string) {
  const address = await resolve(host);
  const t0 = performance.now();
  return new Promise<object>((done) => {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (result: Outcome, code?: string, bytes?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.close();
      done({ result, address, port, ms: Math.round(performance.now() - t0), ...(code ? { code } : {}), ...(bytes !== undefined ? { bytes } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    // A connected UDP socket hears ICMP port unreachable as ECONNREFUSED.
    s.once('error', (e: NodeJS.ErrnoException) => finish(classify(e.code), e.code));
    s.once('message', (msg) => finish('answered', undefined, msg.length));
    s.connect(port, address, () => s.send(Buffer.from(payload)));
  });
}

async function http(url: string, method: string, timeoutMs: number) {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = method === 'HEAD' ? '' : (await res.text()).slice(0, 65536);
    return { result: 'answered', status: res.status, body, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    const err = e as Error & { cause?: NodeJS.ErrnoException };
    const code = err.name === 'TimeoutError' ? 'ETIMEDOUT' : err.cause?.code;
    return { result: classify(code), ...(code ? { code } : {}), error: err.cause?.message ?? err.message, ms: Math.round(performance.now() - t0) };
  }
}

async function main(argv: string[]): Promise<number> {
  const [kind, target, third, fourth, fifth] = argv;
  let out: object;
  try {
    if (kind === 'tcp') out = await tcp(target!, Number(third), Number(fourth));
    else if (kind === 'udp') out = await udp(target!, Number(third), Number(fourth), fifth ?? '');
    else if (kind === 'http') out = await http(target!, third ?? 'GET', Number(fourth));
    else {
      process.stderr.write('usage: probe.js tcp|udp HOST PORT TIMEOUT_MS [PAYLOAD] | http URL METHOD TIMEOUT_MS\n');
      return 2;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // A name that does not resolve: ENOTFOUND from getaddrinfo.
    out = { result: err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'unresolved' : 'error', code: err.code, error: err.message };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
