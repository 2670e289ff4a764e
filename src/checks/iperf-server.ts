/**
 * An iperf3 server for one measurement: started in the receiving namespace,
 * awaited until it listens, and always stopped — whatever the client did.
 */
import { startBackground } from '../exec/runner.js';
import { shJoin } from '../render/shell.js';
import { inNs, iperfServerArgv } from './commands.js';

export interface IperfServer {
  /** its command line, for reports */
  command: string;
  /**
   * Stops it and returns the last error it printed, if any: when a client
   * fails, the server's side often says why ("Connection refused": it
   * answered a sender that was gone).
   */
  said(): Promise<string | undefined>;
}

/** Runs `fn` while a one-shot server listens on `bind` in `ns`. */
export async function withIperfServer<T>(ns: string, bind: string, fn: (server: IperfServer) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const argv = iperfServerArgv(bind);
  const server = startBackground(inNs(ns, argv), /Server listening/);
  const onAbort = () => void server.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await server.ready;
    return await fn({
      command: `ip netns exec ${ns} ${shJoin(argv)}`,
      said: async () => {
        const r = await server.stop();
        return lastError(`${r.stdout}\n${r.stderr}`);
      },
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await server.stop();
  }
}

/** The client's error, and the server's when it printed one. */
export function withServerSide(clientError: string, serverError: string | undefined): string {
  return serverError ? `${clientError} (the server: ${serverError})` : clientError;
}

/** iperf3's error lines read `iperf3: error - <what>`; the last one is what ended it. */
export function lastError(output: string): string | undefined {
  const lines = output.split('\n').filter((l) => /\berror\b/i.test(l));
  return lines.at(-1)?.replace(/^iperf3:\s*error\s*-\s*/i, '').trim() || undefined;
}
