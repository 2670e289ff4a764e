/**
 * A bridge's own settings: VLAN filtering, STP, timers, multicast snooping.
 * Times arrive as `10s` and leave in centiseconds, the unit `ip link` takes
 * (USER_HZ) and reads back.
 */
import type { BridgeOptions } from './model.js';
import type { Problems } from './problems.js';
import type { RawNode } from './schema.js';
import { parseTime } from './units.js';

type Path = (string | number)[];

/** The kernel keeps forward_delay within 2..30 s while STP runs (br_set_forward_delay). */
const FORWARD_DELAY_S = { min: 2, max: 30 };
/** ageing_time is a 32-bit count of centiseconds; a million seconds (11.6 days) is plenty. */
const AGEING_MAX_S = 1_000_000;

export function buildBridgeOptions(raw: RawNode, path: Path, p: Problems): BridgeOptions {
  const opts: BridgeOptions = {};
  if (raw.vlan_filtering !== undefined) opts.vlanFiltering = raw.vlan_filtering;
  if (raw.stp !== undefined) opts.stp = raw.stp;
  if (raw.mcast_snooping !== undefined) opts.mcastSnooping = raw.mcast_snooping;
  if (raw.forward_delay !== undefined) {
    const cs = centiseconds(raw.forward_delay, [...path, 'forward_delay'], p);
    if (!raw.stp) {
      p.at([...path, 'forward_delay'], '`forward_delay` only matters while STP runs, and this bridge has no `stp: true`', 'add `stp: true`, or remove it', 'key');
    } else if (cs !== undefined && (cs < FORWARD_DELAY_S.min * 100 || cs > FORWARD_DELAY_S.max * 100)) {
      p.at([...path, 'forward_delay'], `forward_delay ${raw.forward_delay} is outside ${FORWARD_DELAY_S.min}s..${FORWARD_DELAY_S.max}s, the range STP allows`);
    } else if (cs !== undefined) {
      opts.forwardDelayCs = cs;
    }
  }
  if (raw.ageing_time !== undefined) {
    const cs = centiseconds(raw.ageing_time, [...path, 'ageing_time'], p);
    if (cs !== undefined && cs > AGEING_MAX_S * 100) p.at([...path, 'ageing_time'], `ageing_time ${raw.ageing_time} is longer than ${AGEING_MAX_S}s`);
    else if (cs !== undefined) opts.ageingTimeCs = cs;
  }
  return opts;
}

/** `10s` → 1000; undefined (with the problem reported) when it is not a whole number of centiseconds. */
function centiseconds(text: string, at: Path, p: Problems): number | undefined {
  const us = parseTime(text)!;
  if (us % 10_000 !== 0) {
    p.at(at, `${text} is not a whole number of hundredths of a second, the bridge's unit`, `round it, e.g. \`${Math.round(us / 10_000) / 100}s\``);
    return undefined;
  }
  return us / 10_000;
}

/** `ip link add … type bridge` words for the options set (none: the kernel's defaults). */
export function bridgeOptionWords(o: BridgeOptions): string[] {
  const w: string[] = [];
  if (o.vlanFiltering !== undefined) w.push('vlan_filtering', o.vlanFiltering ? '1' : '0');
  if (o.stp !== undefined) w.push('stp_state', o.stp ? '1' : '0');
  if (o.forwardDelayCs !== undefined) w.push('forward_delay', String(o.forwardDelayCs));
  if (o.ageingTimeCs !== undefined) w.push('ageing_time', String(o.ageingTimeCs));
  if (o.mcastSnooping !== undefined) w.push('mcast_snooping', o.mcastSnooping ? '1' : '0');
  return w;
}
