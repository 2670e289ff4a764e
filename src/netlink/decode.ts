/**
 * What the kernel answers to a query of the in-process path (encode.ts's
 * loopbackQuery), read back. Pure: bytes in, values out.
 */

const HEADER = 16; // struct nlmsghdr
const IFINFOMSG = 16;
const RTM_NEWLINK = 16;
const IFLA_IFALIAS = 20;

/** The alias of the link an RTM_NEWLINK message describes, or undefined when it has none (or the bytes are not such a message). */
export function linkAlias(reply: Uint8Array): string | undefined {
  const b = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  if (b.length < HEADER + IFINFOMSG || b.readUInt16LE(4) !== RTM_NEWLINK) return undefined;
  const end = Math.min(b.length, b.readUInt32LE(0));
  for (let at = HEADER + IFINFOMSG; at + 4 <= end; ) {
    const len = b.readUInt16LE(at);
    if (len < 4 || at + len > end) return undefined;
    // the kernel sends an empty alias attribute only when none is set; a
    // string attribute ends with a NUL
    if ((b.readUInt16LE(at + 2) & 0x3fff) === IFLA_IFALIAS) return b.toString('utf8', at + 4, at + len).replace(/\0.*$/s, '') || undefined;
    at += (len + 3) & ~3;
  }
  return undefined;
}
