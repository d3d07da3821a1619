// Benchmark (not a test, `make bench-cutover`): what the cut-over's downtime costs as the data
// volume grows. The same workload (the shop sample, its database writing 4 KiB blocks at random
// places) runs as a maintenance on the sandbox once per data volume size (default 64 MiB and a
// 16 GiB sparse file), one after the other; for each it prints the downtime
// (status.downtimeSeconds), its parts (status.cutOver.downtime) and the final round's bytesRead,
// bytesWritten and rangesSource. Writes JSON to bench-results/.
//
//   npx node scripts/bench-cutover.ts [--sizes 64Mi,16Gi] [--ranges compare|csi] [--workload 50]
//
// --ranges picks where the rounds' changed ranges come from: `compare` reads both sides whole (the
// fallback), `csi` asks the sandbox CSI driver's SnapshotMetadata service (GetMetadataDelta). The
// option is handed to the simulator as `snapshotMetadata` (serve the service or not), and with csi
// each namespace binds the worker's ServiceAccount (docs/datasync.md). The table's "ranges" column
// prints what status.syncRounds recorded, never the option: a round that fell back says Compare.
//
// Volumes are sparse files in a temporary folder (the simulator's PVCs are ftruncate'd files and
// its copies keep holes), so a 16 GiB volume needs only the blocks written, not 16 GiB of disk.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MaintenancePlan, MaintenancePlanInput } from '../src/api/v1alpha1/index.ts';
import { RestClient } from '../src/runtime/rest.ts';
import { startSandboxCluster } from '../src/sandbox/cluster.ts';
import { applyManifests } from '../src/sandbox/manifests.ts';
import { datasyncRoleBinding, samplePlan, sandboxShop } from '../src/sandbox/samples.ts';
import { startSimulator, type SimulatorOptions } from '../src/sandbox/simulator/index.ts';
import { startOperatorProcess } from './bench/operator-process.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '64Mi,16Gi' },
    ranges: { type: 'string', default: 'compare' },
    workload: { type: 'string', default: '50' },
  },
});
const ranges = rangesOption(values.ranges);
const sizes = values.sizes.split(',').map((s) => s.trim());
const writesPerSecond = Number(values.workload);

interface Row {
  size: string;
  ranges: typeof ranges;
  phase: string;
  downtimeSeconds: number | undefined;
  downtime: Record<string, number> | undefined;
  rounds: number;
  finalRound: number | undefined;
  finalBytesRead: number | undefined;
  finalBytesWritten: number | undefined;
  finalRangesSource: string | undefined;
  finalRoundSeconds: number | undefined;
  maintenanceSeconds: number;
  loadAverage: number[];
  message?: string;
}

await mkdir('bench-results', { recursive: true });
const loadBefore = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
const cluster = await startSandboxCluster();
const volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-bench-cutover-'));
// With compare ranges the sandbox's CSI drivers serve no SnapshotMetadata API, so every round
// compares (and says so); with csi they serve it and each namespace binds the worker (as the demo does).
const simulatorOptions: SimulatorOptions = {
  kubeConfig: cluster.kubeConfig,
  volumesDir,
  stepDelayMs: 0,
  snapshotMetadata: ranges === 'csi',
};
const simulator = await startSimulator(simulatorOptions);
const rest = new RestClient(cluster.kubeConfig);
const operator = await startOperatorProcess(cluster, {});
const rows: Row[] = [];
try {
  for (const size of sizes) rows.push(await runOne(size));
} finally {
  await operator.stop();
  await simulator.stop();
  await cluster.stop();
  await rm(volumesDir, { recursive: true, force: true });
}
const loadAfter = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
printTable(rows);
const file = path.join('bench-results', `cutover-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(
  file,
  `${JSON.stringify({ machine: machine(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, writesPerSecond, rows }, null, 2)}\n`,
);
console.error(`wrote ${file}`);
if (rows.some((r) => r.phase !== 'Succeeded')) process.exitCode = 1;

/** One maintenance of the shop with data volumes of `size`, in its own namespace. */
async function runOne(size: string): Promise<Row> {
  const ns = `cutover-${size.toLowerCase()}`;
  console.error(
    `${size}: the shop with ${size} data volumes, the database writing ${String(writesPerSecond)} blocks/s`,
  );
  await rest.request('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: ns } } });
  await applyManifests(cluster.kubeConfig, await sandboxShop({ storage: size, workload: writesPerSecond }), {
    namespace: ns,
  });
  if (ranges === 'csi') await applyManifests(cluster.kubeConfig, [datasyncRoleBinding(ns)], { namespace: ns });
  await waitUntil(
    async () => isReady(await rest.request(`/apis/vapp.dev/v1alpha1/namespaces/${ns}/virtualappliances/shop`)),
    `${ns}: shop Ready`,
  );
  const sample = (await samplePlan()) as unknown as MaintenancePlanInput;
  const spec = structuredClone(sample.spec);
  delete spec.window;
  const plan = {
    ...sample,
    spec: {
      ...spec,
      verify: { timeoutSeconds: 300 },
      rollback: { ...spec.rollback, observeSeconds: 2 },
      // The largest budget: the benchmark measures the downtime, so the projection (compare mode
      // reads a 16 GiB volume whole) must not keep the plan from cutting over.
      dataSync: { ...spec.dataSync, downtimeBudgetSeconds: 86400 },
    },
  };
  const name = sample.metadata.name ?? '';
  const started = Date.now();
  await applyManifests(cluster.kubeConfig, [plan], { namespace: ns });
  const loads: number[] = [];
  let last = '';
  const url = `/apis/vapp.dev/v1alpha1/namespaces/${ns}/maintenanceplans/${name}`;
  await waitUntil(
    async () => {
      const p = await rest.request<MaintenancePlan>(url);
      const phase = p.status?.phase ?? '';
      if (phase !== last) {
        console.error(`${size}: ${phase} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        loads.push(Math.round((loadavg()[0] ?? 0) * 100) / 100);
        last = phase;
      }
      return isEnded(phase);
    },
    `${ns}: the plan to end`,
    60 * 60_000,
  );
  const seconds = (Date.now() - started) / 1000;
  const p = await rest.request<MaintenancePlan>(url);
  const status = p.status;
  const finalRound = status?.cutOver?.finalRound;
  const final = status?.syncRounds.find((r) => r.round === finalRound);
  const failed = status?.conditions.find((c) => c.status === 'False' && c.message)?.message;
  return {
    size,
    ranges,
    phase: status?.phase ?? '',
    downtimeSeconds: status?.downtimeSeconds,
    downtime: status?.cutOver?.downtime,
    rounds: status?.syncRounds.length ?? 0,
    finalRound,
    finalBytesRead: final?.bytesRead,
    finalBytesWritten: final?.bytesWritten ?? final?.bytes,
    finalRangesSource: final?.rangesSource,
    finalRoundSeconds: final?.seconds,
    maintenanceSeconds: seconds,
    loadAverage: loads,
    ...(status?.phase === 'Succeeded' || failed === undefined ? {} : { message: failed }),
  };
}

