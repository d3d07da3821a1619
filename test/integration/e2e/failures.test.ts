// A maintenance that cannot hurt: a failure in any step before the cut-over, or an abort, leaves the
// original serving with all its data and no clone object behind; a second plan waits for the first;
// a failed check after the cut-over rolls back without losing what the clone accepted.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { MaintenancePlan, MaintenancePlanInput } from '../../../src/api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../../src/kubevirt/types.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { SIM_ANNOTATIONS, startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import {
  ledgerFile,
  pvcFile,
  STORAGE_ANNOTATIONS,
  verifyWritesCarriedOver,
  type StorageFaults,
} from '../../../src/sandbox/simulator/storage/index.ts';
import { planNames } from '../../../src/controllers/maintenance/names.ts';
import { verifyCutOverData } from '../../../src/sandbox/demo/data-check.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import {
  applyPlan,
  deletePlan,
  deployShop,
  patchPlanSpec,
  readAppliance,
  readPlan,
  waitForPhase,
  waitForWarning as waitForPlanWarning,
} from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

/** The sample plan's name: its children are named after it. */
const PLAN = 'shop-2026-11';

/** Faults of the objects the operator creates, by test namespace, kind and name. */
const STORAGE_FAULTS: Partial<Record<string, (kind: string, name: string) => Partial<StorageFaults> | undefined>> = {
  // The rollback test's checks fail once the clone serves: its observe Jobs fail.
  rollback: (kind, name) =>
    kind === 'Job' && name.includes('-observe-') ? { jobFailure: 'the updated shop answers 500' } : undefined,
  // maxRounds 1: round 1 is the pre-copy, round 2 the final delta inside the cut-over.
  'fail-final-sync': (kind, name) =>
    kind === 'Job' && name.endsWith('-r2') ? { syncFailure: 'permanent' } : undefined,
  'retain-clone': (kind, name) =>
    kind === 'Job' && name.includes('-verify-') ? { jobFailure: 'the updated shop answers 500' } : undefined,
  // The reverse delta of a rollback (round back1) fails.
  'fail-rollback': (kind, name) =>
    kind === 'Job' && name.endsWith('-back1') ? { syncFailure: 'permanent' } : undefined,
  // A volume snapshot of round 1 that never gets ready: the round never starts copying.
  'fail-sync-start': (kind, name) =>
    kind === 'VolumeSnapshot' && name.endsWith('-r1') ? { stepDelayMs: 3_600_000 } : undefined,
  // The final round's warm worker never gets a node: the original must never be stopped.
  'fail-final-sync-start': (kind, name) =>
    kind === 'Job' && name.endsWith('-r2') ? { unschedulable: true } : undefined,
  // A clone that takes far longer than the step timeout.
  'fail-clone-timeout': (kind) => (kind === 'VirtualMachineClone' ? { stepDelayMs: 3_600_000 } : undefined),
};

