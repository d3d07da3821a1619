// The sandbox's CDI against the real API server: a DataImportCron imports what the simulated
// registry serves, keeps its DataSource on the newest import and garbage-collects older ones by
// lastUseTime (a finalizer defers that, as on any Kubernetes object); DataVolumes clone from an
// import across namespaces with CDI's phases; an imported disk tells its OS to the guest agent.
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { DataImportCron, DataSource, DataVolume } from '../../../src/kubevirt/types.ts';
import { KUBEVIRT } from '../../../src/kubevirt/types.ts';
import { isNotFound } from '../../../src/runtime/errors.ts';
import { resourcePath, type ResourceRef } from '../../../src/runtime/resources.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { parseOsRelease } from '../../../src/sandbox/simulator/cdi/os-release.ts';
import {
  pvcFile,
  snapshotFile,
  startStorageSimulator,
  type StorageSimulator,
} from '../../../src/sandbox/simulator/storage/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';

const GOLDEN = 'golden';
const APPS = 'apps';
const SNAPSHOTS: ResourceRef = {
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumesnapshots',
  kind: 'VolumeSnapshot',
};
interface Snapshot {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  status?: { readyToUse?: boolean; restoreSize?: string };
}

describe('sandbox CDI', () => {
  let cluster: TestCluster;
  let storage: StorageSimulator;
  let volumesDir: string;
  let rest: RestClient;
  const get = async <T>(ref: ResourceRef, ns: string, name: string): Promise<T | undefined> => {
    try {
      return await rest.request<T>(resourcePath(ref, ns, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const list = async <T>(ref: ResourceRef, ns: string): Promise<T[]> =>
    (await rest.request<{ items: T[] }>(resourcePath(ref, ns))).items;
  const patch = (ref: ResourceRef, ns: string, name: string, body: unknown) =>
    rest.request(resourcePath(ref, ns, name), { method: 'PATCH', contentType: 'application/merge-patch+json', body });
  const osOf = async (file: string) => {
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.alloc(4096);
      await handle.read(buf, 0, 4096, 0);
      return parseOsRelease(buf);
    } finally {
      await handle.close();
    }
  };
  const readySource = (version: string) =>
    waitFor(
      async () => {
        const ds = await get<DataSource>(KUBEVIRT.dataSources, GOLDEN, 'fedora');
        const name = ds?.status?.source?.snapshot?.name;
        const ready = ds?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        if (!ready || name === undefined) return false;
        const os = await osOf(snapshotFile(volumesDir, GOLDEN, name)).catch(() => undefined);
        return os?.versionId === version && name;
      },
      { what: `DataSource fedora Ready on ${version}`, timeoutMs: 60_000 },
    );

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-cdi-'));
    storage = await startStorageSimulator({ kubeConfig: cluster.kubeConfig, volumesDir, stepDelayMs: 0 });
    rest = new RestClient(cluster.kubeConfig);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of [GOLDEN, APPS]) await core.createNamespace({ body: { metadata: { name } } });
  });
  after(async () => {
    await storage.stop();
    await cluster.stop();
    await rm(volumesDir, { recursive: true, force: true });
  });

  it('imports the published version, publishes a new one, and collects the old one once importsToKeep is exceeded', async () => {
    const cron: DataImportCron = {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataImportCron',
      metadata: {
        name: 'fedora',
        namespace: GOLDEN,
        annotations: { 'sim.vapp.dev/registry-version': '40.1', 'sim.vapp.dev/source-format': 'snapshot' },
      },
      spec: {
        schedule: '0 */12 * * *',
        managedDataSource: 'fedora',
        importsToKeep: 1,
        template: {
          spec: {
            source: { registry: { url: 'docker://registry.example.com/os/fedora:40' } },
            storage: { resources: { requests: { storage: '16Mi' } } },
          },
        },
      },
    };
    await rest.request(resourcePath(KUBEVIRT.dataImportCrons, GOLDEN), { method: 'POST', body: cron });
    const a = await readySource('40.1');
    assert.match(a, /^fedora-[0-9a-f]{12}$/);
    const imported = await get<DataImportCron>(KUBEVIRT.dataImportCrons, GOLDEN, 'fedora');
    const digest = imported?.metadata?.annotations?.['cdi.kubevirt.io/storage.import.sourceDesiredDigest'] ?? '';
    assert.equal(a, `fedora-${digest.slice('sha256:'.length, 'sha256:'.length + 12)}`);
    assert.deepEqual(imported?.status?.currentImports, [{ DataVolumeName: a, Digest: digest }]);
    const snapA = await get<Snapshot>(SNAPSHOTS, GOLDEN, a);
    assert.equal(snapA?.metadata?.labels?.['cdi.kubevirt.io/dataImportCron'], 'fedora');
    assert.ok(snapA?.metadata?.annotations?.['cdi.kubevirt.io/storage.import.lastUseTime']);
    // With format snapshot the import DataVolume and PVC go once the snapshot is ready.
    await waitFor(
      async () =>
        (await get(KUBEVIRT.dataVolumes, GOLDEN, a)) === undefined &&
        (await get(
          { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' },
          GOLDEN,
          a,
        )) === undefined,
      { what: 'import DataVolume and PVC gone' },
    );
    await waitFor(
      async () =>
        (await get<DataImportCron>(KUBEVIRT.dataImportCrons, GOLDEN, 'fedora'))?.status?.conditions?.find(
          (c) => c.type === 'UpToDate',
        )?.status === 'True',
      { what: 'cron UpToDate' },
    );

    // A DataVolume in another namespace clones the import, sized for its restoreSize.
    const dv: DataVolume = {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: { name: 'vm1-root', namespace: APPS },
      spec: { source: { snapshot: { namespace: GOLDEN, name: a } }, storage: {} },
    };
    await rest.request(resourcePath(KUBEVIRT.dataVolumes, APPS), { method: 'POST', body: dv });
    const cloned = await waitFor(
      async () => {
        const d = await get<DataVolume>(KUBEVIRT.dataVolumes, APPS, 'vm1-root');
        return d?.status?.phase === 'Succeeded' && d;
      },
      { what: 'clone DataVolume Succeeded' },
    );
    assert.deepEqual(
      cloned.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ['Bound', 'True', 'Bound'],
        ['Ready', 'True', ''],
        ['Running', 'False', 'Completed'],
      ],
    );
    assert.equal((await osOf(pvcFile(volumesDir, APPS, 'vm1-root')))?.versionId, '40.1');

    // Someone holds A with a finalizer; version 40.2 is published.
    await patch(SNAPSHOTS, GOLDEN, a, { metadata: { finalizers: ['test/hold'] } });
    await patch(KUBEVIRT.dataImportCrons, GOLDEN, 'fedora', {
      metadata: { annotations: { 'sim.vapp.dev/registry-version': '40.2' } },
    });
    const b = await readySource('40.2');
    assert.notEqual(b, a);
    // importsToKeep 1: A is deleted by the garbage collection, and only marked while the finalizer holds it.
    const held = await waitFor(
      async () => {
        const s = await get<Snapshot>(SNAPSHOTS, GOLDEN, a);
        return s?.metadata?.deletionTimestamp !== undefined && s;
      },
      { what: 'A deleted by CDI garbage collection' },
    );
    assert.deepEqual(held.metadata?.finalizers, ['test/hold']);
    assert.equal((await osOf(snapshotFile(volumesDir, GOLDEN, a)))?.versionId, '40.1', 'its storage stays');
    // A clone from a snapshot being deleted cannot be provisioned.
    await rest.request(resourcePath(KUBEVIRT.dataVolumes, APPS), {
      method: 'POST',
      body: { ...dv, metadata: { name: 'vm2-root', namespace: APPS } },
    });
    const refused = await waitFor(
      async () => {
        const d = await get<DataVolume>(KUBEVIRT.dataVolumes, APPS, 'vm2-root');
        return d?.status?.conditions?.find((c) => c.type === 'Bound' && c.reason === 'ProvisioningFailed') && d;
      },
      { what: 'clone from a deleting snapshot refused' },
    );
    assert.notEqual(refused.status?.phase, 'Succeeded');
    await patch(SNAPSHOTS, GOLDEN, a, { metadata: { finalizers: null } });
    await waitFor(async () => (await get(SNAPSHOTS, GOLDEN, a)) === undefined, { what: 'A gone' });
    assert.deepEqual(
      (await list<Snapshot>(SNAPSHOTS, GOLDEN)).map((s) => s.metadata?.name),
      [b],
    );
  });
});
