import { jsonText } from '../report/json-style.js';
import type { Io } from './io.js';

/** A command's `--json` result on stdout, in the common style (report/json-style.ts). */
export function jsonOut(io: Io, _what: string, body: object): void {
  io.out(jsonText(body));
}
