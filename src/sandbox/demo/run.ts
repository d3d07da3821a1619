// The demo scenario: a sandbox cluster, the KubeVirt simulator and the operator (under its shipped
// RBAC), the three-member `shop` sample appliance, and checks of what a user would look at.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { VirtualAppliance } from '../../api/v1alpha1/index.ts';
import { startSandboxCluster } from '../cluster.ts';
import { applyManifests, readManifests } from '../manifests.ts';
import { startSandboxOperator } from '../operator.ts';
import { startSimulator } from '../simulator/index.ts';
import { createReporter } from './report.ts';

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/samples');
const NAMESPACE = 'shop';

export interface DemoOptions {
  readonly dir: string;
  readonly keep: boolean;
  readonly out: NodeJS.WritableStream;
}

/** Runs the demo; true when every check held. */
export async function runDemo(opts: DemoOptions): Promise<boolean> {
  const report = createReporter(opts.out);
  const t0 = Date.now();
  report.step('Starting the sandbox: etcd, kube-apiserver, kube-controller-manager (real, built from Go modules)');
  const cluster = await startSandboxCluster({ dir: path.join(opts.dir, 'controlplane') });
  const kubeconfig = path.join(opts.dir, 'kubeconfig');
  await copyFile(cluster.kubeconfigPath, kubeconfig);
  report.done(`API server at ${cluster.server} (${report.since(t0)}); kubectl --kubeconfig ${path.relative(process.cwd(), kubeconfig)} ...`);
  const simulator = await startSimulator({ kubeConfig: cluster.kubeConfig });
  const operator = await startSandboxOperator(cluster);
  report.done('KubeVirt simulator and vapp-operator running (the operator as ServiceAccount vapp-operator, shipped RBAC)');

  const checks: [string, boolean][] = [];
  try {
    report.step('Applying config/samples: VMs shop-db, shop-app, shop-web, their Services and the VirtualAppliance shop');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const objects = (await readManifests(samples)).filter((o) => o.kind !== 'MaintenancePlan');
    await applyManifests(cluster.kubeConfig, objects, { namespace: NAMESPACE });

    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const readAppliance = async () => custom.getNamespacedCustomObject({ group: 'vapp.dev', version: 'v1alpha1', namespace: NAMESPACE, plural: 'virtualappliances', name: 'shop' }) as Promise<VirtualAppliance>;
    const shop = await report.waitFor('appliance shop Ready', async () => {
      const a = await readAppliance();
      return a.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') === true && a;
    }, 60_000);
    report.table(['MEMBER', 'VM', 'READY', 'COMPONENT', 'LEVEL'], (shop.status?.members ?? []).flatMap((m) =>
      m.components.map((c) => [m.name, m.vm, String(m.ready), c.name, c.level ?? '?'])));
    checks.push(['appliance shop is Ready with 3/3 members', shop.status?.readyMembers === '3/3']);
    const web = await core.readNamespacedService({ namespace: NAMESPACE, name: 'shop-web' });
    checks.push([`Service shop-web selects vapp.dev/slot=${shop.status?.activeSlot ?? '?'}`, web.spec?.selector?.['vapp.dev/slot'] === shop.status?.activeSlot]);
  } catch (err) {
    checks.push([`demo step failed: ${err instanceof Error ? err.message : String(err)}`, false]);
  }

  const ok = report.summary(checks, Date.now() - t0);
  if (opts.keep) {
    opts.out.write(`\nThe sandbox keeps running: kubectl --kubeconfig ${path.relative(process.cwd(), kubeconfig)} get vapp,mplan,vm -A. Ctrl-C stops it.\n`);
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
