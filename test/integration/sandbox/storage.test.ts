import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  VirtualMachine,
  VirtualMachineClone,
  VirtualMachineRestore,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotContent,
} from '../../../src/kubevirt/types.ts';
import { KUBEVIRT } from '../../../src/kubevirt/types.ts';
import { buildDatasyncJob, datasyncResultFromPod } from '../../../src/datasync/job.ts';
import { isNotFound } from '../../../src/runtime/errors.ts';
import { resourcePath, type ResourceRef } from '../../../src/runtime/resources.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import {
  ledgerFile,
  pvcFile,
  snapshotFile,
  startStorageSimulator,
  verifyLedger,
  verifyWritesCarriedOver,
  type StorageSimulator,
} from '../../../src/sandbox/simulator/storage/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';

const NS = 'store';
const MiB = 1024 * 1024;
const R = {
  pvcs: { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' },
  volumeSnapshots: {
    group: 'snapshot.storage.k8s.io',
    version: 'v1',
    plural: 'volumesnapshots',
    kind: 'VolumeSnapshot',
  },
  vms: KUBEVIRT.virtualMachines,
  snapshots: KUBEVIRT.snapshots,
  contents: KUBEVIRT.snapshotContents,
  restores: KUBEVIRT.restores,
  clones: KUBEVIRT.clones,
} satisfies Record<string, ResourceRef>;

interface Pvc {
  metadata?: {
    name?: string;
    uid?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: Record<string, unknown>;
  status?: { phase?: string; capacity?: Record<string, string> };
}
interface Job {
  status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string }[] };
}
interface VolumeSnapshot {
  status?: { readyToUse?: boolean; creationTime?: string; restoreSize?: string; error?: { message?: string } };
}

function pvcManifest(
  name: string,
  size = '8Mi',
  dataSource?: { apiGroup?: string; kind: string; name: string },
): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      resources: { requests: { storage: size } },
      ...(dataSource ? { dataSource, dataSourceRef: dataSource } : {}),
    },
  };
}

function vmManifest(
  name: string,
  opts: {
    annotations?: Record<string, string>;
    runStrategy?: string;
    claim?: string;
    /** Whether the guest runs qemu-guest-agent (default true: snapshots freeze it). */
    agent?: boolean;
  } = {},
): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name,
      namespace: NS,
      labels: { app: name, 'vapp.dev/slot': 'blue' },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      runStrategy: opts.runStrategy ?? 'Always',
      template: {
        metadata: {
          labels: { app: name, 'vapp.dev/slot': 'blue' },
          ...(opts.agent === false ? {} : { annotations: { 'sim.vapp.dev/guest-agent': 'true' } }),
        },
        spec: {
          domain: {
            devices: {
              disks: [
                { name: 'root', disk: { bus: 'virtio' } },
                { name: 'data', disk: { bus: 'virtio' } },
                { name: 'cloudinit', disk: { bus: 'virtio' } },
              ],
              interfaces: [{ name: 'default', masquerade: {}, macAddress: '02:00:00:aa:bb:01' }],
            },
            firmware: { serial: 'serial-of-the-original', uuid: '6f1b1e2c-0000-4000-8000-000000000001' },
            memory: { guest: '1Gi' },
          },
          networks: [{ name: 'default', pod: {} }],
          volumes: [
            { name: 'root', containerDisk: { image: 'registry.example.com/shop/db:16.2.0' } },
            { name: 'data', persistentVolumeClaim: { claimName: opts.claim ?? `${name}-data` } },
            { name: 'cloudinit', cloudInitNoCloud: { userData: '#cloud-config\n' } },
          ],
        },
      },
    },
  };
}

