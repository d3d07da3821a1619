// Server-side apply, status apply, conditions, finalizers, events and error helpers against the
// real API server, with the operator's own CRD (VirtualAppliance).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { CoreV1Api } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';
import { apply, applyStatus, FIELD_MANAGER } from '../../../src/runtime/apply.ts';
import { getCondition, setKStatus, type Condition } from '../../../src/runtime/conditions.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../../src/runtime/errors.ts';
import { EventRecorder } from '../../../src/runtime/events.ts';
import { addFinalizer, hasFinalizer, isDeleting, removeFinalizer } from '../../../src/runtime/finalizers.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { uniqueName } from './helpers.ts';

interface Appliance extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { observedGeneration?: number; conditions?: Condition[] };
  metadata?: KubeObject['metadata'] & {
    managedFields?: { manager: string; operation: string; subresource?: string }[];
  };
}

const vappPath = (ns: string, name = '') =>
  `/apis/vapp.dev/v1alpha1/namespaces/${ns}/virtualappliances${name ? `/${name}` : ''}`;

describe('apply, status, finalizers, events', () => {
  let cluster: TestCluster;
  let client: RestClient;
  let ns: string;
  let sample: Appliance;

  before(async () => {
    cluster = await startTestCluster();
    client = new RestClient(cluster.kubeConfig);
    ns = uniqueName('helpers');
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    sample = parse(
      await readFile(new URL('../../../config/samples/virtualappliance-shop.yaml', import.meta.url), 'utf8'),
    ) as Appliance;
  });

  after(async () => {
    await cluster.stop();
  });

  it('applies a custom resource and its status with the operator field manager', async () => {
    const name = uniqueName('shop');
    const created = await apply<Appliance>(client, { ...sample, metadata: { name, namespace: ns } });
    assert.equal(created.metadata?.generation, 1);

    const conditions = setKStatus(
      undefined,
      { state: 'Reconciling', reason: 'Adopting', message: 'labelling member VMs' },
      { observedGeneration: 1 },
    );
    const withStatus = await applyStatus<Appliance>(client, {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'VirtualAppliance',
      metadata: { name, namespace: ns },
      status: { observedGeneration: 1, conditions },
    });
    assert.equal(getCondition(withStatus.status?.conditions, 'Reconciling')?.status, 'True');
    assert.equal(getCondition(withStatus.status?.conditions, 'Ready')?.reason, 'Adopting');
    assert.deepEqual(withStatus.spec, created.spec, 'status apply leaves spec alone');
    assert.equal(withStatus.metadata?.generation, 1, 'status writes do not bump generation');

    const managed = withStatus.metadata.managedFields ?? [];
    assert.ok(
      managed.some((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && m.subresource === undefined),
    );
    assert.ok(
      managed.some((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && m.subresource === 'status'),
    );

    // A later status apply that drops Reconciling removes it: the manager owns exactly what it applies.
    const ready = setKStatus(withStatus.status?.conditions, { state: 'Ready' }, { observedGeneration: 1 });
    const after = await applyStatus<Appliance>(client, {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'VirtualAppliance',
      metadata: { name, namespace: ns },
      status: { observedGeneration: 1, conditions: ready },
    });
    assert.deepEqual(
      after.status?.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Ready=True'],
    );
  });

  it('reports SSA conflicts and takes fields over with force (a Service selector is one atomic field)', async () => {
    // core/v1 ServiceSpec.selector is `+mapType=atomic`: it cannot be shared key by key between
    // field managers. Whoever applies it owns all of it.
    const name = uniqueName('web');
    type Svc = KubeObject & { spec: { selector: Record<string, string>; ports?: { port: number }[] } };
    const svc = (selector: Record<string, string>): Svc => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { selector, ports: [{ port: 80 }] },
    });
    await apply(client, svc({ app: 'shop-web' }), { fieldManager: 'argocd-controller' });
    await assert.rejects(apply(client, svc({ app: 'shop-web', 'vapp.dev/slot': 'green' }), { force: false }), (err) =>
      isConflict(err),
    );
    const taken = await apply<Svc>(client, svc({ app: 'shop-web', 'vapp.dev/slot': 'green' }));
    assert.deepEqual(taken.spec.selector, { app: 'shop-web', 'vapp.dev/slot': 'green' });
    const owners =
      (taken.metadata as { managedFields?: { manager: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[] })
        .managedFields ?? [];
    assert.ok(
      owners.find((m) => m.manager === FIELD_MANAGER)?.fieldsV1?.['f:spec']?.['f:selector'],
      'the operator now owns the selector',
    );
    assert.ok(
      !owners.find((m) => m.manager === 'argocd-controller')?.fieldsV1?.['f:spec']?.['f:selector'],
      'and Argo CD no longer does',
    );
  });

  it('adds and removes finalizers, guarded by resourceVersion', async () => {
    const name = uniqueName('fin');
    const created = await apply<Appliance>(client, { ...sample, metadata: { name, namespace: ns } });
    const withFinalizer = await addFinalizer(client, created, 'vapp.dev/cleanup');
    assert.ok(hasFinalizer(withFinalizer, 'vapp.dev/cleanup'));
    assert.equal(await addFinalizer(client, withFinalizer, 'vapp.dev/cleanup'), withFinalizer, 'no write when present');
    await assert.rejects(
      addFinalizer(client, created, 'vapp.dev/other'),
      (err) => isConflict(err),
      'stale object is refused',
    );

    await client.request(vappPath(ns, name), { method: 'DELETE' });
    const deleting = await client.request<Appliance>(vappPath(ns, name));
    assert.ok(isDeleting(deleting), 'held by the finalizer');
    await removeFinalizer(client, deleting, 'vapp.dev/cleanup');
    await waitFor(
      async () => {
        try {
          await client.request(vappPath(ns, name));
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      },
      { what: 'object gone after the finalizer was removed' },
    );
  });

  it('classifies API errors', async () => {
    await assert.rejects(client.request(vappPath(ns, 'missing')), (err) => isNotFound(err));
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice', namespace: ns } };
    await client.request(`/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', body });
    await assert.rejects(
      client.request(`/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', body }),
      (err) => isAlreadyExists(err) && !isConflict(err),
    );
  });

  it('records events, counting repeats on one Event like client-go', async () => {
    const name = uniqueName('ev');
    const obj = await apply<Appliance>(client, { ...sample, metadata: { name, namespace: ns } });
    const recorder = new EventRecorder({ client, instance: 'test-pod' });
    await recorder.normal(obj, 'Adopted', 'adopted 3 VMs');
    await recorder.normal(obj, 'Adopted', 'adopted 3 VMs');
    await recorder.warning(obj, 'CloneFailed', 'snapshot of shop-db failed');
    const list = await client.request<{
      items: {
        reason: string;
        type: string;
        count: number;
        message: string;
        reportingComponent: string;
        reportingInstance: string;
        source: { component: string };
        involvedObject: { uid: string; kind: string };
      }[];
    }>(`/api/v1/namespaces/${ns}/events`, { query: { fieldSelector: `involvedObject.name=${name}` } });
    const byReason = new Map(list.items.map((e) => [e.reason, e]));
    assert.equal(list.items.length, 2);
    assert.equal(byReason.get('Adopted')?.count, 2);
    assert.equal(byReason.get('Adopted')?.type, 'Normal');
    assert.equal(byReason.get('CloneFailed')?.type, 'Warning');
    assert.equal(byReason.get('Adopted')?.reportingComponent, 'vapp-operator');
    assert.equal(byReason.get('Adopted')?.source.component, 'vapp-operator');
    assert.equal(byReason.get('Adopted')?.reportingInstance, 'test-pod');
    assert.equal(byReason.get('Adopted')?.involvedObject.uid, obj.metadata?.uid);
    assert.equal(byReason.get('Adopted')?.involvedObject.kind, 'VirtualAppliance');
  });
});
