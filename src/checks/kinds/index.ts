/**
 * Every check kind, registered in one list: what it runs, how it reads the
 * output and judges it. A new kind is a file here plus its schema in
 * topology/schema.ts (a test checks the two lists agree).
 */
import type { CheckKind } from '../../topology/schema.js';
import type { CheckKindDef } from './context.js';
import { capture } from './capture.js';
import { connect } from './connect.js';
import { path } from './path.js';
import { route } from './route.js';
import { exec } from './exec.js';
import { http } from './http.js';
import { iperf } from './iperf.js';
import { mtu } from './mtu.js';
import { ping } from './ping.js';
import { reach } from './reach.js';

export const CHECK_KIND_DEFS: { [K in CheckKind]: CheckKindDef<K> } = { ping, reach, iperf, mtu, connect, http, route, path, capture, exec };

export function kindOf<K extends CheckKind>(kind: K): CheckKindDef<K> {
  return CHECK_KIND_DEFS[kind];
}