function printTable(all: readonly Row[]): void {
  const s = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(2));
  const b = (x: number | undefined): string => (x === undefined ? '-' : formatMiB(x));
  const parts = ['stopOriginal', 'finalDelta', 'startClone', 'ready', 'switchServices'] as const;
  const out = [
    `Cut-over of the shop sample, ranges asked: ${ranges}; the database writes ${String(writesPerSecond)} 4 KiB blocks/s.`,
    '',
    `| data volume | phase | downtime s | ${parts.join(' s | ')} s | final round | read | written | ranges | rounds | maintenance s | load average |`,
    `|---|---|---:|${parts.map(() => '---:').join('|')}|---:|---:|---:|---|---:|---:|---|`,
  ];
  for (const r of all) {
    out.push(
      `| ${r.size} | ${r.phase} | ${s(r.downtimeSeconds)} | ${parts.map((k) => s(r.downtime?.[k])).join(' | ')} | ${r.finalRound ?? '-'} (${s(r.finalRoundSeconds)} s) | ${b(r.finalBytesRead)} | ${b(r.finalBytesWritten)} | ${r.finalRangesSource ?? '-'} | ${String(r.rounds)} | ${r.maintenanceSeconds.toFixed(1)} | ${r.loadAverage.length ? `${Math.min(...r.loadAverage).toFixed(1)}-${Math.max(...r.loadAverage).toFixed(1)}` : '-'} |`,
    );
    if (r.message) out.push(`|  | ${r.message.slice(0, 300)} |`);
  }
  const [small, big] = [all[0], all.at(-1)];
  if (small && big && small !== big && small.downtimeSeconds && big.downtimeSeconds)
    out.push(
      '',
      `Downtime ${big.size} / ${small.size}: ${(big.downtimeSeconds / small.downtimeSeconds).toFixed(2)}x; ` +
        `final round of ${big.size} read ${big.finalBytesRead && big.finalBytesWritten ? (big.finalBytesRead / big.finalBytesWritten).toFixed(1) : '-'}x what it wrote.`,
    );
  if (ranges === 'csi' && all.some((r) => r.finalRangesSource !== 'CSI'))
    out.push('', "csi was asked but a final round used Compare: see the plan's ChangedBlocksUnavailable Events.");
  const m = machine();
  out.push('', `Machine: ${m.cores} cores, ${m.memory}; load average before ${loadBefore}, after ${loadAfter}.`);
  console.log(out.join('\n'));
}

function rangesOption(v: string): 'compare' | 'csi' {
  if (v !== 'compare' && v !== 'csi') throw new Error(`--ranges takes compare or csi, not ${v}`);
  return v;
}

function machine(): { cores: number; memory: string } {
  return { cores: cpus().length, memory: `${String(Math.round(totalmem() / 2 ** 30))} GiB` };
}

function formatMiB(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

function isReady(a: { status?: { conditions?: { type: string; status: string }[] } }): boolean {
  return a.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function isEnded(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Aborted' || phase === 'RolledBack';
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 10 * 60_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
