// Benchmark (not a test): what a maintenance costs. N shops (the sample appliance, one per
// namespace), then one MaintenancePlan each, all at once, run to Succeeded; prints the API
// server's write requests per maintenance by verb and resource, the operator's requests and
// reconciles per maintenance and its CPU seconds per maintenance. Writes JSON.
//
//   npx node scripts/bench-maintenances.ts [--maintenances 50] [--cpu-prof]
//
// The operator runs as its own process (all namespaces, under the shipped RBAC); the control
// plane and the simulator with its storage part (volumes as files, snapshots, clones, Jobs) beside it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MaintenancePlan, MaintenancePlanInput } from '../src/api/v1alpha1/index.ts';
import { RestClient } from '../src/runtime/rest.ts';
import { startSandboxCluster } from '../src/sandbox/cluster.ts';
import { applyManifests } from '../src/sandbox/manifests.ts';
import { samplePlan, sandboxShop } from '../src/sandbox/samples.ts';
import { startSimulator } from '../src/sandbox/simulator/index.ts';
import {
  apiServerWrites,
  clientRequests,
  cpuSeconds,
  diff,
  parsePrometheus,
  printCounts,
  sumBy,
  writes,
} from './bench/measure.ts';
import { startOperatorProcess } from './bench/operator-process.ts';

const { values } = parseArgs({
  options: { maintenances: { type: 'string', default: '50' }, 'cpu-prof': { type: 'boolean', default: false } },
});
const count = Number(values.maintenances);
const namespaces = Array.from({ length: count }, (_, i) => `shop${String(i).padStart(3, '0')}`);
await mkdir('bench-results', { recursive: true });

const cluster = await startSandboxCluster();
const volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-bench-volumes-'));
const simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
const rest = new RestClient(cluster.kubeConfig);
const operator = await startOperatorProcess(cluster, {
  ...(values['cpu-prof'] ? { cpuProfileDir: 'bench-results' } : {}),
});

// The shops, Ready before any plan exists.
const setupStarted = Date.now();
for (const ns of namespaces) {
  await rest.request('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: ns } } });
  await applyManifests(cluster.kubeConfig, await sandboxShop({ storage: '16Mi' }), { namespace: ns });
}
await waitUntil(async () => (await countWhere('virtualappliances', isReady)) === count, 'shops Ready');
console.log(`shops                ${String(count)} Ready after ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);
await settle();

// One plan per shop, all at once: no window, a short observation.
const sample = (await samplePlan()) as unknown as MaintenancePlanInput;
const spec = structuredClone(sample.spec);
delete spec.window;
const plan = {
  ...sample,
  spec: { ...spec, verify: { timeoutSeconds: 120 }, rollback: { ...spec.rollback, observeSeconds: 2 } },
};
const apiBefore = apiServerWrites(parsePrometheus(await rest.requestText('/metrics')));
const opBefore = parsePrometheus(await operator.scrape());
const cpuBefore = await cpuSeconds(operator.pid);
const started = Date.now();
await Promise.all(namespaces.map((ns) => applyManifests(cluster.kubeConfig, [plan], { namespace: ns })));
await waitUntil(
  async () => (await countWhere('maintenanceplans', (p) => isEnded(p.status?.phase))) === count,
  'plans ended',
  60 * 60_000,
);
const seconds = (Date.now() - started) / 1000;
const phases = new Map<string, number>();
for (const ns of namespaces) {
  const p = await rest.request<MaintenancePlan>(
    `/apis/vapp.dev/v1alpha1/namespaces/${ns}/maintenanceplans/${sample.metadata.name ?? ''}`,
  );
  phases.set(p.status?.phase ?? '', (phases.get(p.status?.phase ?? '') ?? 0) + 1);
}
// The plans' last writes (the release of the originals comes later, after retainOriginalFor) are in.
await settle();
const api = diff(apiBefore, apiServerWrites(parsePrometheus(await rest.requestText('/metrics'))));
const opAfter = parsePrometheus(await operator.scrape());
const opCpu = (await cpuSeconds(operator.pid)) - cpuBefore;
const opRequests = diff(clientRequests(opBefore), clientRequests(opAfter));
const reconciles = diff(
  sumBy(opBefore, 'controller_runtime_reconcile_total', (l) => l.controller),
  sumBy(opAfter, 'controller_runtime_reconcile_total', (l) => l.controller),
);
const per = (n: number) => Math.round((n / count) * 100) / 100;

const result = {
  machine: `${String(cpus().length)} cores, ${String(Math.round(totalmem() / 2 ** 30))} GiB`,
  loadAverageAtEnd: loadavg()[0],
  maintenances: count,
  seconds,
  phases: Object.fromEntries(phases),
  apiWritesPerMaintenance: per(writes(api)),
  apiWritesPerMaintenanceByKind: Object.fromEntries(api.map(([k, v]) => [k, per(v)])),
  operatorWritesPerMaintenance: per(writes(opRequests)),
  operatorRequestsPerMaintenance: Object.fromEntries(opRequests.map(([k, v]) => [k, per(v)])),
  operatorReconcilesPerMaintenance: Object.fromEntries(reconciles.map(([k, v]) => [k, per(v)])),
  operatorCpuSecondsPerMaintenance: Math.round((opCpu / count) * 1000) / 1000,
};
console.log(
  `maintenances         ${String(count)} at once, all ended in ${seconds.toFixed(1)} s`,
  Object.fromEntries(phases),
);
console.log(
  `per maintenance      ${String(result.apiWritesPerMaintenance)} API writes (${String(result.operatorWritesPerMaintenance)} by the operator), operator CPU ${String(result.operatorCpuSecondsPerMaintenance)} s`,
);
printCounts(
  'API writes per maintenance (verb resource)',
  api.map(([k, v]) => [k, per(v)]),
  40,
);
printCounts(
  'operator requests per maintenance (method resource)',
  opRequests.map(([k, v]) => [k, per(v)]),
  40,
);
printCounts(
  'operator reconciles per maintenance',
  reconciles.map(([k, v]) => [k, per(v)]),
);
await writeFile('bench-results/maintenances.json', JSON.stringify(result, null, 2));

await operator.stop();
await simulator.stop();
await cluster.stop();
await rm(volumesDir, { recursive: true, force: true });

function isReady(a: { status?: { conditions?: { type: string; status: string }[] } }): boolean {
  return a.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function isEnded(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Aborted' || phase === 'RolledBack';
}

/** How many objects of a vapp.dev kind, in every namespace, pass `ok`. */
async function countWhere(
  plural: 'virtualappliances' | 'maintenanceplans',
  ok: (o: { status?: { phase?: string; conditions?: { type: string; status: string }[] } }) => boolean,
): Promise<number> {
  const list = await rest.request<{ items: Parameters<typeof ok>[0][] }>(`/apis/vapp.dev/v1alpha1/${plural}`);
  return list.items.filter(ok).length;
}

/** Until two looks a second apart see no new write (the control plane's own aside). */
async function settle(): Promise<void> {
  let last = apiServerWrites(parsePrometheus(await rest.requestText('/metrics')));
  await waitUntil(
    async () => {
      const now = apiServerWrites(parsePrometheus(await rest.requestText('/metrics')));
      const moved = diff(last, now).length > 0;
      last = now;
      return !moved;
    },
    'the writes to stop',
    5 * 60_000,
    1_000,
  );
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 30 * 60_000, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
