/**
 * Values with units, written the way tc writes them: `10ms`, `0.1%`,
 * `100mbit`. Thresholds accept the same plus the `/s` spelling people use
 * for throughput (`500Mbit/s`). Each parser returns undefined for text it
 * does not understand, so callers can report where and why.
 */

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;

const TIME_UNITS: Record<string, number> = {
  s: 1e6, sec: 1e6, secs: 1e6,
  ms: 1e3, msec: 1e3, msecs: 1e3,
  us: 1, usec: 1, usecs: 1,
};
export const TIME_PATTERN = new RegExp(`^${NUMBER}(${Object.keys(TIME_UNITS).join('|')})$`);

/** `10ms` → 10000 (microseconds). A unit is required: tc's bare numbers mean µs, which surprises people. */
export function parseTime(text: string): number | undefined {
  const m = TIME_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * TIME_UNITS[m[2]!]!;
}

/** bits per second for each tc rate unit (case-insensitive, as in tc). */
const RATE_UNITS: Record<string, number> = {
  bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12,
  kibit: 1024, mibit: 1024 ** 2, gibit: 1024 ** 3, tibit: 1024 ** 4,
  bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9, tbps: 8e12,
  kibps: 8 * 1024, mibps: 8 * 1024 ** 2, gibps: 8 * 1024 ** 3, tibps: 8 * 1024 ** 4,
};
export const RATE_PATTERN = new RegExp(`^${NUMBER}\\s*(${Object.keys(RATE_UNITS).join('|')})(/s)?$`, 'i');

/** `100mbit` or `500Mbit/s` → bits per second. */
export function parseRate(text: string): number | undefined {
  const m = RATE_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * RATE_UNITS[m[2]!.toLowerCase()]!;
}

export const PERCENT_PATTERN = new RegExp(`^${NUMBER}%$`);

/** `0.1%` → 0.1. Only 0..100 is a percentage. */
export function parsePercent(text: string): number | undefined {
  const m = PERCENT_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]);
  return v <= 100 ? v : undefined;
}

/** Human-readable bits per second: 9.41 Gbit/s. */
export function formatRate(bps: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let v = bps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}
