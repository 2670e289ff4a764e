import type { Link } from './model.js';

/**
 * Bridges joined by links form one L2 segment. Union-find over the
 * bridge-to-bridge links; `onLoop` hears of every link that joins two
 * bridges already in one segment (a loop, with no STP to break it).
 */
export function bridgeSegments(links: Link[], onLoop?: (link: Link) => void): (bridge: string) => string {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    while (parent.has(x)) x = parent.get(x)!;
    return x;
  };
  for (const l of links) {
    const [a, b] = l.ends;
    if (a.kind !== 'bridge' || b.kind !== 'bridge') continue;
    const [ra, rb] = [find(a.node), find(b.node)];
    if (ra === rb) onLoop?.(l);
    else parent.set(ra, rb);
  }
  return find;
}
