/**
 * The kernel's ARP and NDP tables are shared by every namespace on the host
 * and hold at most `net.ipv4.neigh.default.gc_thresh3` entries (1024 by
 * default); past that, resolutions fail ("neighbor table overflow") and
 * pings are lost for no network reason. A full mesh among N nodes needs
 * about 2·N entries per source pinging at once (its N-1 targets, and one for
 * it in each target), so `reach` pings from as many sources at once as the
 * table has room for, and empties the lab's caches between rounds.
 */
import { readFileSync } from 'node:fs';

/** Sources per round that keep the table under 80 % of its limit; at least one. */
export function sourcesPerRound(nodes: number, limit: number, inUse: number): number {
  const room = Math.floor(limit * 0.8) - inUse;
  return Math.max(1, Math.min(nodes, Math.floor(room / (2 * Math.max(1, nodes)))));
}

/** The host-wide limit and current size of the ARP table (read from /proc; fallbacks if unreadable). */
export function arpTable(): { limit: number; inUse: number } {
  let limit = 1024;
  let inUse = 0;
  try {
    limit = Number(readFileSync('/proc/sys/net/ipv4/neigh/default/gc_thresh3', 'utf8').trim()) || limit;
  } catch {
    /* keep the kernel default */
  }
  try {
    // first column of the first data line: entries, in hex, for the whole table
    const line = readFileSync('/proc/net/stat/arp_cache', 'utf8').split('\n')[1] ?? '';
    inUse = parseInt(line.trim().split(/\s+/)[0] ?? '0', 16) || 0;
  } catch {
    /* unknown: assume empty */
  }
  return { limit, inUse };
}
