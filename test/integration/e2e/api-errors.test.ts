// A step's API call refused as a cluster refuses it: by a ResourceQuota, by the operator's RBAC, by an
// admission policy. Outside the downtime the plan says why in its Ready condition within seconds,
// with one Warning Event, and goes on once the cause is removed; inside the cut-over a refusal that
// retrying will not cure ends the downtime: the original serves again.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type V1ClusterRole } from '@kubernetes/client-node';
import type { MaintenancePlan } from '../../../src/api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../../src/kubevirt/types.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { ledgerFile, pvcFile, verifyWritesCarriedOver } from '../../../src/sandbox/simulator/storage/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { applyPlan, deployShop, readAppliance, readPlan, waitForPhase } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

describe('MaintenancePlan: API errors in status', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  const core = () => cluster.kubeConfig.makeApiClient(CoreV1Api);
  const rest = () => new RestClient(cluster.kubeConfig);

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster, {
      controllers: { maintenance: { observeIntervalMs: 500, stepTimeoutMs: 20_000 } },
    });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(volumesDir, { recursive: true, force: true });
  });

  const noWindow = (s: Parameters<Parameters<typeof applyPlan>[2]>[0]) => {
    delete s.window;
    return { ...s, rollback: { ...s.rollback, observeSeconds: 0 } };
  };

  /** The plan once its Ready condition is ProgressingWithRetry with a message matching `error`. */
  function waitForRetry(ns: string, name: string, error: RegExp): Promise<MaintenancePlan> {
    return waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        const ready = p.status?.conditions.find((c) => c.type === 'Ready');
        const reconciling = p.status?.conditions.find((c) => c.type === 'Reconciling');
        return (
          ready?.reason === 'ProgressingWithRetry' && error.test(ready.message) && reconciling?.status === 'True' && p
        );
      },
      { what: `plan ${ns}/${name} to say ${String(error)} in its Ready condition`, timeoutMs: 60_000 },
    );
  }

  /** The plan's Warning Events of one reason (a repeated Event is one object with a count). */
  async function warnings(ns: string, name: string, reason: string) {
    const events = await core().listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
    return events.items.filter((e) => e.type === 'Warning' && e.reason === reason);
  }

  it('a ResourceQuota that refuses a replica PVC: the plan says so and goes on once the quota is gone', async () => {
    const ns = 'quota';
    await deployShop(cluster.kubeConfig, ns, { workload: 20 });
    const name = await applyPlan(cluster.kubeConfig, ns, noWindow);
    // Once the clone's volumes exist, the namespace may hold no more PVCs: the replicas of the sync are refused.
    await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Updating' || p === 'Verifying');
    const used = (await core().listNamespacedPersistentVolumeClaim({ namespace: ns })).items.length;
    await core().createNamespacedResourceQuota({
      namespace: ns,
      body: { metadata: { name: 'no-more-volumes' }, spec: { hard: { persistentvolumeclaims: String(used) } } },
    });
    const stuck = await waitForRetry(ns, name, /exceeded quota: no-more-volumes/);
    assert.equal(stuck.status?.phase, 'Syncing');
    assert.match(stuck.status?.conditions.find((c) => c.type === 'Ready')?.message ?? '', /^Sync: 403 Forbidden: /);
    const events = await waitFor(async () => {
      const list = await warnings(ns, name, 'ReconcileError');
      return list.length > 0 && list;
    });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.count ?? 1, 1, 'the same error is said once');

    await core().deleteNamespacedResourceQuota({ namespace: ns, name: 'no-more-volumes' });
    const done = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Succeeded' || p === 'Failed', 120_000);
    assert.equal(done.status?.phase, 'Succeeded', done.status?.conditions.find((c) => c.type === 'Ready')?.message);
  });

  it("managedFields say which controller owns which field (the quota case's appliance, after its maintenance)", async () => {
    type ManagedFields = { manager?: string; subresource?: string; fieldsV1?: unknown }[];
    const managed = (o: { metadata: object }) => (o.metadata as { managedFields?: ManagedFields }).managedFields ?? [];
    const appliance = await readAppliance(cluster.kubeConfig, 'quota');
    const fieldsOf = (manager: string) =>
      managed(appliance)
        .filter((f) => f.manager === manager && f.subresource === 'status')
        .map((f) => Object.keys((f.fieldsV1 as { 'f:status'?: object } | undefined)?.['f:status'] ?? {}))
        .flat()
        .sort();
    assert.deepEqual(fieldsOf('vapp-operator/maintenance'), ['f:activePlan', 'f:activeSlot']);
    assert.ok(fieldsOf('vapp-operator/appliance').includes('f:members'), fieldsOf('vapp-operator/appliance').join());
    assert.ok(!fieldsOf('vapp-operator/appliance').includes('f:activeSlot'), "the serving slot is the maintenance's");
    const plan = await readPlan(cluster.kubeConfig, 'quota', 'shop-2026-11');
    const planManagers = new Set(
      managed(plan)
        .filter((f) => f.subresource === 'status')
        .map((f) => f.manager),
    );
    assert.deepEqual([...planManagers], ['vapp-operator/maintenance']);
  });

  it('a role without a verb the plan needs: the plan names the refusal and goes on once the role is mended', async () => {
    const ns = 'rbac';
    await deployShop(cluster.kubeConfig, ns, { workload: 20 });
    const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readClusterRole({ name: 'vapp-operator' });
    const withoutSnapshots: V1ClusterRole = {
      ...role,
      rules: (role.rules ?? []).map((r) =>
        r.resources?.includes('virtualmachinesnapshots') ? { ...r, verbs: r.verbs.filter((v) => v !== 'create') } : r,
      ),
    };
    await rbac.replaceClusterRole({ name: 'vapp-operator', body: withoutSnapshots });
    try {
      const name = await applyPlan(cluster.kubeConfig, ns, noWindow);
      const stuck = await waitForRetry(ns, name, /cannot create resource "virtualmachinesnapshots"/);
      assert.equal(stuck.status?.phase, 'Snapshotting');
      assert.match(
        stuck.status?.conditions.find((c) => c.type === 'Ready')?.message ?? '',
        /^Snapshot: 403 Forbidden: /,
      );
      assert.equal((await warnings(ns, name, 'ReconcileError')).length, 1);
    } finally {
      const current = await rbac.readClusterRole({ name: 'vapp-operator' });
      await rbac.replaceClusterRole({ name: 'vapp-operator', body: { ...role, metadata: current.metadata } });
    }
    const done = await waitForPhase(
      cluster.kubeConfig,
      ns,
      'shop-2026-11',
      (p) => p === 'Succeeded' || p === 'Failed',
      120_000,
    );
    assert.equal(done.status?.phase, 'Succeeded', done.status?.conditions.find((c) => c.type === 'Ready')?.message);
  });

  it('an admission policy that refuses the clone VM patch inside the cut-over: Failed, the original serves', async () => {
    const ns = 'refused-cutover';
    await deployShop(cluster.kubeConfig, ns, { workload: 20 });
    // What a site policy may do: the claims of clone VMs may not change (here, only in this namespace).
    await rest().request('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
      method: 'POST',
      body: {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'frozen-clone-volumes' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ['kubevirt.io'],
                apiVersions: ['*'],
                operations: ['UPDATE'],
                resources: ['virtualmachines'],
              },
            ],
          },
          validations: [
            {
              // The claims of the clone's volumes (an image update changes a containerDisk, not a claim).
              expression:
                "!has(object.metadata.labels) || !('vapp.dev/plan' in object.metadata.labels) || " +
                'object.spec.template.spec.volumes.filter(v, has(v.persistentVolumeClaim)).map(v, v.persistentVolumeClaim.claimName) == ' +
                'oldObject.spec.template.spec.volumes.filter(v, has(v.persistentVolumeClaim)).map(v, v.persistentVolumeClaim.claimName)',
              message: 'the volume claims of a clone VM are frozen by site policy',
            },
          ],
        },
      },
    });
    await rest().request('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', {
      method: 'POST',
      body: {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: 'frozen-clone-volumes' },
        spec: {
          policyName: 'frozen-clone-volumes',
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
        },
      },
    });
    const name = await applyPlan(cluster.kubeConfig, ns, noWindow);
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Failed' || p === 'Succeeded', 120_000);
    assert.equal(plan.status?.phase, 'Failed');
    const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.reason, 'APIRequestRefused');
    assert.match(stalled?.message ?? '', /^CutOver: .*frozen by site policy/);
    assert.ok(plan.status?.cutOver?.originalStoppedAt !== undefined, 'the refusal came inside the downtime');
    assert.equal(plan.status?.cutOver?.servicesSwitchedAt, undefined);

    // The original serves again, on its slot, with all its data; nothing of the clone is left.
    const appliance = await readAppliance(cluster.kubeConfig, ns);
    assert.equal(appliance.status?.activeSlot, 'blue');
    for (const service of ['shop-web', 'shop-app', 'shop-db']) {
      const s = await core().readNamespacedService({ namespace: ns, name: service });
      assert.equal(s.spec?.selector?.['vapp.dev/slot'], 'blue', service);
    }
    const vms = (
      (await cluster.kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        group: 'kubevirt.io',
        version: 'v1',
        namespace: ns,
        plural: 'virtualmachines',
      })) as {
        items: VirtualMachine[];
      }
    ).items;
    assert.deepEqual(vms.map((vm) => vm.metadata?.name).sort(), ['shop-app', 'shop-db', 'shop-web']);
    await waitFor(
      async () => {
        const live = (await readAppliance(cluster.kubeConfig, ns)).status?.members ?? [];
        return live.length === 3 && live.every((m) => m.ready);
      },
      { what: 'the original VMs ready again' },
    );
    const ledger = await waitFor(
      async () => {
        const report = await verifyWritesCarriedOver(
          pvcFile(volumesDir, ns, 'shop-db-pgdata'),
          ledgerFile(volumesDir, ns, 'shop-db-pgdata'),
          { stillWriting: true },
        );
        return report.checked > 0 && report;
      },
      { what: 'writes of the workload to check' },
    );
    assert.deepEqual(ledger.missing, []);
  });
});
