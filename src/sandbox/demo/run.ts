// The demo scenario: a sandbox cluster, the KubeVirt simulator (VMs, storage, snapshots, clones,
// Jobs, a workload writing to the database's data volume) and the operator under its shipped RBAC;
// the three-member `shop` sample appliance; then the sample MaintenancePlan, followed live, and
// the checks a user would make at the end.
import { datasyncRoleBinding } from '../samples.ts';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, type V1Service } from '@kubernetes/client-node';
import type { MaintenancePlan, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../kubevirt/types.ts';
import { startSandboxCluster } from '../cluster.ts';
import { applyManifests } from '../manifests.ts';
import { samplePlan, sandboxShop } from '../samples.ts';
import { startSandboxOperator } from '../operator.ts';
import { startSimulator } from '../simulator/index.ts';
import { verifyCutOverData } from './data-check.ts';
import { followPlan } from './follow.ts';
import { createReporter } from './report.ts';

const NAMESPACE = 'shop';
const GROUP = { group: 'vapp.dev', version: 'v1alpha1', namespace: NAMESPACE };

export interface DemoOptions {
  readonly dir: string;
  readonly keep: boolean;
  readonly out: NodeJS.WritableStream;
}

/** The sample plan, made to cut over now: the sample's window is on weekends. */
async function demoPlan(): Promise<MaintenancePlan> {
  const p = (await samplePlan()) as unknown as MaintenancePlan;
  delete (p.spec as { window?: unknown }).window;
  p.spec.rollback = { ...p.spec.rollback, observeSeconds: 5 };
  (p.spec as { verify: unknown }).verify = { timeoutSeconds: 120 };
  return p;
}

/** Runs the demo; true when every check held. */
export async function runDemo(opts: DemoOptions): Promise<boolean> {
  const report = createReporter(opts.out);
  const t0 = Date.now();
  report.step('Starting the sandbox: etcd, kube-apiserver, kube-controller-manager (real, built from Go modules)');
  const cluster = await startSandboxCluster({ dir: path.join(opts.dir, 'controlplane') });
  const kubeconfig = path.join(opts.dir, 'kubeconfig');
  await copyFile(cluster.kubeconfigPath, kubeconfig);
  const rel = path.relative(process.cwd(), kubeconfig);
  report.done(`API server at ${cluster.server} (${report.since(t0)}); kubectl --kubeconfig ${rel} ...`);
  const volumesDir = path.join(opts.dir, 'volumes');
  const simulator = await startSimulator({
    kubeConfig: cluster.kubeConfig,
    readyDelayMs: 300,
    volumesDir,
    stepDelayMs: 100,
  });
  const operator = await startSandboxOperator(cluster, { controllers: { maintenance: { observeIntervalMs: 2_000 } } });
  report.done('KubeVirt simulator (VMs, volumes as files, snapshots, clones, Jobs) and vapp-operator running');

  const checks: [string, boolean][] = [];
  try {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const applianceObjects = await sandboxShop({ storage: '256Mi', workload: 50 });
    const plan = await demoPlan();

    report.step(
      'Applying config/samples: VMs shop-db, shop-app, shop-web, their Services and the VirtualAppliance shop',
    );
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    await applyManifests(cluster.kubeConfig, applianceObjects, { namespace: NAMESPACE });
    // As the namespace's admin: the data-sync workers may ask the CSI driver for changed blocks.
    report.step('Binding ClusterRole vapp-datasync to ServiceAccount vapp-datasync (changed blocks from CSI)');
    await applyManifests(cluster.kubeConfig, [datasyncRoleBinding(NAMESPACE)], { namespace: NAMESPACE });
    const readAppliance = async () =>
      custom.getNamespacedCustomObject({
        ...GROUP,
        plural: 'virtualappliances',
        name: 'shop',
      }) as Promise<VirtualAppliance>;
    const before = await report.waitFor(
      'appliance shop Ready',
      async () => {
        const a = await readAppliance();
        return a.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') === true && a;
      },
      60_000,
    );
    report.table(
      ['MEMBER', 'VM', 'READY', 'COMPONENT', 'LEVEL'],
      (before.status?.members ?? []).flatMap((m) =>
        m.components.map((c) => [m.name, m.vm, String(m.ready), c.name, c.level ?? '?']),
      ),
    );
    opts.out.write("    a simulated database keeps writing to shop-db's data volume (shop-db-pgdata) all along\n");

    report.step(
      `Applying MaintenancePlan ${plan.metadata.name ?? ''}: ${plan.spec.components.map((c) => `${c.name} → ${c.level}`).join(', ')}`,
    );
    await applyManifests(cluster.kubeConfig, [plan], { namespace: NAMESPACE });
    const readPlan = async () =>
      custom.getNamespacedCustomObject({
        ...GROUP,
        plural: 'maintenanceplans',
        name: plan.metadata.name ?? '',
      }) as Promise<MaintenancePlan>;
    const done = await followPlan(readPlan, opts.out, 180_000);
    const status = done.status;

    report.step('Summary');
    const after = await readAppliance();
    const updates = status?.preview?.updates ?? [];
    report.table(
      ['UPDATED', 'FROM', 'TO'],
      updates.map((u) => [`${u.member}/${u.component}`, u.from, u.to]),
    );
    report.table(
      ['UNCHANGED', 'LEVEL'],
      (status?.preview?.unchanged ?? []).map((u) => [`${u.member}/${u.component}`, u.level]),
    );
    report.table(
      ['SYNC ROUND', 'BYTES', 'SECONDS', 'RANGES'],
      (status?.syncRounds ?? []).map((r) => [
        String(r.round),
        String(r.bytes),
        r.seconds.toFixed(2),
        r.rangesSource ?? '',
      ]),
    );
    const synced = (status?.syncRounds ?? []).reduce((a, r) => a + r.bytes, 0);
    opts.out.write(
      `    bytes synced ${String(synced)}, downtime ${String(status?.downtimeSeconds ?? '?')} s (original stopped → Services on the ready clone)\n`,
    );

    checks.push([`plan ${plan.metadata.name ?? ''} Succeeded`, status?.phase === 'Succeeded']);
    const slot = after.status?.activeSlot;
    checks.push([
      `appliance shop serves from slot ${slot ?? '?'} (was ${before.status?.activeSlot ?? '?'})`,
      slot !== undefined && slot !== before.status?.activeSlot,
    ]);
    const services = await Promise.all(
      ['shop-web', 'shop-app', 'shop-db'].map((name) => core.readNamespacedService({ namespace: NAMESPACE, name })),
    );
    checks.push([
      `every Service selects vapp.dev/slot=${slot ?? '?'}`,
      services.every((s: V1Service) => s.spec?.selector?.['vapp.dev/slot'] === slot),
    ]);
    const levels = new Map(
      (after.status?.members ?? []).flatMap((m) => m.components.map((c) => [`${m.name}/${c.name}`, c.level])),
    );
    checks.push([
      'the inventory shows every target level',
      updates.every((u) => levels.get(`${u.member}/${u.component}`) === u.to),
    ]);
    const originals = await Promise.all(
      ['shop-db', 'shop-app', 'shop-web'].map(
        async (name) =>
          custom.getNamespacedCustomObject({
            group: 'kubevirt.io',
            version: 'v1',
            namespace: NAMESPACE,
            plural: 'virtualmachines',
            name,
          }) as Promise<VirtualMachine>,
      ),
    );
    checks.push([
      'the original VMs are stopped and kept for a rollback',
      originals.every((vm) => vm.spec.runStrategy === 'Halted' && vm.status?.ready !== true),
    ]);
    const ledger = await verifyCutOverData(volumesDir, done);
    checks.push([
      `the clone's data volume holds every block the workload wrote before the final snapshot (${String(ledger.checked)} writes checked)`,
      ledger.ok && ledger.checked > 0,
    ]);
  } catch (err) {
    checks.push([`demo step failed: ${err instanceof Error ? err.message : String(err)}`, false]);
  }

  const ok = report.summary(checks, Date.now() - t0);
  if (opts.keep) {
    opts.out.write(
      `\nThe sandbox keeps running: kubectl --kubeconfig ${rel} get vapp,mplan,vm -n ${NAMESPACE}. Ctrl-C stops it.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  await operator.stop();
  await simulator.stop();
  await cluster.stop();
  return ok;
}
