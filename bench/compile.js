#!/usr/bin/env node
// Times the pure pipeline (parse → validate → IPAM → graph → creation plan)
// on the 1000-host star. Run after `npm run build`: `npm run bench:compile`.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { creationPlan } from '../dist/compile/create.js';
import { loadTopology } from '../dist/topology/load.js';

const file = process.argv[2] ?? 'topologies/star1000.yaml';
const text = readFileSync(file, 'utf8');
const runs = Number(process.env.RUNS ?? 7);
const times = [];
let steps = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const lab = loadTopology(file, text);
  steps = creationPlan(lab).steps.length;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const first = times.length ? times : [0];
console.log(`${file}: ${steps} steps; compile median ${first[Math.floor(runs / 2)].toFixed(0)} ms, min ${first[0].toFixed(0)} ms, max ${first.at(-1).toFixed(0)} ms over ${runs} runs (first run includes JIT warm-up)`);
