import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { VirtualMachine, VirtualMachineInstance } from '../../../src/kubevirt/types.ts';
import { KUBEVIRT } from '../../../src/kubevirt/types.ts';
import { isNotFound } from '../../../src/runtime/errors.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import type { PodJson } from '../../../src/sandbox/simulator/json.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';

const NS = 'sim';
const vms = {
  group: KUBEVIRT.virtualMachines.group,
  version: KUBEVIRT.virtualMachines.version,
  plural: KUBEVIRT.virtualMachines.plural,
  namespace: NS,
};
const vmis = {
  group: KUBEVIRT.virtualMachineInstances.group,
  version: KUBEVIRT.virtualMachineInstances.version,
  plural: KUBEVIRT.virtualMachineInstances.plural,
  namespace: NS,
};
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface List<T> {
  items: T[];
}
interface EndpointSlice {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
}

function vmManifest(
  name: string,
  opts: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    runStrategy?: string;
    /** Annotations of the template (the VMI's): the simulated guest agent is steered there. */
    templateAnnotations?: Record<string, string>;
    readinessProbe?: NonNullable<VirtualMachine['spec']['template']['spec']>['readinessProbe'];
  } = {},
): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace: NS, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      runStrategy: opts.runStrategy ?? 'Always',
      template: {
        metadata: {
          labels: opts.labels ?? { app: name },
          ...(opts.templateAnnotations ? { annotations: opts.templateAnnotations } : {}),
        },
        spec: {
          ...(opts.readinessProbe ? { readinessProbe: opts.readinessProbe } : {}),
          domain: {
            devices: {
              disks: [
                { name: 'root', disk: { bus: 'virtio' } },
                { name: 'data', disk: { bus: 'virtio' } },
              ],
            },
            memory: { guest: '1Gi' },
          },
          volumes: [
            { name: 'root', containerDisk: { image: 'registry.example.com/shop/db:16.2.0' } },
            { name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } },
          ],
        },
      },
    },
  };
}

