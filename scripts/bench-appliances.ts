// Benchmark (not a test): how long the operator takes to a Ready inventory for N appliances of three
// VMs each in the sandbox, how much memory it uses doing it, and where the time goes: the API
// server's requests by verb and resource during the run, the operator's writes and reconciles per
// appliance, the simulator's reconcile time and writes, CPU seconds per process. Writes JSON.
//
//   npx node scripts/bench-appliances.ts [--appliances 500] [--cpu-prof]
//
// The operator runs as its own process (`vapp-operator run`, under the shipped RBAC) so that its RSS
// and CPU are measured alone; the control plane and the KubeVirt simulator run beside it (the
// simulator in this process). --cpu-prof writes the operator's .cpuprofile to bench-results/.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import type { VirtualAppliance } from '../src/api/v1alpha1/index.ts';
import { RestClient } from '../src/runtime/rest.ts';
import { startSandboxCluster } from '../src/sandbox/cluster.ts';
import { startSimulator } from '../src/sandbox/simulator/index.ts';
import {
  apiServerRequests,
  apiServerWriteCounts,
  clientRequests,
  cpuSeconds,
  diff,
  parsePrometheus,
  printCounts,
  reconciledAndIdle,
  rssKiB,
  sandboxCpu,
  sumBy,
  writes,
  writesStopped,
} from './bench/measure.ts';
import { startOperatorProcess } from './bench/operator-process.ts';

const { values } = parseArgs({
  options: { appliances: { type: 'string', default: '500' }, 'cpu-prof': { type: 'boolean', default: false } },
});
const count = Number(values.appliances);
const NS = 'bench';
const MEMBERS = ['db', 'app', 'web'] as const;
await mkdir('bench-results', { recursive: true });

const cluster = await startSandboxCluster();
const simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0 });
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
const rest = new RestClient(cluster.kubeConfig);
await core.createNamespace({ body: { metadata: { name: NS } } });

const operator = await startOperatorProcess(cluster, {
  namespace: NS,
  ...(values['cpu-prof'] ? { cpuProfileDir: 'bench-results' } : {}),
});
let peakRssKiB = 0;
const sampleRss = async (): Promise<number> => {
  const { rss, peak } = await rssKiB(operator.pid);
  peakRssKiB = Math.max(peakRssKiB, peak);
  return rss;
};
await waitUntil(async () => (await fetch(operator.metricsUrl).catch(() => undefined))?.ok === true);
const idleRssKiB = await sampleRss();

// The counters before the run.
const apiBefore = apiServerRequests(parsePrometheus(await rest.requestText('/metrics')));
const opBefore = parsePrometheus(await operator.scrape());
const simBefore = parsePrometheus(await simulator.metrics.registry.metrics());
const cpuBefore = await sandboxCpu([operator.pid]);
const opCpuBefore = await cpuSeconds(operator.pid);

