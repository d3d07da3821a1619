// Benchmark (not a test): how long the operator takes to a Ready inventory for N appliances of three
// VMs each in the sandbox, and how much memory it uses doing it. Prints figures, writes JSON.
//
//   npx node scripts/bench-appliances.ts [--appliances 500]
//
// The operator runs as its own process (`vapp-operator run`, under the shipped RBAC) so that its RSS
// is measured alone; the control plane and the KubeVirt simulator run beside it.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import type { VirtualAppliance } from '../src/api/v1alpha1/index.ts';
import { RestClient } from '../src/runtime/rest.ts';
import { startSandboxCluster } from '../src/sandbox/cluster.ts';
import { kubeconfigYaml } from '../src/sandbox/controlplane/kubeconfig.ts';
import { operatorKubeConfig } from '../src/sandbox/operator.ts';
import { startSimulator } from '../src/sandbox/simulator/index.ts';

const { values } = parseArgs({ options: { appliances: { type: 'string', default: '500' } } });
const count = Number(values.appliances);
const NS = 'bench';
const MEMBERS = ['db', 'app', 'web'] as const;

const cluster = await startSandboxCluster();
const simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0 });
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
const rest = new RestClient(cluster.kubeConfig);
await core.createNamespace({ body: { metadata: { name: NS } } });

// The operator process, under the vapp-operator ServiceAccount.
const saConfig = await operatorKubeConfig(cluster);
const saKubeconfig = `${cluster.dir}/operator.kubeconfig`;
const user = saConfig.getCurrentUser();
await writeFile(
  saKubeconfig,
  kubeconfigYaml({
    server: cluster.server,
    caData: cluster.caData,
    user: user?.name ?? 'operator',
    token: user?.token ?? '',
  }),
);
const operator = spawn(
  process.execPath,
  [
    'src/main.ts',
    'run',
    '--kubeconfig',
    saKubeconfig,
    '--namespace',
    NS,
    '--no-leader-elect',
    // Port 0: the operator binds a port the kernel picks and logs it, so no other program can take it first.
    '--metrics-bind-address',
    '127.0.0.1:0',
    '--health-probe-bind-address',
    '0',
    '--log-level',
    'info',
    '--log-format',
    'json',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const metricsAddress = new Promise<string>((resolve, reject) => {
  operator.once('exit', (code) => reject(new Error(`the operator exited (${String(code)}) before serving metrics`)));
  createInterface({ input: operator.stdout }).on('line', (line) => {
    let entry: { message?: string; address?: string } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // not a log entry
    }
    if (entry.message === 'serving metrics' && entry.address !== undefined) resolve(entry.address);
  });
});
let peakRssKiB = 0;
const sampleRss = async (): Promise<number> => {
  const status = await readFile(`/proc/${String(operator.pid)}/status`, 'utf8').catch(() => '');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  peakRssKiB = Math.max(peakRssKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
  return rss;
};
const metricsUrl = `http://${await metricsAddress}/metrics`;
const idleRssKiB = await (async () => {
  await waitUntil(async () => (await fetch(metricsUrl).catch(() => undefined))?.ok === true);
  return sampleRss();
})();

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

const result = {
  machine: `${String((await import('node:os')).cpus().length)} cores, ${String(Math.round((await import('node:os')).totalmem() / 2 ** 30))} GiB`,
  appliances: count,
  vms: count * MEMBERS.length,
  createSeconds: createdSeconds,
  readySeconds,
  operatorRssMiB: { idle: idleRssKiB / 1024, afterReady: steadyRssKiB / 1024, peak: peakRssKiB / 1024 },
};
console.log(`appliances           ${String(count)} (${String(count * MEMBERS.length)} VMs)`);
console.log(`created in           ${createdSeconds.toFixed(1)} s`);
console.log(`all Ready after      ${readySeconds.toFixed(1)} s (from the first create)`);
console.log(
  `operator RSS         idle ${(idleRssKiB / 1024).toFixed(0)} MiB, after ready ${(steadyRssKiB / 1024).toFixed(0)} MiB, peak ${(peakRssKiB / 1024).toFixed(0)} MiB`,
);
await mkdir('bench-results', { recursive: true });
await writeFile('bench-results/appliances.json', JSON.stringify(result, null, 2));

operator.kill('SIGTERM');
await new Promise((r) => operator.once('exit', r));
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
