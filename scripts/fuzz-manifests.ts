#!/usr/bin/env node
// Sends random and mutated VirtualAppliance and MaintenancePlan manifests to a sandbox with the operator
// running (test/support/manifest-fuzz.ts) and prints the counts. `make fuzz RUNS=20000 SEED=...`.
import { Command } from 'commander';
import { runManifestFuzz } from '../test/support/manifest-fuzz.ts';

const opts = new Command()
  .option('--runs <n>', 'manifests to send', (v) => Number(v), 10_000)
  .option('--seed <n>', 'fast-check seed (default: random, printed)', (v) => Number(v))
  .option('--concurrency <n>', 'requests in flight', (v) => Number(v), 16)
  .parse()
  .opts<{ runs: number; seed?: number; concurrency: number }>();
const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
console.log(`seed ${String(seed)}, ${String(opts.runs)} manifests`);
const { counts, violations } = await runManifestFuzz({
  runs: opts.runs,
  seed,
  concurrency: opts.concurrency,
  settleTimeoutMs: Math.max(120_000, opts.runs * 60),
  log: (line) => console.log(`  ${line}`),
});
console.log(JSON.stringify(counts, null, 2));
for (const v of violations.slice(0, 50)) console.log(`VIOLATION ${v}`);
console.log(
  violations.length === 0 ? 'no violation' : `${String(violations.length)} violation(s), seed ${String(seed)}`,
);
process.exit(violations.length === 0 ? 0 : 1);
