// The VirtualAppliance controller on the real API server, with the KubeVirt simulator, running
// under the shipped RBAC as a user would deploy it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type ApiException,
  type CoreV1Event,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { VirtualAppliance } from '../../../src/api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../../src/kubevirt/types.ts';
import { apply } from '../../../src/runtime/apply.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { applyManifests, readManifests } from '../../../src/sandbox/manifests.ts';
import { startSimulator } from '../../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { waitFor } from '../../support/wait.ts';

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/samples');
const NS = 'shop';

describe('VirtualAppliance controller', () => {
  let cluster: TestCluster;
  let operator: SandboxOperator;
  let simulator: { stop(): Promise<void> };
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  const appliance = (name: string) =>
    custom.getNamespacedCustomObject({
      group: 'vapp.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'virtualappliances',
      name,
    }) as Promise<VirtualAppliance>;
  const vm = (name: string) =>
    custom.getNamespacedCustomObject({
      group: 'kubevirt.io',
      version: 'v1',
      namespace: NS,
      plural: 'virtualmachines',
      name,
    }) as Promise<VirtualMachine>;
  const condition = (a: VirtualAppliance, type: string) => a.status?.conditions.find((c) => c.type === type);
  const waitForCondition = (name: string, type: string, reason?: string) =>
    waitFor(
      async () => {
        const a = await appliance(name);
        const c = condition(a, type);
        return c?.status === 'True' && (reason === undefined || c.reason === reason) && a;
      },
      { what: `${name} ${type}${reason ? `/${reason}` : ''}`, timeoutMs: 30_000 },
    );

  before(async () => {
    cluster = await startTestCluster();
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0 });
    operator = await startSandboxOperator(cluster);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const objects = (await readManifests(samples)).filter((o) => o.kind !== 'MaintenancePlan');
    await applyManifests(cluster.kubeConfig, objects, { namespace: NS });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
  });

  it('adopts the sample appliance and reports the levels from the annotation and the image tag', async () => {
    const shop = await waitForCondition('shop', 'Ready');
    const status = shop.status!;
    assert.equal(status.activeSlot, 'blue');
    assert.equal(status.readyMembers, '3/3');
    assert.equal(status.observedGeneration, shop.metadata.generation);
    assert.deepEqual(
      status.members.map((m) => [m.name, m.vm, m.ready, m.components]),
      [
        ['db', 'shop-db', true, [{ name: 'postgres', level: '16.2.0' }]],
        ['app', 'shop-app', true, [{ name: 'shop', level: '2.3.1' }]],
        ['web', 'shop-web', true, [{ name: 'nginx', level: '1.26.2' }]],
      ],
    );
    const db = await vm('shop-db');
    assert.deepEqual(
      db.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
      [['VirtualAppliance', 'shop', shop.metadata.uid]],
    );
    for (const labels of [db.metadata.labels, db.spec.template.metadata?.labels]) {
      assert.deepEqual(
        [labels?.['vapp.dev/appliance'], labels?.['vapp.dev/member'], labels?.['vapp.dev/slot']],
        ['shop', 'db', 'blue'],
      );
    }
  });

  it('adds the vapp.dev/slot key to each Service selector, which then has endpoints', async () => {
    const web = await waitFor(
      async () => {
        const svc = await core.readNamespacedService({ namespace: NS, name: 'shop-web' });
        return svc.spec?.selector?.['vapp.dev/slot'] === 'blue' && svc;
      },
      { what: 'the slot selector on shop-web' },
    );
    assert.deepEqual(web.spec?.selector, {
      'vapp.dev/appliance': 'shop',
      'vapp.dev/member': 'web',
      'vapp.dev/slot': 'blue',
    });
    const selectorManagers = (web.metadata?.managedFields ?? [])
      .filter((f) => JSON.stringify(f.fieldsV1).includes('f:selector'))
      .map((f) => f.manager);
    assert.ok(
      selectorManagers.includes('vapp-operator/appliance'),
      `selector managers: ${selectorManagers.join(', ')}`,
    );
    const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
    await waitFor(
      async () => {
        const slices = await discovery.listNamespacedEndpointSlice({
          namespace: NS,
          labelSelector: 'kubernetes.io/service-name=shop-web',
        });
        return slices.items.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready === true));
      },
      { what: 'a ready endpoint behind shop-web' },
    );
  });

  // Service.spec.selector is an atomic map: a manager that applies it without the key removes it.
  // The operator puts it back at once, and keeps the other manager's selector keys, labels and ports.
  it('restores its selector key when another field manager re-applies the Service without it (Argo CD)', async () => {
    const client = new RestClient(cluster.kubeConfig);
    const service = (team: string): KubernetesObject & { spec: unknown } => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop-web', namespace: NS, labels: { team } },
      spec: {
        selector: { 'vapp.dev/appliance': 'shop', 'vapp.dev/member': 'web' },
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
      },
    });
    await apply(client, service('web'), { fieldManager: 'argocd-controller', force: true });
    await apply(client, service('frontend'), { fieldManager: 'argocd-controller', force: true });
    const svc = await waitFor(
      async () => {
        const s = await core.readNamespacedService({ namespace: NS, name: 'shop-web' });
        return s.metadata?.labels?.team === 'frontend' && s.spec?.selector?.['vapp.dev/slot'] === 'blue' && s;
      },
      { what: 'the slot key back on shop-web after the other manager applied' },
    );
    assert.equal(svc.spec?.ports?.[0]?.targetPort, 8080);
    assert.deepEqual(svc.spec.selector, {
      'vapp.dev/appliance': 'shop',
      'vapp.dev/member': 'web',
      'vapp.dev/slot': 'blue',
    });
  });

  it('reads a level from the guest agent', async () => {
    await applyManifests(
      cluster.kubeConfig,
      [
        {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachine',
          metadata: { name: 'blog-vm' },
          spec: {
            runStrategy: 'Always',
            template: {
              metadata: {
                annotations: {
                  'sim.vapp.dev/guest-os': '{"id":"debian","versionId":"12.7","kernelRelease":"6.1.0-27-amd64"}',
                },
              },
              spec: {
                domain: { devices: {} },
                volumes: [{ name: 'root', containerDisk: { image: 'registry.example.com/debian:12.7' } }],
              },
            },
          },
        } as KubernetesObject,
        {
          apiVersion: 'vapp.dev/v1alpha1',
          kind: 'VirtualAppliance',
          metadata: { name: 'blog' },
          spec: {
            members: [
              {
                name: 'os',
                vm: 'blog-vm',
                components: [
                  {
                    name: 'kernel',
                    level: { guestOS: { field: 'kernelRelease' } },
                    update: { image: { volume: 'root', repository: 'registry.example.com/debian' } },
                  },
                ],
              },
            ],
          },
        } as KubernetesObject,
      ],
      { namespace: NS },
    );
    const blog = await waitForCondition('blog', 'Ready');
    assert.deepEqual(blog.status?.members[0]?.components, [{ name: 'kernel', level: '6.1.0-27-amd64' }]);
  });

  it('is Stalled with a reason when a member VM is missing, and Ready once it exists', async () => {
    const spec = {
      members: [
        {
          name: 'db',
          vm: 'late-vm',
          components: [
            {
              name: 'os',
              level: { image: { volume: 'root' } },
              update: { image: { volume: 'root', repository: 'registry.example.com/os' } },
            },
          ],
        },
      ],
    };
    await applyManifests(
      cluster.kubeConfig,
      [
        {
          apiVersion: 'vapp.dev/v1alpha1',
          kind: 'VirtualAppliance',
          metadata: { name: 'late' },
          spec,
        } as KubernetesObject,
      ],
      { namespace: NS },
    );
    const stalled = await waitForCondition('late', 'Stalled', 'VirtualMachineNotFound');
    assert.match(condition(stalled, 'Ready')?.message ?? '', /VirtualMachine late-vm not found/);
    await applyManifests(
      cluster.kubeConfig,
      [
        {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachine',
          metadata: { name: 'late-vm' },
          spec: {
            runStrategy: 'Always',
            template: {
              spec: {
                domain: { devices: {} },
                volumes: [{ name: 'root', containerDisk: { image: 'registry.example.com/os:3.1.0' } }],
              },
            },
          },
        } as KubernetesObject,
      ],
      { namespace: NS },
    );
    const ready = await waitForCondition('late', 'Ready');
    assert.equal(condition(ready, 'Stalled'), undefined);
    assert.deepEqual(ready.status?.members[0]?.components, [{ name: 'os', level: '3.1.0' }]);
  });

  it('is Stalled when a VM already belongs to another appliance, or a level cannot be read', async () => {
    const member = (vmName: string, level: object) => ({
      members: [
        {
          name: 'db',
          vm: vmName,
          components: [
            { name: 'postgres', level, update: { image: { volume: 'root', repository: 'r.example.com/db' } } },
          ],
        },
      ],
    });
    await applyManifests(
      cluster.kubeConfig,
      [
        {
          apiVersion: 'vapp.dev/v1alpha1',
          kind: 'VirtualAppliance',
          metadata: { name: 'thief' },
          spec: member('shop-db', { annotation: {} }),
        } as KubernetesObject,
        {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachine',
          metadata: { name: 'plain-vm' },
          spec: { runStrategy: 'Always', template: { spec: { domain: { devices: {} } } } },
        } as KubernetesObject,
        {
          apiVersion: 'vapp.dev/v1alpha1',
          kind: 'VirtualAppliance',
          metadata: { name: 'unreadable' },
          spec: member('plain-vm', { annotation: {} }),
        } as KubernetesObject,
      ],
      { namespace: NS },
    );
    const thief = await waitForCondition('thief', 'Stalled', 'VirtualMachineOwnedElsewhere');
    assert.match(condition(thief, 'Stalled')?.message ?? '', /shop-db already belongs to appliance shop/);
    const unreadable = await waitForCondition('unreadable', 'Stalled');
    assert.match(condition(unreadable, 'Stalled')?.message ?? '', /has no vapp.dev\/levels annotation/);
    // The shop appliance keeps its VM.
    assert.equal((await vm('shop-db')).metadata?.labels?.['vapp.dev/appliance'], 'shop');
  });

  it('records Events that kubectl describe shows', async () => {
    const events = await waitFor(
      async () => {
        const list = await core.listNamespacedEvent({
          namespace: NS,
          fieldSelector: 'involvedObject.name=shop,involvedObject.kind=VirtualAppliance',
        });
        const reasons = list.items.map((e: CoreV1Event) => e.reason);
        return reasons.includes('Adopted') && reasons.includes('Ready') && reasons;
      },
      { what: 'Adopted and Ready events on shop' },
    );
    assert.ok(events.includes('ServiceSelectsSlot'));
  });

  it('serves the reconcile metrics under controller-runtime names', async () => {
    const text = await (await fetch(operator.metricsUrl)).text();
    assert.match(
      text,
      /controller_runtime_reconcile_total\{controller="virtualappliance",result="(success|requeue_after)"\} [1-9]/,
    );
    assert.match(text, /controller_runtime_reconcile_time_seconds_bucket\{[^}]*controller="virtualappliance"/);
    assert.match(text, /workqueue_depth\{name="virtualappliance"/);
  });

  it('runs with the shipped role, which cannot read Secrets', async () => {
    const kc = await cluster.serviceAccountKubeConfig('vapp-system', 'vapp-operator');
    await assert.rejects(
      kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: NS }),
      (err: ApiException<string>) => err.code === 403,
    );
  });
});
