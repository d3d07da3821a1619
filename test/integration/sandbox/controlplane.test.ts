// The sandbox must behave like a cluster: real discovery, garbage collection, namespace deletion,
// Jobs, and KubeVirt's real schema validating VirtualMachines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApisApi, BatchV1Api, CoreV1Api, CustomObjectsApi, type ApiException } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';

const isNotFound = (err: unknown): boolean => (err as ApiException<unknown>).code === 404;

describe('sandbox control plane', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;
  before(async () => {
    cluster = await startTestCluster();
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  });
  after(async () => cluster.stop());

  it('serves the vapp.dev, KubeVirt, CDI and CSI snapshot API groups', async () => {
    const groups = await cluster.kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    const served = new Map(groups.groups.map((g) => [g.name, g.versions.map((v) => v.version)]));
    assert.deepEqual(served.get('kubevirt.io'), ['v1']);
    assert.deepEqual(served.get('snapshot.kubevirt.io'), ['v1beta1']);
    assert.deepEqual(served.get('clone.kubevirt.io'), ['v1beta1']);
    assert.deepEqual(served.get('cdi.kubevirt.io'), ['v1beta1']);
    assert.deepEqual(served.get('snapshot.storage.k8s.io'), ['v1']);
    assert.deepEqual(served.get('vapp.dev'), ['v1alpha1']);
  });

  it("validates VirtualMachines against KubeVirt's schema", async () => {
    const vms = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const body = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: 'bad-bus' },
      spec: {
        runStrategy: 'Always',
        template: { spec: { domain: { devices: { disks: [{ name: 'root', disk: { bus: 7 } }] } } } },
      },
    };
    await assert.rejects(
      vms.createNamespacedCustomObject({
        group: 'kubevirt.io',
        version: 'v1',
        namespace: 'default',
        plural: 'virtualmachines',
        body,
      }),
      (err: ApiException<string>) =>
        err.code === 422 && err.body.includes('spec.template.spec.domain.devices.disks[0].disk.bus'),
    );
  });

  it('garbage-collects dependents when their owner is deleted', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'owner' });
    await waitFor(
      async () =>
        core.readNamespacedConfigMap({ namespace: 'default', name: 'dependent' }).then(() => false, isNotFound),
      { what: 'the dependent ConfigMap to be garbage-collected' },
    );
  });

  it('completes a namespace deletion, custom resources included', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await cluster.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'kubevirt.io',
      version: 'v1',
      namespace: 'doomed',
      plural: 'virtualmachines',
      body: {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        metadata: { name: 'vm' },
        spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} } } } },
      },
    });
    await core.deleteNamespace({ name: 'doomed' });
    await waitFor(async () => core.readNamespace({ name: 'doomed' }).then(() => false, isNotFound), {
      what: 'the namespace to be deleted',
      timeoutMs: 60_000,
    });
  });

  it('runs the Job controller: a Job gets its Pod', async () => {
    await cluster.kubeConfig.makeApiClient(BatchV1Api).createNamespacedJob({
      namespace: 'default',
      body: {
        metadata: { name: 'hello' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
    });
    const pods = await waitFor(
      async () => {
        const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'job-name=hello' });
        return list.items.length > 0 && list.items;
      },
      { what: 'the Job controller to create a Pod' },
    );
    assert.equal(pods[0]!.spec?.containers[0]?.image, 'busybox');
  });

  it('enforces RBAC: a ServiceAccount without bindings cannot list Pods', async () => {
    const kc = await cluster.serviceAccountKubeConfig('default', 'nobody');
    await assert.rejects(
      kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' }),
      (err: ApiException<string>) => err.code === 403,
    );
  });
});