const started = Date.now();
// Creates in parallel (as many clients would), a few at a time.
const pending = new Set<Promise<void>>();
for (let i = 0; i < count; i++) {
  const name = `app${String(i).padStart(4, '0')}`;
  const p = (async () => {
    for (const member of MEMBERS)
      await create('kubevirt.io', 'v1', 'virtualmachines', vmManifest(`${name}-${member}`, member));
    await create('vapp.dev', 'v1alpha1', 'virtualappliances', applianceManifest(name));
  })().finally(() => pending.delete(p));
  pending.add(p);
  if (pending.size >= 16) await Promise.race(pending);
}
await Promise.all(pending);
const createdSeconds = (Date.now() - started) / 1000;
let ready = 0;
await waitUntil(async () => {
  await sampleRss();
  const list = (await custom.listNamespacedCustomObject({
    group: 'vapp.dev',
    version: 'v1alpha1',
    namespace: NS,
    plural: 'virtualappliances',
  })) as { items: VirtualAppliance[] };
  ready = list.items.filter((a) => a.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  return ready === count;
}, 30 * 60_000);
const readySeconds = (Date.now() - started) / 1000;
const steadyRssKiB = await sampleRss();

const apiAfter = apiServerRequests(parsePrometheus(await rest.requestText('/metrics')));
const opAfter = parsePrometheus(await operator.scrape());
const simAfter = parsePrometheus(await simulator.metrics.registry.metrics());
const cpuAfter = await sandboxCpu([operator.pid]);
const opCpu = (await cpuSeconds(operator.pid)) - opCpuBefore;

const api = diff(apiBefore, apiAfter);
const opRequests = diff(clientRequests(opBefore), clientRequests(opAfter));
const simRequests = diff(clientRequests(simBefore), clientRequests(simAfter));
const reconciles = (samples: ReturnType<typeof parsePrometheus>) =>
  sumBy(samples, 'controller_runtime_reconcile_total', (l) => l.controller);
const reconcileSeconds = (samples: ReturnType<typeof parsePrometheus>) =>
  sumBy(samples, 'controller_runtime_reconcile_time_seconds_sum', (l) => l.controller);
const opReconciles = diff(reconciles(opBefore), reconciles(opAfter));
const simReconciles = diff(reconciles(simBefore), reconciles(simAfter));
const simSeconds = diff(reconcileSeconds(simBefore), reconcileSeconds(simAfter));
const cpu = diff(cpuBefore, cpuAfter).map(([k, v]): [string, number] => [k, Math.round(v * 10) / 10]);
cpu.unshift(['vapp-operator', Math.round(opCpu * 10) / 10]);
// What the RSS after ready is made of (prom-client's Node.js metrics of the operator).
const gauge = (name: string, space?: string): number =>
  (opAfter.find((x) => x.name === name && (space === undefined || x.labels.space === space))?.value ?? 0) / 2 ** 20;
const heapMiB = {
  used: gauge('nodejs_heap_size_used_bytes'),
  total: gauge('nodejs_heap_size_total_bytes'),
  newSpace: gauge('nodejs_heap_space_size_total_bytes', 'new'),
  oldSpaceUsed: gauge('nodejs_heap_space_size_used_bytes', 'old'),
  external: gauge('nodejs_external_memory_bytes'),
};
const applianceReconciles = opReconciles.find(([k]) => k === 'virtualappliance')?.[1] ?? 0;

const result = {
  machine: `${String(cpus().length)} cores, ${String(Math.round(totalmem() / 2 ** 30))} GiB`,
  loadAverageAtEnd: loadavg()[0],
  appliances: count,
  vms: count * MEMBERS.length,
  createSeconds: createdSeconds,
  readySeconds,
  readyAfterLastCreateSeconds: readySeconds - createdSeconds,
  operatorRssMiB: { idle: idleRssKiB / 1024, afterReady: steadyRssKiB / 1024, peak: peakRssKiB / 1024 },
  operatorHeapMiBAfterReady: heapMiB,
  cpuSeconds: Object.fromEntries(cpu),
  operator: {
    writes: writes(opRequests),
    writesPerAppliance: writes(opRequests) / count,
    reconcilesPerAppliance: applianceReconciles / count,
    requests: Object.fromEntries(opRequests),
    reconciles: Object.fromEntries(opReconciles),
  },
  simulator: {
    writes: writes(simRequests),
    reconcileSeconds: Object.fromEntries(simSeconds),
    reconciles: Object.fromEntries(simReconciles),
    requests: Object.fromEntries(simRequests),
  },
  apiServer: { writes: writes(api), requests: Object.fromEntries(api) },
};
console.log(`appliances           ${String(count)} (${String(count * MEMBERS.length)} VMs)`);
console.log(`created in           ${createdSeconds.toFixed(1)} s`);
console.log(
  `all Ready after      ${readySeconds.toFixed(1)} s from the first create, ${(readySeconds - createdSeconds).toFixed(1)} s after the last`,
);
console.log(
  `operator RSS         idle ${(idleRssKiB / 1024).toFixed(0)} MiB, after ready ${(steadyRssKiB / 1024).toFixed(0)} MiB, peak ${(peakRssKiB / 1024).toFixed(0)} MiB`,
);
console.log(
  `operator heap        after ready: ${heapMiB.used.toFixed(0)} of ${heapMiB.total.toFixed(0)} MiB used (old space ${heapMiB.oldSpaceUsed.toFixed(0)}, new space ${heapMiB.newSpace.toFixed(0)}), external ${heapMiB.external.toFixed(0)} MiB`,
);
console.log(
  `operator             ${String(result.operator.writes)} writes (${result.operator.writesPerAppliance.toFixed(2)} per appliance), ${(applianceReconciles / count).toFixed(2)} appliance reconciles per appliance`,
);
console.log(
  `simulator            ${String(result.simulator.writes)} writes, ${(simSeconds[0]?.[1] ?? 0).toFixed(1)} s in reconciles`,
);
console.log(`API server           ${String(result.apiServer.writes)} writes`);
printCounts('CPU seconds', cpu);
printCounts('operator requests (method resource)', opRequests);
printCounts('simulator requests (method resource)', simRequests);
printCounts('API server requests (verb resource)', api);

// A forced resync: a new operator process replays its caches as adds and reconciles every
// appliance again; unchanged appliances must cost no write. Measured once the writes have stopped.
const apiWrites = () => apiServerWriteCounts(rest);
await waitUntil(writesStopped(apiWrites), 5 * 60_000);
await operator.stop();
const resyncStarted = Date.now();
const beforeResync = await apiWrites();
const restarted = await startOperatorProcess(cluster, { namespace: NS, kubeconfig: operator.kubeconfig });
await waitUntil(
  async () => reconciledAndIdle(parsePrometheus(await restarted.scrape().catch(() => '')), 'virtualappliance', count),
  10 * 60_000,
);
const resyncSeconds = (Date.now() - resyncStarted) / 1000;
const resyncWrites = diff(beforeResync, await apiWrites());
const restartedRss = await rssKiB(restarted.pid);
const resync = {
  seconds: resyncSeconds,
  writes: Object.fromEntries(resyncWrites),
  operatorRssMiB: restartedRss.rss / 1024,
  operatorCpuSeconds: await cpuSeconds(restarted.pid),
};
console.log(
  `forced resync        ${String(count)} appliances reconciled again by a new operator in ${resyncSeconds.toFixed(1)} s: ${String(writes(resyncWrites))} writes; its RSS ${(restartedRss.rss / 1024).toFixed(0)} MiB`,
);
printCounts('writes during the resync', resyncWrites);
await writeFile('bench-results/appliances.json', JSON.stringify({ ...result, resync }, null, 2));

await restarted.stop();
await simulator.stop();
await cluster.stop();

async function create(group: string, version: string, plural: string, body: KubernetesObject): Promise<void> {
  await rest.request(`/apis/${group}/${version}/namespaces/${NS}/${plural}`, { method: 'POST', body });
}

function vmManifest(name: string, member: string): KubernetesObject {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, annotations: { 'vapp.dev/levels': `{"${member}":"1.0.0"}` } },
    spec: {
      runStrategy: 'Always',
      template: {
        spec: {
          domain: { devices: {} },
          volumes: [{ name: 'root', containerDisk: { image: `registry.example.com/${member}:1.0.0` } }],
        },
      },
    },
  } as KubernetesObject;
}

function applianceManifest(name: string): KubernetesObject {
  const update = (member: string) => ({ image: { volume: 'root', repository: `registry.example.com/${member}` } });
  return {
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'VirtualAppliance',
    metadata: { name },
    spec: {
      members: MEMBERS.map((m, i) => ({
        name: m,
        vm: `${name}-${m}`,
        startOrder: i,
        components: [{ name: m, level: { annotation: {} }, update: update(m) }],
      })),
    },
  } as KubernetesObject;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out (${String(ready)}/${String(count)} ready)`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
