// The operator on a cluster without CDI (no DataVolume, DataSource or DataImportCron kinds): it
// starts, the VirtualAppliance controller works, and a BaseImage says in its status that CDI is
// missing instead of the process waiting for caches that can never fill.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BaseImage, VirtualAppliance } from '../../../src/api/v1alpha1/index.ts';
import { isNotFound } from '../../../src/runtime/errors.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { applyManifests, readManifests } from '../../../src/sandbox/manifests.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/samples');
const NS = 'shop';
const CDI_KINDS = ['datavolumes', 'datasources', 'dataimportcrons'];

describe('operator without CDI', () => {
  let cluster: TestCluster;
  let operator: SandboxOperator;
  let simulator: Simulator;
  let rest: RestClient;

  before(async () => {
    cluster = await startTestCluster();
    rest = new RestClient(cluster.kubeConfig);
    for (const plural of CDI_KINDS)
      await rest.request(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.cdi.kubevirt.io`, {
        method: 'DELETE',
      });
    // Gone once the API server no longer serves them.
    await waitFor(
      async () => {
        for (const plural of CDI_KINDS) {
          const served = await rest.request(`/apis/cdi.kubevirt.io/v1beta1/${plural}`).then(
            () => true,
            (err: unknown) => !isNotFound(err),
          );
          if (served) return false;
        }
        return true;
      },
      { what: 'the CDI kinds to be no longer served' },
    );
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0 });
    operator = await startSandboxOperator(cluster);
    await rest.request('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } } });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
  });

  it('starts its controllers: the sample appliance becomes Ready', async () => {
    const objects = (await readManifests(samples)).filter(
      (o) => o.kind !== 'MaintenancePlan' && o.kind !== 'PersistentVolumeClaim',
    );
    await applyManifests(cluster.kubeConfig, objects, { namespace: NS });
    const shop = await waitFor(
      async () => {
        const a = await rest.request<VirtualAppliance>(
          `/apis/vapp.dev/v1alpha1/namespaces/${NS}/virtualappliances/shop`,
        );
        return a.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') && a;
      },
      { what: 'shop Ready' },
    );
    assert.equal(shop.status?.readyMembers, '3/3');
  });

  it('reports in a BaseImage status that CDI is not installed', async () => {
    await applyManifests(
      cluster.kubeConfig,
      [
        {
          apiVersion: 'vapp.dev/v1alpha1',
          kind: 'BaseImage',
          metadata: { name: 'fedora' },
          spec: { source: { dataSource: { name: 'fedora' } }, guestOS: { field: 'versionId' } },
        } as KubeObject,
      ],
      { namespace: NS },
    );
    const image = await waitFor(
      async () => {
        const b = await rest.request<BaseImage>(`/apis/vapp.dev/v1alpha1/namespaces/${NS}/baseimages/fedora`);
        return b.status?.conditions.some((c) => c.type === 'Stalled' && c.status === 'True') && b;
      },
      { what: 'fedora Stalled' },
    );
    const ready = image.status?.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'CDINotInstalled');
    assert.match(ready?.message ?? '', /CDI is not installed: the API server serves no datasources\.cdi\.kubevirt\.io/);
  });
});
