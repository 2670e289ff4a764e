/**
 * An iperf3 server for one measurement: started in the receiving namespace,
 * awaited until it listens, and always stopped — whatever the client did.
 */
import { startBackground } from '../exec/runner.js';
import { shJoin } from '../render/shell.js';
import { inNs, iperfServerArgv } from './commands.js';

/** Runs `fn` while a one-shot server listens on `bind` in `ns`; `fn` gets the server's command line, for reports. */
export async function withIperfServer<T>(ns: string, bind: string, fn: (serverCommand: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const argv = iperfServerArgv(bind);
  const server = startBackground(inNs(ns, argv), /Server listening/);
  const onAbort = () => void server.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await server.ready;
    return await fn(`ip netns exec ${ns} ${shJoin(argv)}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await server.stop();
  }
}