describe('KubeVirt simulator against a real API server', () => {
  let cluster: TestCluster;
  let sim: Simulator;
  let custom: CustomObjectsApi;
  let rest: RestClient;

  before(async () => {
    cluster = await startTestCluster();
    custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    rest = new RestClient(cluster.kubeConfig);
    await rest.request('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } } });
    sim = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0 });
  });

  after(async () => {
    await sim.stop();
    await cluster.stop();
  });

  const getVm = async (name: string): Promise<VirtualMachine> =>
    (await custom.getNamespacedCustomObject({ ...vms, name })) as VirtualMachine;
  const getVmi = async (name: string): Promise<VirtualMachineInstance | undefined> => {
    try {
      return (await custom.getNamespacedCustomObject({ ...vmis, name })) as VirtualMachineInstance;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const launcherPods = async (vm: string): Promise<PodJson[]> =>
    (
      await rest.request<List<PodJson>>(`/api/v1/namespaces/${NS}/pods`, {
        query: { labelSelector: `kubevirt.io=virt-launcher,vm.kubevirt.io/name=${vm}` },
      })
    ).items;
  const isReady = (obj: { status?: { conditions?: { type: string; status: string }[] } | null }): boolean =>
    obj.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const createVm = (vm: VirtualMachine) => custom.createNamespacedCustomObject({ ...vms, body: vm });
  const patchVm = (name: string, body: object) =>
    custom.patchNamespacedCustomObject({ ...vms, name, body }, mergePatch);
  const readyVm = (name: string) =>
    waitFor(
      async () => {
        const vm = await getVm(name);
        return vm.status?.ready === true && vm.status.printableStatus === 'Running' ? vm : undefined;
      },
      { what: `VM ${name} ready` },
    );
  const stoppedVm = (name: string) =>
    waitFor(
      async () => {
        const vm = await getVm(name);
        return vm.status?.printableStatus === 'Stopped' &&
          (await getVmi(name)) === undefined &&
          (await launcherPods(name)).length === 0
          ? vm
          : undefined;
      },
      { what: `VM ${name} stopped` },
    );

  it('registers a Ready sandbox-node', async () => {
    const node = await rest.request<{ status?: { conditions?: { type: string; status: string }[] } }>(
      '/api/v1/nodes/sandbox-node',
    );
    assert.ok(isReady(node));
  });

  it('runs a VM: a VMI and a Ready launcher Pod with the template labels; the VM is Ready and Running with guest OS info from its agent', async () => {
    await createVm(
      vmManifest('db', {
        labels: { app: 'db', slot: 'blue' },
        templateAnnotations: { 'sim.vapp.dev/guest-agent': 'true' },
      }),
    );
    await readyVm('db');
    // Ready comes first (no readinessProbe: the launcher Pod is Ready when the domain runs); the
    // agent connects once the guest has booted.
    const vm = await waitFor(
      async () => {
        const v = await getVm('db');
        return v.status?.conditions?.some((c) => c.type === 'AgentConnected' && c.status === 'True') ? v : undefined;
      },
      { what: 'VM db with its guest agent connected' },
    );
    const vmStatus = vm.status!;
    assert.equal(vmStatus.created, true);
    assert.deepEqual(
      vmStatus.conditions
        ?.filter((c) => c.status === 'True')
        .map((c) => c.type)
        .sort(),
      ['AgentConnected', 'Ready'],
    );
    assert.deepEqual(vmStatus.volumeSnapshotStatuses, [
      { name: 'root', enabled: false, reason: 'Snapshot is not supported for this volumeSource type [root]' },
      // No claim db-data in this namespace: KubeVirt says so (pkg/storage/snapshot/snapshot.go getVolumeSnapshotStatus).
      { name: 'data', enabled: false, reason: 'PVC not found' },
    ]);
    // The claim appears (the API server gives it the default StorageClass): the VM is looked at again.
    await rest.request(`/api/v1/namespaces/${NS}/persistentvolumeclaims`, {
      method: 'POST',
      body: {
        metadata: { name: 'db-data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await waitFor(
      async () =>
        (
          (await custom.getNamespacedCustomObject({ ...vms, name: 'db' })) as VirtualMachine
        ).status?.volumeSnapshotStatuses?.find((v) => v.name === 'data')?.enabled === true,
      { what: 'the data volume snapshottable once its claim exists' },
    );

    const vmi = await getVmi('db');
    assert.ok(vmi);
    const vmiMeta = vmi.metadata!;
    const vmiStatus = vmi.status!;
    assert.equal(vmiStatus.phase, 'Running');
    assert.equal(vmiStatus.nodeName, 'sandbox-node');
    assert.equal(vmiStatus.guestOSInfo?.versionId, '16.2.0');
    assert.deepEqual(
      vmiStatus.phaseTransitionTimestamps?.map((p) => p.phase),
      ['Pending', 'Scheduling', 'Scheduled', 'Running'],
    );
    assert.deepEqual(vmiMeta.labels, { app: 'db', slot: 'blue' });
    const owner = vmiMeta.ownerReferences?.[0];
    assert.equal(owner?.uid, vm.metadata?.uid);
    assert.equal(owner?.controller, true);

    const pods = await launcherPods('db');
    assert.equal(pods.length, 1);
    const pod = pods[0]!;
    const podMeta = pod.metadata!;
    const podSpec = pod.spec!;
    const podStatus = pod.status!;
    assert.match(podMeta.name ?? '', /^virt-launcher-db-[a-z0-9]{5}$/);
    assert.deepEqual(podMeta.labels, {
      app: 'db',
      slot: 'blue',
      'kubevirt.io': 'virt-launcher',
      'kubevirt.io/created-by': vmiMeta.uid,
      'vm.kubevirt.io/name': 'db',
    });
    assert.equal(podMeta.ownerReferences?.[0]?.uid, vmiMeta.uid);
    assert.deepEqual(
      podSpec.containers.map((c) => c.name),
      ['compute'],
    );
    assert.equal(podSpec.nodeName, 'sandbox-node');
    assert.equal(podStatus.phase, 'Running');
    assert.ok(isReady(pod));
    assert.match(podStatus.podIP ?? '', /^10\.244\.\d+\.\d+$/);
    assert.equal(vmiStatus.interfaces?.[0]?.ipAddress, podStatus.podIP);
  });

  it('keeps the Pod labels of a running VM when its template labels change, and takes them at the next start', async () => {
    await createVm(vmManifest('app', { labels: { app: 'app', slot: 'blue' } }));
    await readyVm('app');
    const before = (await launcherPods('app'))[0]!;
    await patchVm('app', { spec: { template: { metadata: { labels: { app: 'app', slot: 'green' } } } } });
    // The VM's generation moves once the simulator has seen the change: wait for that, then look.
    const changed = await waitFor(
      async () => {
        const vm = await getVm('app');
        return vm.status?.observedGeneration === vm.metadata?.generation && vm.metadata?.generation !== 1
          ? vm
          : undefined;
      },
      { what: 'the simulator to observe the template change' },
    );
    assert.equal(changed.status?.ready, true);
    const same = await launcherPods('app');
    assert.deepEqual(
      same.map((p) => [p.metadata?.uid, p.metadata?.labels?.slot]),
      [[before.metadata?.uid, 'blue']],
    );
    assert.equal((await getVmi('app'))?.metadata?.labels?.slot, 'blue');

    await patchVm('app', { spec: { runStrategy: 'Halted' } });
    const stopped = (await stoppedVm('app')).status!;
    assert.equal(stopped.ready, false);
    assert.equal(stopped.created, false);

    await patchVm('app', { spec: { runStrategy: 'Always' } });
    await readyVm('app');
    const after = await launcherPods('app');
    assert.equal(after.length, 1);
    assert.notEqual(after[0]?.metadata?.uid, before.metadata?.uid);
    assert.equal(after[0]?.metadata?.labels?.slot, 'green');
    assert.equal((await getVmi('app'))?.metadata?.labels?.slot, 'green');
  });

  it('halts a VM: VMI and Pod go, the VM shows Stopped and not ready', async () => {
    await createVm(vmManifest('halt'));
    await readyVm('halt');
    await patchVm('halt', { spec: { runStrategy: 'Halted' } });
    const status = (await stoppedVm('halt')).status!;
    assert.equal(status.ready, false);
    assert.deepEqual(
      status.conditions?.map((c) => `${c.type}=${c.status}:${c.reason ?? ''}`),
      ['Ready=False:VMINotExists'],
    );
  });

  it('gives a Service selecting a template label an EndpointSlice with the Pod IP (the real EndpointSlice controller)', async () => {
    await rest.request(`/api/v1/namespaces/${NS}/services`, {
      method: 'POST',
      body: {
        metadata: { name: 'web' },
        spec: { selector: { tier: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
    });
    await createVm(vmManifest('web', { labels: { app: 'web', tier: 'web' } }));
    await readyVm('web');
    const ip = (await launcherPods('web'))[0]?.status?.podIP;
    assert.ok(ip);
    await waitFor(
      async () => {
        const slices = await rest.request<List<EndpointSlice>>(
          `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`,
          { query: { labelSelector: 'kubernetes.io/service-name=web' } },
        );
        return slices.items.some((s) =>
          s.endpoints?.some((e) => e.addresses.includes(ip) && e.conditions?.ready === true),
        );
      },
      { what: `an EndpointSlice of Service web with ${ip} ready` },
    );
  });

  it('keeps a never-ready VM running but not ready until the fault is lifted', async () => {
    await createVm(vmManifest('stuck', { annotations: { 'sim.vapp.dev/never-ready': 'true' } }));
    await waitFor(async () => (await getVm('stuck')).status?.printableStatus === 'Running', {
      what: 'VM stuck Running',
    });
    // A VM started after it goes all the way to Ready: the stuck one had every chance to.
    await createVm(vmManifest('control'));
    await readyVm('control');
    const status = (await getVm('stuck')).status!;
    assert.equal(status.ready, false);
    assert.equal(status.printableStatus, 'Running');
    const pod = (await launcherPods('stuck'))[0]!;
    assert.equal(pod.status?.phase, 'Running');
    assert.ok(!isReady(pod));
    const vmi = await getVmi('stuck');
    assert.ok(vmi && !isReady(vmi));

    await patchVm('stuck', { metadata: { annotations: { 'sim.vapp.dev/never-ready': null } } });
    await readyVm('stuck');
  });

  it('makes a VM with a readinessProbe ready only after its guest booted (a scheduled requeue); one without, once Running', async () => {
    /** Milliseconds from the VMI's Running to its Ready condition. */
    const readyAfterRunning = async (name: string) => {
      await readyVm(name);
      const status = (await getVmi(name))!.status!;
      const running = Date.parse(
        status.phaseTransitionTimestamps?.find((p) => p.phase === 'Running')?.phaseTransitionTimestamp ?? '',
      );
      return Date.parse(status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '') - running;
    };
    const delay = { 'sim.vapp.dev/ready-delay-ms': '1500' };
    await createVm(vmManifest('slow', { annotations: delay, readinessProbe: { tcpSocket: { port: 5432 } } }));
    await createVm(vmManifest('probeless', { annotations: delay }));
    const slow = await readyAfterRunning('slow');
    assert.ok(slow >= 1500, `ready ${slow} ms after Running`);
    // KubeVirt: without a probe, the launcher Pod is Ready once QEMU runs (services/template.go).
    const probeless = await readyAfterRunning('probeless');
    assert.ok(probeless < 1500, `ready ${probeless} ms after Running`);
    const conditions = (await getVmi('probeless'))!.status!.conditions?.map((c) => c.type) ?? [];
    assert.ok(!conditions.includes('AgentConnected'), 'no agent, no AgentConnected');
  });

  it('lets the garbage collector remove the VMI and the Pod of a deleted VM', async () => {
    await createVm(vmManifest('gone'));
    await readyVm('gone');
    const podName = (await launcherPods('gone'))[0]?.metadata?.name;
    assert.ok(podName);
    await custom.deleteNamespacedCustomObject({ ...vms, name: 'gone' });
    await waitFor(async () => (await getVmi('gone')) === undefined && (await launcherPods('gone')).length === 0, {
      what: 'VMI and Pod of VM gone to be deleted',
    });
  });
});
