/**
 * What a failed in-process step says: the words ip or sysctl would have
 * printed for the same kernel answer, so the executor's "already there" and
 * "already gone" rules, and the user, read it the same way on both paths.
 */
import type { Op } from './encode.js';

/** [errno, strerror text, the kernel's extended-ack message or what failed] */
export type NativeFailure = [number, string, string];

export function failureText(op: Op, [, text, detail]: NativeFailure): string {
  if (op.kind === 'sysctl') {
    return detail === 'open' ? `sysctl: cannot stat ${op.path}: ${text}` : `sysctl: setting key "${op.key}": ${text}`;
  }
  // ip resolves names before it sends anything, and says so in these words
  if (detail.startsWith('Cannot find device')) return detail;
  return detail ? `Error: ${detail}.\nRTNETLINK answers: ${text}` : `RTNETLINK answers: ${text}`;
}