describe('MaintenancePlan failures, abort, one plan at a time, rollback', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  const custom = () => cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const list = async (ns: string, group: string, version: string, plural: string) =>
    ((await custom().listNamespacedCustomObject({ group, version, namespace: ns, plural })) as { items: KubeObject[] })
      .items;
  const annotate = (ns: string, path_: string, annotations: Record<string, string>) =>
    new RestClient(cluster.kubeConfig).request(path_.replace('{ns}', ns), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations } },
    });

  /** What a user checks after a failed or aborted maintenance: the original serves and nothing of the clone is left. */
  async function assertOriginalServesAlone(
    ns: string,
    planName: string,
    overwrittenBy: readonly string[] = [],
  ): Promise<void> {
    const appliance = await readAppliance(cluster.kubeConfig, ns);
    assert.equal(appliance.status?.activeSlot, 'blue');
    await waitFor(async () => ((await readAppliance(cluster.kubeConfig, ns)).status?.activePlan ?? '') === '', {
      what: 'the appliance lock released',
    });
    const vms = (await list(ns, 'kubevirt.io', 'v1', 'virtualmachines')) as VirtualMachine[];
    assert.deepEqual(vms.map((vm) => vm.metadata?.name).sort(), ['shop-app', 'shop-db', 'shop-web']);
    assert.ok(
      vms.every((vm) => vm.spec.runStrategy === 'Always' && vm.status?.ready === true),
      'the original VMs run',
    );
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const service of ['shop-web', 'shop-app', 'shop-db']) {
      assert.equal(
        (await core.readNamespacedService({ namespace: ns, name: service })).spec?.selector?.['vapp.dev/slot'],
        'blue',
      );
    }
    const byPlan = `vapp.dev/plan=${planName}`;
    assert.equal((await list(ns, 'clone.kubevirt.io', 'v1beta1', 'virtualmachineclones')).length, 0, 'no clone left');
    assert.equal(
      (await list(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots')).length,
      0,
      'no snapshot left',
    );
    assert.equal(
      (await core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: byPlan })).items.length,
      0,
      'no replica left',
    );
    assert.equal(
      (await core.listNamespacedService({ namespace: ns, labelSelector: byPlan })).items.length,
      0,
      'no preview Service left',
    );
    // Nothing leaked, KubeVirt's restored claims included: the namespace's claims are the shop's own.
    await waitFor(
      async () => {
        const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
        assert.deepEqual(
          claims.map((c) => c.metadata?.name),
          ['shop-db-pgdata'],
        );
        return true;
      },
      { what: 'the claims of the namespace to be those before the plan' },
    );
    // Every block the database wrote is on its own data volume (but for blocks the clone rewrote
    // while it served, which a rollback brings back).
    // The original serves and writes: a write counts once it has surely landed (a fast failure may need a moment).
    const ledger = await waitFor(
      async () => {
        const report = await verifyWritesCarriedOver(
          pvcFile(volumesDir, ns, 'shop-db-pgdata'),
          ledgerFile(volumesDir, ns, 'shop-db-pgdata'),
          { overwrittenBy, stillWriting: true },
        );
        return report.checked > 0 && report;
      },
      { what: 'writes of the workload to check' },
    );
    assert.deepEqual(ledger.missing, []);
  }

  const replicaOf = (plan: string) => planNames(plan).replica('db', 'pgdata');

  const patchSpec = (ns: string, plan: string, spec: Partial<MaintenancePlanInput['spec']>) =>
    patchPlanSpec(cluster.kubeConfig, ns, plan, spec);
  const requestRollback = (ns: string, plan: string) => patchSpec(ns, plan, { rollbackNow: true });
  const waitForWarning = (ns: string, plan: string, reason: string) =>
    waitForPlanWarning(cluster.kubeConfig, ns, plan, reason);

  /** The message of the plan's Normal Event `reason` (Events outlive the plan). */
  async function normalEvent(ns: string, plan: string, reason: string): Promise<string> {
    const events = await cluster.kubeConfig
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${plan}` });
    return events.items.find((e) => e.type === 'Normal' && e.reason === reason)?.message ?? `no Normal Event ${reason}`;
  }

  /** After a failed rollback: the clone serves, the original is stopped and kept, and the appliance stays locked meanwhile. */
  async function assertCloneServesOriginalKept(ns: string, name: string): Promise<void> {
    const appliance = await readAppliance(cluster.kubeConfig, ns);
    assert.deepEqual([appliance.status?.activeSlot, appliance.status?.activePlan], ['green', name]);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const service of ['shop-web', 'shop-app', 'shop-db']) {
      assert.equal(
        (await core.readNamespacedService({ namespace: ns, name: service })).spec?.selector?.['vapp.dev/slot'],
        'green',
        service,
      );
    }
    const vms = (await list(ns, 'kubevirt.io', 'v1', 'virtualmachines')) as VirtualMachine[];
    const byName = new Map(vms.map((vm) => [vm.metadata?.name, vm]));
    for (const member of ['db', 'app', 'web']) {
      assert.equal(byName.get(`${name}-${member}`)?.status?.ready, true, `the clone's ${member} runs`);
      assert.equal(
        byName.get(`shop-${member}`)?.spec.runStrategy,
        'Halted',
        `the original ${member} is stopped and kept`,
      );
    }
  }

  /** After a rollback: every block the clone wrote while it served is on the original's volume, and the original serves alone. */
  async function assertRolledBack(ns: string, plan: MaintenancePlan): Promise<void> {
    const name = plan.metadata.name ?? '';
    assert.ok((plan.status?.rollback?.bytes ?? 0) > 0, 'the clone wrote after the cut-over');
    assert.ok(plan.status?.rollback?.downtimeSeconds !== undefined);
    const report = await verifyWritesCarriedOver(
      pvcFile(volumesDir, ns, 'shop-db-pgdata'),
      ledgerFile(volumesDir, ns, replicaOf(name)),
      {
        until: new Date(plan.status?.rollback?.cloneStoppedAt ?? ''),
        overwrittenBy: [ledgerFile(volumesDir, ns, 'shop-db-pgdata')],
      },
    );
    assert.ok(report.checked > 0, 'writes of the clone checked');
    assert.deepEqual(report.missing, []);
    await assertOriginalServesAlone(ns, name, [ledgerFile(volumesDir, ns, replicaOf(name))]);
  }

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    // Faults on objects the operator creates (Jobs, clone VMs) are injected through the simulator's
    // options, by test namespace: they cannot be annotated beforehand.
    simulator = await startSimulator({
      kubeConfig: cluster.kubeConfig,
      readyDelayMs: 0,
      volumesDir,
      stepDelayMs: 0,
      storageFaults: (obj) => STORAGE_FAULTS[obj.metadata?.namespace ?? '']?.(obj.kind ?? '', obj.metadata?.name ?? ''),
      faults: (vm) =>
        vm.metadata?.namespace === 'fail-ready' && (vm.metadata.name ?? '').startsWith(PLAN)
          ? { neverReady: true }
          : undefined,
    });
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

  const noWindow =
    (observeSeconds = 0) =>
    (s: Parameters<Parameters<typeof applyPlan>[2]>[0]) => {
      delete s.window;
      return { ...s, rollback: { ...s.rollback, observeSeconds } };
    };

  /** The shop in `ns`, cut over and observed for ten minutes: the plan once Observing. */
  async function observingPlan(ns: string, workload: number): Promise<MaintenancePlan> {
    await deployShop(cluster.kubeConfig, ns, { workload });
    const name = await applyPlan(cluster.kubeConfig, ns, noWindow(600));
    return waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Observing', 120_000);
  }

  const vmPath = (name: string) => `/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachines/${name}`;
  const pvcPath = (name: string) => `/api/v1/namespaces/{ns}/persistentvolumeclaims/${name}`;
  /** A check Job whose Pod the simulator fails: the user's own check, annotated. */
  const failingCheck = {
    timeoutSeconds: 60,
    job: {
      template: {
        spec: {
          template: {
            metadata: { annotations: { [STORAGE_ANNOTATIONS.jobFailure]: 'the updated shop answers 500' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'smoke', image: 'shop-smoke:1' }] },
          },
        },
      },
    },
  };

  /** One pre-copy round: round 2 is the final delta, inside the cut-over. */
  const oneRound = { maxRounds: 1, convergedBelow: '64Mi', downtimeBudgetSeconds: 60 };

  /**
   * A failure in each step: where it is injected (an annotation on an original object as a user
   * would set it, the plan's own check, or the options above) and the reason it must end with.
   */
  const failures: {
    step: string;
    annotate?: [string, Record<string, string>];
    /** The failure comes before the downtime: the original is never stopped. */
    neverStopped?: boolean;
    /** What the Stalled condition's message must say. */
    message?: RegExp;
    plan?: Partial<MaintenancePlanInput['spec']>;
    failedStep: string;
    reason: string;
  }[] = [
    {
      step: 'snapshot',
      annotate: [vmPath('shop-db'), { [STORAGE_ANNOTATIONS.snapshotFailure]: 'disk is on fire' }],
      failedStep: 'Snapshot',
      reason: 'SnapshotFailed',
    },
    {
      step: 'quiesce',
      annotate: [vmPath('shop-db'), { [STORAGE_ANNOTATIONS.quiesceFailed]: 'true' }],
      failedStep: 'Snapshot',
      reason: 'SnapshotQuiesceTimeout',
    },
    {
      step: 'clone',
      annotate: [vmPath('shop-web'), { [STORAGE_ANNOTATIONS.cloneFailure]: 'true' }],
      failedStep: 'Clone',
      reason: 'CloneFailed',
    },
    { step: 'clone-timeout', failedStep: 'Clone', reason: 'CloneTimeout' },
    { step: 'ready', failedStep: 'Update', reason: 'CloneNotReady' },
    {
      step: 'update',
      annotate: [vmPath('shop-app'), { [STORAGE_ANNOTATIONS.updateFailure]: 'true' }],
      failedStep: 'Update',
      reason: 'UpdateJobFailed',
    },
    {
      step: 'level',
      annotate: [vmPath('shop-app'), { [STORAGE_ANNOTATIONS.updateNoEffect]: 'true' }],
      failedStep: 'Update',
      reason: 'LevelMismatch',
    },
    { step: 'verify', plan: { verify: failingCheck }, failedStep: 'Verify', reason: 'VerifyFailed' },
    {
      step: 'sync',
      annotate: [pvcPath('shop-db-pgdata'), { [STORAGE_ANNOTATIONS.syncFailure]: 'true' }],
      failedStep: 'Sync',
      reason: 'SyncFailed',
    },
    { step: 'sync-start', failedStep: 'Sync', reason: 'SyncTimeout' },
    { step: 'final-sync', plan: { dataSync: oneRound }, failedStep: 'CutOver', reason: 'SyncFailed' },
    {
      // Stop and start alone take longer than a second: the projection can never fit.
      step: 'downtime-budget',
      plan: { dataSync: { ...oneRound, maxRounds: 3, downtimeBudgetSeconds: 1 } },
      failedStep: 'Sync',
      reason: 'DowntimeBudgetExceeded',
      neverStopped: true,
      message: /projected downtime [\d.]+ s exceeds downtimeBudgetSeconds 1 s/,
    },
    {
      step: 'final-sync-start',
      plan: { dataSync: oneRound },
      failedStep: 'CutOver',
      reason: 'FinalSyncNotReady',
      neverStopped: true,
    },
  ];
  for (const { step, annotate: annotation, plan: planChanges, failedStep, reason, neverStopped, message } of failures) {
    it(`${/^[aeiou]/.test(step) ? 'an' : 'a'} ${step} failure ends in Failed (${reason}) with the original serving and no clone left`, async () => {
      const ns = `fail-${step}`;
      await deployShop(cluster.kubeConfig, ns, { workload: 20 });
      if (annotation !== undefined) await annotate(ns, annotation[0], annotation[1]);
      const name = await applyPlan(cluster.kubeConfig, ns, (s) => ({ ...noWindow()(s), ...planChanges }));
      const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Failed' || p === 'Succeeded');
      assert.equal(plan.status?.phase, 'Failed');
      const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
      assert.equal(stalled?.reason, reason, stalled?.message);
      assert.deepEqual(
        plan.status?.steps.filter((s) => s.state === 'Failed').map((s) => s.name),
        [failedStep],
        'status.steps names the failed step',
      );
      const warning = await waitForWarning(ns, name, reason);
      assert.ok(warning.startsWith(`${failedStep}: `), `the Warning Event ${reason} names ${failedStep}: ${warning}`);
      if (neverStopped === true)
        assert.equal(plan.status?.cutOver?.originalStoppedAt, undefined, 'the original was never stopped');
      if (message !== undefined) assert.match(stalled?.message ?? '', message);
      await assertOriginalServesAlone(ns, name);
    });
  }

  it('spec.abort before the cut-over ends in Aborted, with the original serving and no clone left', async () => {
    const ns = 'abort';
    await deployShop(cluster.kubeConfig, ns, { workload: 20 });
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => ({ ...noWindow()(s), approval: 'Manual' }));
    const waiting = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'AwaitingApproval');
    await patchSpec(ns, name, { approvedHash: waiting.status?.preview?.hash });
    await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Updating' || p === 'Verifying' || p === 'Syncing');
    await patchSpec(ns, name, { abort: true });
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Aborted');
    // An aborted plan ended without the update: Stalled (kstatus Failed), with the abort as the reason.
    assert.equal(plan.status?.conditions.find((c) => c.type === 'Stalled')?.reason, 'Aborted');
    await assertOriginalServesAlone(ns, name);
  });

  it('failedClonePolicy Retain keeps a failed clone for inspection, isolated, until the plan is deleted', async () => {
    const ns = 'retain-clone';
    await deployShop(cluster.kubeConfig, ns, { workload: 20 });
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => ({ ...noWindow()(s), failedClonePolicy: 'Retain' }));
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Failed' || p === 'Succeeded');
    assert.equal(plan.status?.conditions.find((c) => c.type === 'Stalled')?.reason, 'VerifyFailed');
    assert.match(plan.status?.steps.find((s) => s.name === 'Cleanup')?.message ?? '', /clone is kept for inspection/);
    assert.match(await waitForWarning(ns, name, 'CloneRetained'), /delete the plan to remove the clone/);
    // The original serves; the clone is there, isolated, and holds the appliance.
    const appliance = await readAppliance(cluster.kubeConfig, ns);
    assert.deepEqual([appliance.status?.activeSlot, appliance.status?.activePlan], ['blue', name]);
    const vms = (await list(ns, 'kubevirt.io', 'v1', 'virtualmachines')).map((vm) => vm.metadata?.name).sort();
    assert.deepEqual(vms, [`${name}-app`, `${name}-db`, `${name}-web`, 'shop-app', 'shop-db', 'shop-web']);
    assert.equal(
      (await list(ns, 'networking.k8s.io', 'v1', 'networkpolicies')).map((p) => p.metadata?.name).join(),
      planNames(name).networkPolicy,
    );
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    assert.equal(
      (await core.readNamespacedService({ namespace: ns, name: 'shop-web-preview' })).spec?.selector?.['vapp.dev/slot'],
      'green',
    );
    for (const service of ['shop-web', 'shop-app', 'shop-db']) {
      assert.equal(
        (await core.readNamespacedService({ namespace: ns, name: service })).spec?.selector?.['vapp.dev/slot'],
        'blue',
        service,
      );
    }
    await deletePlan(cluster.kubeConfig, ns, name);
    await assertOriginalServesAlone(ns, name);
  });

  it('deleting a plan before the cut-over removes the clone, as an abort does', async () => {
    const ns = 'delete-early';
    await deployShop(cluster.kubeConfig, ns, { workload: 20 });
    const name = await applyPlan(cluster.kubeConfig, ns, noWindow());
    await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Updating' || p === 'Verifying' || p === 'Syncing');
    await deletePlan(cluster.kubeConfig, ns, name);
    await assertOriginalServesAlone(ns, name);
    assert.equal(
      await normalEvent(ns, name, 'Deleted'),
      'the plan was deleted before its cut-over: the clone was removed and the original serves',
    );
  });

  it('deleting a plan after the cut-over keeps the clone serving and releases the original', async () => {
    const ns = 'delete-late';
    const observing = await observingPlan(ns, 20);
    const name = observing.metadata.name ?? '';
    await deletePlan(cluster.kubeConfig, ns, name);
    const appliance = await readAppliance(cluster.kubeConfig, ns);
    assert.deepEqual(
      [appliance.status?.activeSlot, appliance.status?.activePlan ?? ''],
      ['green', ''],
      'the clone serves; the appliance is free',
    );
    const vms = (await list(ns, 'kubevirt.io', 'v1', 'virtualmachines')) as VirtualMachine[];
    assert.deepEqual(
      vms.map((vm) => vm.metadata?.name).sort(),
      [`${name}-app`, `${name}-db`, `${name}-web`],
      'the original VMs were released',
    );
    assert.equal(
      (await list(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots')).length,
      0,
      'no snapshot left',
    );
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    assert.equal(
      (await core.readNamespacedService({ namespace: ns, name: 'shop-web' })).spec?.selector?.['vapp.dev/slot'],
      'green',
    );
    await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'shop-db-pgdata' }); // user data is never deleted
    const data = await verifyCutOverData(volumesDir, observing);
    assert.ok(data.checked > 0);
    assert.deepEqual(data.missing, []);
    assert.match(await normalEvent(ns, name, 'Deleted'), /retained original was released/);
  });

  it('a failed check after the cut-over rolls back: the writes the clone accepted come back to the original', async () => {
    const ns = 'rollback';
    await deployShop(cluster.kubeConfig, ns, { workload: 40 });
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => ({
      ...noWindow(5)(s),
      verify: { timeoutSeconds: 60, httpGet: { service: 'shop-web', path: '/healthz', port: 80 } },
    }));
    const plan = await waitForPhase(
      cluster.kubeConfig,
      ns,
      name,
      (p) => p === 'RolledBack' || p === 'Succeeded' || p === 'Failed',
      120_000,
    );
    assert.equal(plan.status?.phase, 'RolledBack', plan.status?.conditions.find((c) => c.type === 'Ready')?.message);
    const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.reason, 'ObserveFailed');
    assert.match(
      stalled?.message ?? '',
      /check .*-observe-\d+ failed \(GET http:\/\/shop-web\.rollback\.svc:80\/healthz\)/,
    );
    await assertRolledBack(ns, plan);
  });

  it('spec.rollbackNow while observing rolls back at once', async () => {
    const ns = 'rollback-now';
    const name = (await observingPlan(ns, 40)).metadata.name ?? '';
    // An abort is too late now: refused with the reason, and the plan goes on observing.
    await patchSpec(ns, name, { abort: true });
    assert.match(await waitForWarning(ns, name, 'AbortRefused'), /rolling back is the way back/);
    await requestRollback(ns, name);
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'RolledBack' || p === 'Failed', 120_000);
    assert.equal(plan.status?.phase, 'RolledBack', plan.status?.conditions.find((c) => c.type === 'Ready')?.message);
    assert.equal(plan.status?.steps.find((s) => s.name === 'Observe')?.state, 'Skipped');
    await assertRolledBack(ns, plan);
  });

  it('spec.rollbackNow after success rolls back to the retained original', async () => {
    const ns = 'rollback-later';
    await deployShop(cluster.kubeConfig, ns, { workload: 40 });
    const name = await applyPlan(cluster.kubeConfig, ns, noWindow(0));
    const succeeded = await waitForPhase(
      cluster.kubeConfig,
      ns,
      name,
      (p) => p === 'Succeeded' || p === 'Failed',
      120_000,
    );
    assert.equal(succeeded.status?.phase, 'Succeeded');
    // The clone serves and writes for a moment before the rollback is asked for.
    await waitFor(
      async () =>
        (
          await verifyWritesCarriedOver(
            pvcFile(volumesDir, ns, replicaOf(name)),
            ledgerFile(volumesDir, ns, replicaOf(name)),
          )
        ).checked >= 20,
      { what: 'writes on the clone' },
    );
    await requestRollback(ns, name);
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'RolledBack' || p === 'Failed', 120_000);
    assert.equal(plan.status?.phase, 'RolledBack', plan.status?.conditions.find((c) => c.type === 'Ready')?.message);
    assert.equal(
      plan.status?.steps.find((s) => s.name === 'Release')?.state,
      'Skipped',
      'the original was not released',
    );
    await assertRolledBack(ns, plan);
  });

  it('an original that does not come back fails the rollback, and the clone serves again', async () => {
    const ns = 'fail-rollback-start';
    const name = (await observingPlan(ns, 20)).metadata.name ?? '';
    // The stopped original's app VM will not become ready when the rollback starts it.
    await annotate(ns, vmPath('shop-app'), { [SIM_ANNOTATIONS.neverReady]: 'true' });
    await requestRollback(ns, name);
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Failed' || p === 'RolledBack', 120_000);
    assert.equal(plan.status?.phase, 'Failed');
    assert.match(
      plan.status?.conditions.find((c) => c.type === 'Stalled')?.message ?? '',
      /^Rollback: the original did not become ready within the step timeout/,
    );
    await assertCloneServesOriginalKept(ns, name);
  });

  it('a failed rollback restarts the clone, which has every write, and keeps the original for repair', async () => {
    const ns = 'fail-rollback';
    const name = (await observingPlan(ns, 40)).metadata.name ?? '';
    await requestRollback(ns, name);
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Failed' || p === 'RolledBack', 120_000);
    assert.equal(plan.status?.phase, 'Failed');
    const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.reason, 'RollbackFailed');
    assert.match(
      stalled?.message ?? '',
      /^Rollback: .+; the rollback failed, so the clone, which has every write, serves again and the original is retained$/,
    );
    assert.deepEqual(
      ['Rollback', 'Cleanup'].map((step) => plan.status?.steps.find((s) => s.name === step)?.state),
      ['Failed', 'Succeeded'],
    );
    await assertCloneServesOriginalKept(ns, name);
    const data = await verifyCutOverData(volumesDir, plan);
    assert.ok(data.checked > 0);
    assert.deepEqual(data.missing, []);
    assert.match(await waitForWarning(ns, name, 'RollbackFailed'), /restarting the clone/);
    // Once repaired by hand, deleting the plan releases the retained original and frees the appliance.
    await deletePlan(cluster.kubeConfig, ns, name);
    assert.equal((await readAppliance(cluster.kubeConfig, ns)).status?.activePlan ?? '', '');
    const left = (await list(ns, 'kubevirt.io', 'v1', 'virtualmachines')).map((vm) => vm.metadata?.name).sort();
    assert.deepEqual(left, [`${name}-app`, `${name}-db`, `${name}-web`]);
  });

  it('a second plan for the same appliance waits in Pending, naming the first', async () => {
    const ns = 'two-plans';
    await deployShop(cluster.kubeConfig, ns);
    const first = await applyPlan(cluster.kubeConfig, ns, (s) => ({ ...noWindow()(s), approval: 'Manual' }));
    await waitForPhase(cluster.kubeConfig, ns, first, (p) => p === 'AwaitingApproval');
    const sample = { ...(await readPlan(cluster.kubeConfig, ns, first)) };
    await new RestClient(cluster.kubeConfig).request(`/apis/vapp.dev/v1alpha1/namespaces/${ns}/maintenanceplans`, {
      method: 'POST',
      body: {
        apiVersion: 'vapp.dev/v1alpha1',
        kind: 'MaintenancePlan',
        metadata: { name: 'second' },
        spec: { appliance: 'shop', components: sample.spec.components },
      },
    });
    const second = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, 'second');
        const ready = p.status?.conditions.find((c) => c.type === 'Ready');
        return ready?.reason === 'WaitingForPlan' && p;
      },
      { what: 'the second plan to wait' },
    );
    assert.equal(second.status?.phase ?? 'Pending', 'Pending');
    assert.match(
      second.status?.conditions.find((c) => c.type === 'Ready')?.message ?? '',
      new RegExp(`plan ${first} is working on appliance shop`),
    );
    // Deleting the first frees the appliance: the second goes on.
    await deletePlan(cluster.kubeConfig, ns, first);
    await waitForPhase(cluster.kubeConfig, ns, 'second', (p) => p !== undefined && p !== 'Pending');
  });
});