describe('storage simulator against a real API server', () => {
  let cluster: TestCluster;
  let vmSim: Simulator;
  let sim: StorageSimulator;
  let rest: RestClient;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vapp-storage-'));
    cluster = await startTestCluster();
    rest = new RestClient(cluster.kubeConfig);
    await rest.request('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } } });
    vmSim = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0 });
    sim = await startStorageSimulator({
      kubeConfig: cluster.kubeConfig,
      volumesDir: dir,
      stepDelayMs: 0,
      namespaces: [NS],
    });
  });

  after(async () => {
    await sim.stop();
    await vmSim.stop();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const create = <T>(ref: ResourceRef, body: object): Promise<T> =>
    rest.request<T>(resourcePath(ref, NS), { method: 'POST', body });
  const get = async <T>(ref: ResourceRef, name: string): Promise<T | undefined> => {
    try {
      return await rest.request<T>(resourcePath(ref, NS, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const del = (ref: ResourceRef, name: string) => rest.request(resourcePath(ref, NS, name), { method: 'DELETE' });
  const patch = (ref: ResourceRef, name: string, body: object) =>
    rest.request(resourcePath(ref, NS, name), { method: 'PATCH', contentType: 'application/merge-patch+json', body });
  const boundPvc = (name: string) =>
    waitFor(
      async () => {
        const p = await get<Pvc>(R.pvcs, name);
        return p?.status?.phase === 'Bound' ? p : undefined;
      },
      { what: `PVC ${name} bound` },
    );
  const readyVm = (name: string) =>
    waitFor(
      async () => {
        const vm = await get<VirtualMachine>(R.vms, name);
        return vm?.status?.ready === true ? vm : undefined;
      },
      { what: `VM ${name} ready` },
    );
  const snapshotIn = (name: string, phase: string) =>
    waitFor(
      async () => {
        const s = await get<VirtualMachineSnapshot>(R.snapshots, name);
        return s?.status?.phase === phase ? s : undefined;
      },
      { what: `VirtualMachineSnapshot ${name} ${phase}` },
    );
  const cloneIn = (name: string, phase: string) =>
    waitFor(
      async () => {
        const c = await get<VirtualMachineClone>(R.clones, name);
        return c?.status?.phase === phase ? c : undefined;
      },
      { what: `VirtualMachineClone ${name} ${phase}` },
    );
  const jobFinished = (name: string) =>
    waitFor(
      async () => {
        const j = await get<Job>(R.jobs, name);
        const c = j?.status?.conditions?.find(
          (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
        );
        return c ? { job: j, outcome: c.type } : undefined;
      },
      { what: `Job ${name} finished`, timeoutMs: 60_000 },
    );
  const jobPods = async (job: string) =>
    (
      await rest.request<{ items: Parameters<typeof datasyncResultFromPod>[0][] }>(resourcePath(R.pods, NS), {
        query: { labelSelector: `batch.kubernetes.io/job-name=${job}` },
      })
    ).items;
  const fill = async (file: string, offset: number, text: string) => {
    const h = await open(file, 'r+');
    try {
      await h.write(Buffer.from(text), 0, Buffer.byteLength(text), offset);
    } finally {
      await h.close();
    }
  };

  it('provisions a PVC as a sparse file of its size and binds it; deleting the PVC deletes the file', async () => {
    await create(R.pvcs, pvcManifest('plain', '64Mi'));
    const pvc = await boundPvc('plain');
    assert.equal(pvc.status?.capacity?.storage, '64Mi');
    const file = pvcFile(dir, NS, 'plain');
    const st = await stat(file);
    assert.equal(st.size, 64 * MiB);
    assert.ok(st.blocks * 512 < MiB, `sparse: ${String(st.blocks * 512)} bytes allocated`);
    assert.ok(pvc.metadata?.finalizers?.includes('kubernetes.io/pvc-protection'));
    await del(R.pvcs, 'plain');
    await waitFor(async () => (await get(R.pvcs, 'plain')) === undefined, {
      what: 'PVC gone (pvc-protection released)',
    });
    await waitFor(
      async () =>
        !(await stat(file).then(
          () => true,
          () => false,
        )),
      { what: 'volume file removed' },
    );
  });

  it('cuts a CSI VolumeSnapshot as a copy of the PVC file and restores a new PVC from it', async () => {
    await create(R.pvcs, pvcManifest('vs-src', '4Mi'));
    await boundPvc('vs-src');
    await fill(pvcFile(dir, NS, 'vs-src'), 4096, 'before the snapshot');
    await create(R.volumeSnapshots, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshot',
      metadata: { name: 'vs1' },
      spec: { source: { persistentVolumeClaimName: 'vs-src' } },
    });
    const vs = await waitFor(
      async () => {
        const s = await get<VolumeSnapshot>(R.volumeSnapshots, 'vs1');
        return s?.status?.readyToUse === true ? s : undefined;
      },
      { what: 'VolumeSnapshot ready' },
    );
    assert.equal(vs.status?.restoreSize, '4Mi');
    assert.ok(vs.status.creationTime);
    await fill(pvcFile(dir, NS, 'vs-src'), 4096, 'AFTER  the snapshot');
    await create(
      R.pvcs,
      pvcManifest('vs-restored', '8Mi', { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'vs1' }),
    );
    await boundPvc('vs-restored');
    const restored = await readFile(pvcFile(dir, NS, 'vs-restored'));
    assert.equal(restored.length, 8 * MiB, 'grown to the requested size');
    assert.equal(restored.subarray(4096, 4096 + 19).toString(), 'before the snapshot');
    sameBytes(await readFile(snapshotFile(dir, NS, 'vs1')), restored.subarray(0, 4 * MiB));
    for (const file of [snapshotFile(dir, NS, 'vs1'), pvcFile(dir, NS, 'vs-restored')]) {
      const st = await stat(file);
      assert.ok(st.blocks * 512 <= 64 * 1024, `${file} stays sparse: ${String(st.blocks * 512)} bytes allocated`);
    }
  });

  it('snapshots a running VM with a PVC and clones it: Halted, new MACs and serial, the patched label, its PVC as at snapshot time; the workload ledger verifies', async () => {
    await create(R.pvcs, pvcManifest('db-data'));
    await boundPvc('db-data');
    await create(R.vms, vmManifest('db', { annotations: { 'sim.vapp.dev/workload': '200' } }));
    await readyVm('db');
    const ledger = ledgerFile(dir, NS, 'db-data');
    await waitFor(async () => (await readFile(ledger, 'utf8').catch(() => '')).split('\n').length > 20, {
      what: 'the workload to write',
    });

    await create(R.snapshots, {
      apiVersion: 'snapshot.kubevirt.io/v1beta1',
      kind: 'VirtualMachineSnapshot',
      metadata: { name: 'db-snap' },
      spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' } },
    });
    const snap = await snapshotIn('db-snap', 'Succeeded');
    const status = snap.status!;
    const vm = await get<VirtualMachine>(R.vms, 'db');
    assert.equal(status.readyToUse, true);
    assert.equal(status.sourceUID, vm?.metadata?.uid);
    assert.deepEqual(status.indications, ['Online', 'GuestAgent']);
    assert.deepEqual(
      status.sourceIndications?.map((i) => i.indication),
      ['Online', 'GuestAgent'],
    );
    assert.deepEqual(status.snapshotVolumes, { includedVolumes: ['data'], excludedVolumes: ['root', 'cloudinit'] });
    assert.deepEqual(
      status.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Progressing=False', 'Ready=True'],
    );
    const content = await get<VirtualMachineSnapshotContent>(
      R.contents,
      status.virtualMachineSnapshotContentName ?? '',
    );
    assert.ok(content);
    assert.equal(content.status?.readyToUse, true);
    assert.equal(content.spec.source.virtualMachine?.metadata?.name, 'db');
    const backup = content.spec.volumeBackups?.[0];
    assert.equal(backup?.persistentVolumeClaim.metadata?.name, 'db-data');
    const volumeSnapshot = await get<VolumeSnapshot>(R.volumeSnapshots, backup.volumeSnapshotName ?? '');
    assert.equal(volumeSnapshot?.status?.readyToUse, true);
    const cutAt = new Date(volumeSnapshot.status.creationTime ?? '');

    await create(R.clones, {
      apiVersion: 'clone.kubevirt.io/v1beta1',
      kind: 'VirtualMachineClone',
      metadata: { name: 'db-clone' },
      spec: {
        source: { apiGroup: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot', name: 'db-snap' },
        target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db-green' },
        patches: [
          JSON.stringify({ op: 'replace', path: '/spec/template/metadata/labels/vapp.dev~1slot', value: 'green' }),
          JSON.stringify({ op: 'replace', path: '/metadata/labels/vapp.dev~1slot', value: 'green' }),
        ],
      },
    });
    const clone = await cloneIn('db-clone', 'Succeeded');
    assert.equal(clone.status?.targetName, 'db-green');
    assert.deepEqual(
      clone.status.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Progressing=False', 'Ready=True'],
    );
    const green = await get<VirtualMachine>(R.vms, 'db-green');
    assert.ok(green);
    assert.equal(green.spec.runStrategy, 'Halted');
    assert.equal(green.metadata?.labels?.['vapp.dev/slot'], 'green');
    assert.equal(green.spec.template.metadata?.labels?.['vapp.dev/slot'], 'green');
    // Emptied for KubeVirt to assign new ones (clone/vm-target.go generatePatches).
    assert.equal(green.spec.template.spec?.domain.devices.interfaces?.[0]?.macAddress, '');
    assert.equal(green.spec.template.spec?.domain.firmware?.serial, '');
    assert.equal(green.spec.template.spec?.domain.firmware?.uuid, '');
    const claim =
      green.spec.template.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName ?? '';
    const restore = await get<VirtualMachineRestore>(R.restores, clone.status.restoreName ?? '');
    assert.equal(restore, undefined, 'the temporary restore is deleted after success');
    assert.match(claim, /^restore-[0-9a-f-]{36}-data$/);
    const restoredPvc = await boundPvc(claim);
    // A new target did not exist when its claims were made: they have no owner (restore.go createRestorePVC).
    assert.equal(restoredPvc.metadata?.ownerReferences, undefined);
    assert.equal(restoredPvc.metadata?.labels?.['restore.kubevirt.io/source-vm-name'], 'db');
    assert.equal(restoredPvc.metadata?.labels?.['restore.kubevirt.io/source-vm-namespace'], NS);

    // The clone's volume holds every write made before the cut, and is not touched by later ones.
    const cloneFile = pvcFile(dir, NS, claim);
    sameBytes(await readFile(cloneFile), await readFile(snapshotFile(dir, NS, backup.volumeSnapshotName ?? '')));
    const atCut = await verifyLedger(cloneFile, ledger, { until: cutAt });
    assert.ok(atCut.ok && atCut.checked > 0, JSON.stringify({ ...atCut, missing: atCut.missing.length }));
    await waitFor(
      async () =>
        (await readFile(ledger, 'utf8'))
          .split('\n')
          .filter((l) => l !== '' && Date.parse((JSON.parse(l) as { time: string }).time) > cutAt.getTime()).length > 5,
      { what: 'writes after the cut' },
    );
    const all = await verifyLedger(cloneFile, ledger);
    assert.ok(!all.ok, 'later writes are not in the clone');
    // The workload still writes to the source: a write counts once it has surely landed.
    const source = await waitFor(
      async () => {
        const report = await verifyWritesCarriedOver(pvcFile(dir, NS, 'db-data'), ledger, { stillWriting: true });
        return report.checked > 0 && report;
      },
      { what: 'writes of the workload to check' },
    );
    assert.deepEqual(source.missing, [], 'every write is in the source');
  });

  it('clones a VM directly: a temporary snapshot first (deleted after success), a generated target name', async () => {
    await create(R.pvcs, pvcManifest('app-data'));
    await boundPvc('app-data');
    await create(R.vms, vmManifest('app', { runStrategy: 'Halted' }));
    await create(R.clones, {
      apiVersion: 'clone.kubevirt.io/v1beta1',
      kind: 'VirtualMachineClone',
      metadata: { name: 'app-clone' },
      spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'app' } },
    });
    const clone = await cloneIn('app-clone', 'Succeeded');
    const uid = (await get<VirtualMachineClone>(R.clones, 'app-clone'))?.metadata?.uid ?? '';
    assert.equal(clone.status?.snapshotName, `tmp-snapshot-${uid}`);
    assert.match(clone.status.targetName ?? '', /^clone-app-[a-z0-9]{5}$/);
    const target = await get<VirtualMachine>(R.vms, clone.status.targetName ?? '');
    assert.equal(target?.spec.runStrategy, 'Halted');
    await waitFor(async () => (await get(R.snapshots, `tmp-snapshot-${uid}`)) === undefined, {
      what: 'temporary snapshot deleted',
    });
  });

  it('runs a data-sync Job with the real datasync code: the replica equals the source, the summary is the termination message', async () => {
    await create(R.pvcs, pvcManifest('sync-src', '4Mi'));
    await create(R.pvcs, pvcManifest('sync-replica', '4Mi'));
    await boundPvc('sync-src');
    await boundPvc('sync-replica');
    await fill(pvcFile(dir, NS, 'sync-src'), 123_456, 'changed on the original');
    await fill(pvcFile(dir, NS, 'sync-src'), 3 * MiB, 'and here');
    const job = buildDatasyncJob({
      name: 'sync-1',
      namespace: NS,
      image: 'vapp-operator:dev',
      backoffLimit: 0,
      source: { claimName: 'sync-src', volumeMode: 'Filesystem' },
      target: { claimName: 'sync-replica', volumeMode: 'Filesystem' },
    });
    await create(R.jobs, job);
    const { outcome } = await jobFinished('sync-1');
    assert.equal(outcome, 'Complete');
    sameBytes(await readFile(pvcFile(dir, NS, 'sync-replica')), await readFile(pvcFile(dir, NS, 'sync-src')));
    const pod = (await jobPods('sync-1'))[0]!;
    const result = datasyncResultFromPod(pod);
    assert.ok(result?.ok);
    assert.equal(result.verified, true);
    assert.ok(result.bytesWritten > 0 && result.bytesWritten < MiB);
  });

  it('runs a data-sync Job in ranges mode: only the listed ranges (from its ConfigMap) are copied', async () => {
    await create(R.pvcs, pvcManifest('rng-src', '4Mi'));
    await create(R.pvcs, pvcManifest('rng-replica', '4Mi'));
    await boundPvc('rng-src');
    await boundPvc('rng-replica');
    await fill(pvcFile(dir, NS, 'rng-src'), 8192, 'listed change');
    await fill(pvcFile(dir, NS, 'rng-src'), 2 * MiB, 'unlisted change');
    await rest.request(`/api/v1/namespaces/${NS}/configmaps`, {
      method: 'POST',
      body: {
        metadata: { name: 'rng-delta' },
        data: { 'ranges.json': JSON.stringify([{ offset: 8192, length: 4096 }]) },
      },
    });
    await create(
      R.jobs,
      buildDatasyncJob({
        name: 'sync-ranges',
        namespace: NS,
        image: 'vapp-operator:dev',
        backoffLimit: 0,
        verify: false,
        ranges: { configMapName: 'rng-delta' },
        source: { claimName: 'rng-src', volumeMode: 'Filesystem' },
        target: { claimName: 'rng-replica', volumeMode: 'Filesystem' },
      }),
    );
    assert.equal((await jobFinished('sync-ranges')).outcome, 'Complete');
    const replica = await readFile(pvcFile(dir, NS, 'rng-replica'));
    assert.equal(replica.subarray(8192, 8192 + 13).toString(), 'listed change');
    assert.ok(
      replica.subarray(2 * MiB, 2 * MiB + 15).every((b) => b === 0),
      'the unlisted range is not copied',
    );
    const result = datasyncResultFromPod((await jobPods('sync-ranges'))[0]!);
    assert.ok(result?.ok);
    assert.equal(result.mode, 'ranges');
    assert.equal(result.bytesWritten, 4096);
  });

  it('runs an update Job: the VM named by VAPP_VM gets the new level of the component', async () => {
    await create(R.vms, {
      ...vmManifest('upd', { runStrategy: 'Halted', claim: 'none' }),
      metadata: {
        name: 'upd',
        namespace: NS,
        annotations: { 'vapp.dev/levels': '{"postgres":"16.2.0","pgbouncer":"1.0.0"}' },
      },
    });
    await create(R.jobs, updateJob('upd-postgres', 'upd'));
    assert.equal((await jobFinished('upd-postgres')).outcome, 'Complete');
    const vm = await get<VirtualMachine>(R.vms, 'upd');
    assert.deepEqual(JSON.parse(vm?.metadata?.annotations?.['vapp.dev/levels'] ?? ''), {
      postgres: '16.4.0',
      pgbouncer: '1.0.0',
    });
  });

  it('runs any other Job to completion', async () => {
    await create(R.jobs, plainJob('hello'));
    assert.equal((await jobFinished('hello')).outcome, 'Complete');
    const pod = (await jobPods('hello'))[0];
    assert.equal(pod?.status?.phase, 'Succeeded');
  });

  it('runs curl against a Service as its guest would answer: connects to a ready endpoint, fails on a missing Service or, after --retry-max-time, on one nothing backs', async () => {
    const service = (name: string, selector: Record<string, string>) =>
      create(
        { group: '', version: 'v1', plural: 'services', kind: 'Service' },
        { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector, ports: [{ port: 5432 }] } },
      );
    const curl = (name: string, url: string, retrySeconds: number) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'check',
                image: 'curlimages/curl:8.11.1',
                args: ['--fail', '--retry-max-time', String(retrySeconds), url],
              },
            ],
          },
        },
      },
    });
    await service('db', { app: 'db' }); // the running VM db of an earlier case
    await service('nobody', { app: 'nobody' });
    await create(R.jobs, curl('curl-db', `http://db.${NS}.svc:5432/`, 30));
    await create(R.jobs, curl('curl-missing', `http://missing.${NS}.svc:5432/`, 30));
    await create(R.jobs, curl('curl-nobody', `http://nobody.${NS}.svc:5432/`, 2));
    assert.equal((await jobFinished('curl-db')).outcome, 'Complete');
    assert.equal((await jobFinished('curl-missing')).outcome, 'Failed');
    assert.match(terminationMessage((await jobPods('curl-missing'))[0]), /Could not resolve host: missing/);
    assert.equal((await jobFinished('curl-nobody')).outcome, 'Failed');
    const refused = (await jobPods('curl-nobody'))[0];
    assert.match(terminationMessage(refused), /Connection refused/);
    // The raw JSON holds timestamps as strings (the typed Pod says Date).
    const ran =
      Date.parse(String(refused?.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt)) -
      Date.parse(String(refused?.status?.startTime));
    assert.ok(ran >= 2000, `retried for ${String(ran)} ms`);
  });

  describe('faults', () => {
    it('a snapshot-failure annotation on the VM fails its snapshot', async () => {
      await create(
        R.vms,
        vmManifest('bad-snap', {
          runStrategy: 'Halted',
          claim: 'db-data',
          annotations: { 'sim.vapp.dev/snapshot-failure': 'disk on fire' },
        }),
      );
      await create(R.snapshots, {
        apiVersion: 'snapshot.kubevirt.io/v1beta1',
        kind: 'VirtualMachineSnapshot',
        metadata: { name: 'bad-snap' },
        spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'bad-snap' } },
      });
      const snap = await snapshotIn('bad-snap', 'Failed');
      assert.equal(snap.status?.readyToUse, false);
      assert.equal(snap.status.error?.message, 'disk on fire');
    });

    it('quiesce-failed vss: the snapshot succeeds with the QuiesceTimeout indication (KubeVirt 1.8+)', async () => {
      await create(R.snapshots, {
        apiVersion: 'snapshot.kubevirt.io/v1beta1',
        kind: 'VirtualMachineSnapshot',
        metadata: { name: 'db-quiesce', annotations: { 'sim.vapp.dev/quiesce-failed': 'vss' } },
        spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' } },
      });
      const snap = await snapshotIn('db-quiesce', 'Succeeded');
      assert.deepEqual(snap.status?.indications, ['Online', 'GuestAgent', 'QuiesceTimeout']);
    });

    it('quiesce-failed error: the freeze is retried with the error in the status, and the snapshot fails at its deadline', async () => {
      await create(R.snapshots, {
        apiVersion: 'snapshot.kubevirt.io/v1beta1',
        kind: 'VirtualMachineSnapshot',
        metadata: { name: 'db-freeze', annotations: { 'sim.vapp.dev/quiesce-failed': 'error' } },
        spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' }, failureDeadline: '10s' },
      });
      const retried = await waitFor(
        async () => {
          const s = await get<VirtualMachineSnapshot>(R.snapshots, 'db-freeze');
          return s?.status?.error?.message !== undefined ? s : undefined;
        },
        { what: 'the freeze error in the snapshot status' },
      );
      assert.equal(retried.status?.phase, 'InProgress');
      assert.match(retried.status?.error?.message ?? '', /^Failed freezing vm db/);
      const failed = await snapshotIn('db-freeze', 'Failed');
      assert.equal(failed.status?.readyToUse, false);
    });

    it('snapshot-exclude-volumes: the data volume is reported excluded', async () => {
      await create(R.snapshots, {
        apiVersion: 'snapshot.kubevirt.io/v1beta1',
        kind: 'VirtualMachineSnapshot',
        metadata: { name: 'db-partial', annotations: { 'sim.vapp.dev/snapshot-exclude-volumes': 'data' } },
        spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' } },
      });
      const snap = await snapshotIn('db-partial', 'Succeeded');
      assert.deepEqual(snap.status?.snapshotVolumes, { excludedVolumes: ['root', 'data', 'cloudinit'] });
    });

    it('a clone-failure annotation fails the clone and creates no VM', async () => {
      await create(R.clones, {
        apiVersion: 'clone.kubevirt.io/v1beta1',
        kind: 'VirtualMachineClone',
        metadata: { name: 'bad-clone', annotations: { 'sim.vapp.dev/clone-failure': 'true' } },
        spec: {
          source: { apiGroup: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot', name: 'db-snap' },
          target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'never' },
        },
      });
      const clone = await cloneIn('bad-clone', 'Failed');
      assert.equal(clone.status?.conditions?.find((c) => c.type === 'Ready')?.message, 'simulated clone failure');
      assert.equal(await get(R.vms, 'never'), undefined);
    });

    it('a patch that does not apply: the restore retries it and the clone waits, its Ready condition naming the error', async () => {
      await create(R.clones, {
        apiVersion: 'clone.kubevirt.io/v1beta1',
        kind: 'VirtualMachineClone',
        metadata: { name: 'bad-patch' },
        spec: {
          source: { apiGroup: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot', name: 'db-snap' },
          patches: [JSON.stringify({ op: 'replace', path: '/spec/nothing/here', value: 1 })],
        },
      });
      // kubevirt pkg/storage/clone/clone.go: a restore error never fails the clone.
      const clone = await waitFor(
        async () => {
          const c = await get<VirtualMachineClone>(R.clones, 'bad-patch');
          const ready = c?.status?.conditions?.find((x) => x.type === 'Ready');
          return ready?.status === 'False' && /patches:/.test(ready.reason ?? '') ? c : undefined;
        },
        { what: 'the clone Ready False with the restore error' },
      );
      assert.equal(clone.status?.phase, 'RestoreInProgress');
      assert.match(
        clone.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '',
        /patches: path \/spec\/nothing\/here does not exist/,
      );
    });

    it('an update-failure annotation fails the update Job and leaves the level', async () => {
      await create(R.jobs, {
        ...updateJob('upd-fail', 'upd'),
        metadata: {
          name: 'upd-fail',
          labels: { 'vapp.dev/update': 'true' },
          annotations: { 'sim.vapp.dev/update-failure': 'true' },
        },
      });
      assert.equal((await jobFinished('upd-fail')).outcome, 'Failed');
      const vm = await get<VirtualMachine>(R.vms, 'upd');
      assert.equal(
        (JSON.parse(vm?.metadata?.annotations?.['vapp.dev/levels'] ?? '{}') as Record<string, string>).pgbouncer,
        '1.0.0',
      );
      const pod = (await jobPods('upd-fail'))[0];
      assert.equal(pod?.status?.phase, 'Failed');
    });

    it('a sync-failure annotation fails the data-sync Job at once (permanent error, exit status 2)', async () => {
      const job = buildDatasyncJob({
        name: 'sync-bad',
        namespace: NS,
        image: 'vapp-operator:dev',
        source: { claimName: 'sync-src', volumeMode: 'Filesystem' },
        target: { claimName: 'sync-replica', volumeMode: 'Filesystem' },
      });
      job.metadata!.annotations = { 'sim.vapp.dev/sync-failure': 'true' };
      await create(R.jobs, job);
      assert.equal((await jobFinished('sync-bad')).outcome, 'Failed');
      const pods = await jobPods('sync-bad');
      assert.equal(pods.length, 1, 'the podFailurePolicy fails the Job without a retry');
      const result = datasyncResultFromPod(pods[0]!);
      assert.equal(result?.ok, false);
    });

    it('a sync-failure annotation on a data volume fails the sync from a snapshot of it and the sync back into it', async () => {
      const failing = pvcManifest('vol-ann', '4Mi') as { metadata: Record<string, unknown> };
      failing.metadata.annotations = { 'sim.vapp.dev/sync-failure': 'true' };
      await create(R.pvcs, failing);
      await create(R.pvcs, pvcManifest('vol-ann-replica', '4Mi'));
      await boundPvc('vol-ann');
      await boundPvc('vol-ann-replica');
      await create(R.volumeSnapshots, {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: { name: 'vol-ann-r1' },
        spec: { source: { persistentVolumeClaimName: 'vol-ann' } },
      });
      await waitFor(
        async () => (await get<VolumeSnapshot>(R.volumeSnapshots, 'vol-ann-r1'))?.status?.readyToUse === true,
        { what: 'VolumeSnapshot ready' },
      );
      await create(
        R.pvcs,
        pvcManifest('vol-ann-r1', '4Mi', {
          apiGroup: 'snapshot.storage.k8s.io',
          kind: 'VolumeSnapshot',
          name: 'vol-ann-r1',
        }),
      );
      await boundPvc('vol-ann-r1');
      const syncs = {
        'vol-ann-forward': ['vol-ann-r1', 'vol-ann-replica'],
        'vol-ann-back': ['vol-ann-replica', 'vol-ann'],
      } as const;
      for (const [name, [source, target]] of Object.entries(syncs)) {
        await create(
          R.jobs,
          buildDatasyncJob({
            name,
            namespace: NS,
            image: 'vapp-operator:dev',
            source: { claimName: source, volumeMode: 'Filesystem' },
            target: { claimName: target, volumeMode: 'Filesystem' },
          }),
        );
      }
      for (const name of Object.keys(syncs)) {
        assert.equal((await jobFinished(name)).outcome, 'Failed', name);
        const result = datasyncResultFromPod((await jobPods(name))[0]!);
        assert.equal(result?.ok === false && result.error.code, 'SOURCE_UNREADABLE', name);
      }
    });

    it('the faults option forces a fault on an object without annotations', async () => {
      const forced = await startStorageSimulator({
        kubeConfig: cluster.kubeConfig,
        volumesDir: dir,
        stepDelayMs: 0,
        namespaces: ['forced'],
        faults: (obj) =>
          obj.metadata?.name === 'forced-snap' ? { snapshotFailure: 'forced by the option' } : undefined,
      });
      try {
        await rest.request('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: 'forced' } } });
        await rest.request(resourcePath(R.vms, 'forced'), {
          method: 'POST',
          body: {
            ...vmManifest('f', { runStrategy: 'Halted', claim: 'none' }),
            metadata: { name: 'f', namespace: 'forced' },
          },
        });
        await rest.request(resourcePath(R.snapshots, 'forced'), {
          method: 'POST',
          body: {
            apiVersion: 'snapshot.kubevirt.io/v1beta1',
            kind: 'VirtualMachineSnapshot',
            metadata: { name: 'forced-snap' },
            spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'f' } },
          },
        });
        const snap = await waitFor(
          async () => {
            const s = await rest.request<VirtualMachineSnapshot>(resourcePath(R.snapshots, 'forced', 'forced-snap'));
            return s.status?.phase === 'Failed' ? s : undefined;
          },
          { what: 'forced snapshot failed' },
        );
        assert.equal(snap.status?.error?.message, 'forced by the option');
      } finally {
        await forced.stop();
      }
    });
  });

  it('a snapshot with the guest agent freezes the guest: all its volumes are cut with the same writes', async () => {
    await create(R.pvcs, pvcManifest('two-a'));
    await create(R.pvcs, pvcManifest('two-b'));
    await boundPvc('two-a');
    await boundPvc('two-b');
    const manifest = vmManifest('two', { annotations: { 'sim.vapp.dev/workload': '200' }, claim: 'two-a' });
    const tpl = manifest.spec.template.spec!;
    tpl.domain.devices.disks!.push({ name: 'logs', disk: { bus: 'virtio' } });
    tpl.volumes!.push({ name: 'logs', persistentVolumeClaim: { claimName: 'two-b' } });
    await create(R.vms, manifest);
    await readyVm('two');
    const lines = async (pvc: string) =>
      (await readFile(ledgerFile(dir, NS, pvc), 'utf8').catch(() => '')).split('\n').length;
    await waitFor(async () => (await lines('two-a')) > 20 && (await lines('two-b')) > 20, {
      what: 'the workload to write to both volumes',
    });
    await create(R.snapshots, {
      apiVersion: 'snapshot.kubevirt.io/v1beta1',
      kind: 'VirtualMachineSnapshot',
      metadata: { name: 'two-snap' },
      spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'two' } },
    });
    const snap = await snapshotIn('two-snap', 'Succeeded');
    assert.deepEqual(snap.status!.indications, ['Online', 'GuestAgent']);
    const content = await get<VirtualMachineSnapshotContent>(
      R.contents,
      snap.status!.virtualMachineSnapshotContentName ?? '',
    );
    const counts: number[] = [];
    for (const b of content?.spec.volumeBackups ?? []) {
      const vs = await get<VolumeSnapshot>(R.volumeSnapshots, b.volumeSnapshotName ?? '');
      const claim = b.persistentVolumeClaim.metadata?.name ?? '';
      const report = await verifyLedger(snapshotFile(dir, NS, b.volumeSnapshotName ?? ''), ledgerFile(dir, NS, claim), {
        until: new Date(vs?.status?.creationTime ?? ''),
      });
      assert.ok(report.ok, `${claim}: ${JSON.stringify({ ...report, missing: report.missing.length })}`);
      counts.push(report.considered);
    }
    assert.equal(counts.length, 2);
    assert.equal(
      counts[0],
      counts[1],
      'each workload tick writes both volumes: equal counts mean no write between the two cuts',
    );
    await patch(R.vms, 'two', { spec: { runStrategy: 'Halted' } });
  });

  it('slow steps: sim.vapp.dev/step-delay-ms on a Job holds its Pod Running that long', async () => {
    const job = plainJob('slow') as { metadata: Record<string, unknown> };
    job.metadata.annotations = { 'sim.vapp.dev/step-delay-ms': '1500' };
    const started = Date.now();
    await create(R.jobs, job);
    await waitFor(async () => (await jobPods('slow'))[0]?.status?.phase === 'Running', { what: 'slow Pod running' });
    assert.equal((await jobFinished('slow')).outcome, 'Complete');
    assert.ok(Date.now() - started >= 1500, `took ${String(Date.now() - started)} ms`);
  });

  it('stops the workload when the VM is halted: a snapshot taken afterwards holds every ledgered write', async () => {
    await patch(R.vms, 'db', { spec: { runStrategy: 'Halted' } });
    await waitFor(async () => (await get<VirtualMachine>(R.vms, 'db'))?.status?.printableStatus === 'Stopped', {
      what: 'VM db stopped',
    });
    await create(R.snapshots, {
      apiVersion: 'snapshot.kubevirt.io/v1beta1',
      kind: 'VirtualMachineSnapshot',
      metadata: { name: 'db-final' },
      spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' } },
    });
    const snap = await snapshotIn('db-final', 'Succeeded');
    assert.deepEqual(snap.status?.indications, [], 'offline snapshot');
    const content = await get<VirtualMachineSnapshotContent>(
      R.contents,
      snap.status.virtualMachineSnapshotContentName ?? '',
    );
    const vsName = content?.spec.volumeBackups?.[0]?.volumeSnapshotName ?? '';
    const report = await verifyLedger(snapshotFile(dir, NS, vsName), ledgerFile(dir, NS, 'db-data'));
    assert.ok(report.ok && report.checked > 0, JSON.stringify({ ...report, missing: report.missing.length }));
  });

  it('restores a snapshot into its stopped VM: the VM now uses restore-<restore uid>-<volume>, the data as at the snapshot', async () => {
    await create(R.restores, {
      apiVersion: 'snapshot.kubevirt.io/v1beta1',
      kind: 'VirtualMachineRestore',
      metadata: { name: 'db-back' },
      spec: {
        target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' },
        virtualMachineSnapshotName: 'db-snap',
      },
    });
    const restore = await waitFor(
      async () => {
        const r = await get<VirtualMachineRestore>(R.restores, 'db-back');
        return r?.status?.complete === true ? r : undefined;
      },
      { what: 'restore complete' },
    );
    const status = restore.status!;
    const claim = `restore-${restore.metadata?.uid ?? ''}-data`;
    assert.deepEqual(
      status.restores?.map((r) => [r.volumeName, r.persistentVolumeClaim]),
      [['data', claim]],
    );
    assert.deepEqual(
      status.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Progressing=False', 'Ready=True'],
    );
    const vm = await get<VirtualMachine>(R.vms, 'db');
    assert.equal(
      vm?.spec.template.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName,
      claim,
    );
    assert.equal(
      vm.metadata?.annotations?.['restore.kubevirt.io/lastRestoreUID'],
      `db-back-${restore.metadata?.uid ?? ''}`,
    );
    const snap = await get<VirtualMachineSnapshot>(R.snapshots, 'db-snap');
    const content = await get<VirtualMachineSnapshotContent>(
      R.contents,
      snap?.status?.virtualMachineSnapshotContentName ?? '',
    );
    sameBytes(
      await readFile(pvcFile(dir, NS, claim)),
      await readFile(snapshotFile(dir, NS, content?.spec.volumeBackups?.[0]?.volumeSnapshotName ?? '')),
    );
    assert.equal(vm.spec.runStrategy, 'Halted', 'a restore leaves the run strategy of the VM as it was');
  });
});

/** Byte equality of two volume images; on a difference, the first differing offset (assert's diff of megabytes would take minutes). */
function sameBytes(actual: Buffer, expected: Buffer): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  assert.fail(
    `the images differ: sizes ${String(actual.length)} and ${String(expected.length)}, first difference at byte ${String(i)}`,
  );
}

function updateJob(name: string, vm: string): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { 'vapp.dev/update': 'true' } },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { 'vapp.dev/update': 'true' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'update',
              image: 'registry.example.com/shop/updater:1',
              env: [
                { name: 'VAPP_VM', value: vm },
                { name: 'VAPP_COMPONENT', value: 'postgres' },
                { name: 'VAPP_FROM', value: '16.2.0' },
                { name: 'VAPP_TO', value: '16.4.0' },
              ],
            },
          ],
        },
      },
    },
  };
}

function plainJob(name: string): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1', command: ['true'] }] },
      },
    },
  };
}

/** What a Job Pod's container wrote to its termination log. */
function terminationMessage(pod: Parameters<typeof datasyncResultFromPod>[0] | undefined): string {
  return pod?.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '';
}
