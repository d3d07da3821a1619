// Maintenances on a sandbox as strict as a real cluster (KubeVirt's admission rules as policies, a
// CSI driver with classes): the shapes of member VMs a real cluster has, each ending Succeeded with
// verified data or refused in Planning with a named reason, and nothing leaked. The maintenances of
// one sandbox run at once, each in its namespace; each `it` checks its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { MaintenancePlan, MaintenancePlanInput } from '../../../src/api/v1alpha1/index.ts';
import type { VirtualMachine, VirtualMachineSnapshot } from '../../../src/kubevirt/types.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { verifyCutOverData } from '../../../src/sandbox/demo/data-check.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { SANDBOX_STORAGE_CLASSES } from '../../../src/sandbox/thirdparty/storage-classes.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { applyPlan, deployShop, readPlan, waitForPhase } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const PLAN = 'shop-2026-11';
type Spec = MaintenancePlanInput['spec'];
type Obj = KubeObject & { spec?: Record<string, unknown> };

/** The plan of every case: no window, a short observation, the original released soon after. */
const quick = (s: Spec): Spec => {
  delete s.window;
  return { ...s, rollback: { ...s.rollback, observeSeconds: 0, retainOriginalFor: '2s' } };
};

/** The sample's VM `name`, changed by `edit`. */
const vm = (name: string, edit: (vm: VirtualMachine) => void) => (objects: KubeObject[]) =>
  objects.map((o) => {
    if (o.kind !== 'VirtualMachine' || o.metadata?.name !== name) return o;
    const copy = structuredClone(o) as unknown as VirtualMachine;
    edit(copy);
    return copy;
  });
describe('real-cluster fidelity: member VMs as a real cluster has them', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  const custom = () => cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = () => cluster.kubeConfig.makeApiClient(CoreV1Api);
  const claims = async (ns: string) => (await core().listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
  const vms = async (ns: string) =>
    (
      (await custom().listNamespacedCustomObject({
        group: 'kubevirt.io',
        version: 'v1',
        namespace: ns,
        plural: 'virtualmachines',
      })) as { items: VirtualMachine[] }
    ).items;
  /** The plan of `ns` once it ended, and once its original is released when it succeeded. */
  const ended = async (ns: string) => {
    const plan = await waitForPhase(cluster.kubeConfig, ns, PLAN, (p) => p === 'Succeeded' || p === 'Failed', 180_000);
    if (plan.status?.phase !== 'Succeeded' || plan.status.cutOver === undefined) return plan;
    return waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, PLAN);
        return p.status?.steps.find((s) => s.name === 'Release')?.state === 'Succeeded' && p;
      },
      { what: `the release of ${ns}'s original`, timeoutMs: 60_000 },
    );
  };
  const cases = new Map<string, Promise<{ plan: MaintenancePlan; before: number; extra?: unknown }>>();

  /** Deploys the shop in `ns`, runs the plan and resolves when it ended (and released). */
  function maintenance(
    ns: string,
    opts: {
      adapt?: (o: KubeObject[]) => KubeObject[];
      /** Runs once the shop serves, before the plan is applied. */
      beforePlan?: () => Promise<unknown>;
      during?: () => Promise<unknown>;
      beforeAppliance?: boolean;
    } = {},
  ) {
    const run = (async () => {
      await deployShop(cluster.kubeConfig, ns, {
        workload: 20,
        ...(opts.adapt ? { adapt: opts.adapt } : {}),
        ...(opts.beforeAppliance ? { beforeAppliance: () => allRunning(ns) } : {}),
      });
      const before = (await claims(ns)).length;
      if (opts.beforePlan) await opts.beforePlan();
      await applyPlan(cluster.kubeConfig, ns, quick);
      const extra = opts.during ? await opts.during() : undefined;
      return { plan: await ended(ns), before, extra };
    })();
    run.catch(() => undefined);
    cases.set(ns, run);
  }

  /** Every VM of the namespace runs (its VMI is Running). */
  const allRunning = (ns: string) =>
    waitFor(
      async () => {
        const list = await vms(ns);
        return list.length === 3 && list.every((v) => v.status?.printableStatus === 'Running');
      },
      { what: `the VMs of ${ns} running`, timeoutMs: 60_000 },
    );

  /**
   * While the plan updates, verifies and syncs: whether the clone's NetworkPolicy selects every
   * launcher Pod of the new slot and none of the old, sampled as long as those phases last.
   */
  async function isolationSamples(ns: string): Promise<{ samples: number; violations: string[] }> {
    const net = cluster.kubeConfig.makeApiClient(NetworkingV1Api);
    const violations: string[] = [];
    let samples = 0;
    for (;;) {
      const phase = (await readPlan(cluster.kubeConfig, ns, PLAN)).status?.phase;
      if (phase === 'CuttingOver' || phase === 'Observing' || phase === 'Succeeded' || phase === 'Failed') break;
      if (phase === 'Updating' || phase === 'Verifying' || phase === 'Syncing') {
        const policy = (await net.listNamespacedNetworkPolicy({ namespace: ns })).items.find((p) =>
          p.metadata?.name?.endsWith('-isolate'),
        );
        const selector = policy?.spec?.podSelector?.matchLabels ?? {};
        const selects = (labels: Record<string, string> = {}) =>
          Object.entries(selector).every(([k, v]) => labels[k] === v) && Object.keys(selector).length > 0;
        const pods = (await core().listNamespacedPod({ namespace: ns, labelSelector: 'kubevirt.io=virt-launcher' }))
          .items;
        for (const pod of pods.filter((p) => p.metadata?.deletionTimestamp === undefined)) {
          const clone = (pod.metadata?.labels?.['vm.kubevirt.io/name'] ?? '').startsWith(PLAN);
          if (clone !== selects(pod.metadata?.labels)) {
            violations.push(
              `${phase}: ${clone ? 'clone' : 'original'} Pod ${pod.metadata?.name ?? ''} ${clone ? 'not ' : ''}isolated`,
            );
          }
        }
        samples++;
      }
      await new Promise((r) => setTimeout(r, 100)); // a sampling period, not a synchronisation
    }
    return { samples, violations };
  }

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({
      kubeConfig: cluster.kubeConfig,
      readyDelayMs: 300,
      volumesDir,
      stepDelayMs: 50,
    });
    operator = await startSandboxOperator(cluster, {
      controllers: { maintenance: { observeIntervalMs: 500, stepTimeoutMs: 60_000 } },
    });
    // Deprecated spec.running on the database (KubeVirt refuses it beside a runStrategy).
    maintenance('running', {
      adapt: vm('shop-db', (v) => {
        delete v.spec.runStrategy;
        v.spec.running = true;
      }),
    });
    // The database's data volume comes from a dataVolumeTemplate (its PVC is the DataVolume's).
    maintenance('dv-template', {
      adapt: vm('shop-db', (v) => {
        const volume = v.spec.template.spec?.volumes?.find((x) => x.name === 'pgdata');
        if (volume) {
          delete volume.persistentVolumeClaim;
          volume.dataVolume = { name: 'shop-db-pgdata' };
        }
        v.spec.dataVolumeTemplates = [
          {
            metadata: { name: 'shop-db-pgdata' },
            spec: { storage: { resources: { requests: { storage: '64Mi' } } }, source: { blank: {} } },
          },
        ];
      }),
    });
    // The samples' readiness probes on two members; the third has none (a warning in the preview).
    maintenance('probes', {
      adapt: vm('shop-web', (v) => {
        if (v.spec.template.spec) delete v.spec.template.spec.readinessProbe;
      }),
    });
    // A driver that rounds capacity up to whole GiB and whose snapshot class is not the default.
    maintenance('block-storage', {
      adapt: (objects) =>
        objects.map((o) =>
          o.kind === 'PersistentVolumeClaim'
            ? ({ ...o, spec: { ...(o as Obj).spec, storageClassName: SANDBOX_STORAGE_CLASSES.block } } as KubeObject)
            : o,
        ),
    });
    // A driver whose snapshots of the data volume report an error once, then succeed on the retry.
    maintenance('transient-snapshot', {
      adapt: (objects) =>
        objects.map((o) =>
          o.kind === 'PersistentVolumeClaim'
            ? {
                ...o,
                metadata: { ...o.metadata, annotations: { 'sim.vapp.dev/snapshot-transient-error': 'driver busy' } },
              }
            : o,
        ),
    });
    // The user expands the database's data volume while the plan syncs it.
    maintenance('expanded', {
      during: async () => {
        await waitFor(async () => (await claims('expanded')).some((c) => c.metadata?.name === `${PLAN}-db-pgdata`), {
          what: 'the replica',
          timeoutMs: 120_000,
        });
        await core().patchNamespacedPersistentVolumeClaim(
          {
            namespace: 'expanded',
            name: 'shop-db-pgdata',
            body: { spec: { resources: { requests: { storage: '96Mi' } } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      },
    });
    // A user's backup of the database, still in progress when the plan starts (it holds the VM's lock).
    maintenance('user-snapshot', {
      beforePlan: async () => {
        await new RestClient(cluster.kubeConfig).request(
          '/apis/snapshot.kubevirt.io/v1beta1/namespaces/user-snapshot/virtualmachinesnapshots',
          {
            method: 'POST',
            body: {
              apiVersion: 'snapshot.kubevirt.io/v1beta1',
              kind: 'VirtualMachineSnapshot',
              // Held (a long step) until the plan's Snapshot step has started, then let go.
              metadata: { name: 'nightly-backup', annotations: { 'sim.vapp.dev/step-delay-ms': '600000' } },
              spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'shop-db' } },
            },
          },
        );
        await waitFor(
          async () =>
            (await vms('user-snapshot')).find((v) => v.metadata?.name === 'shop-db')?.status?.snapshotInProgress ===
            'nightly-backup',
          { what: "the user's snapshot holding shop-db" },
        );
      },
      during: async () => {
        await waitFor(
          async () =>
            (await readPlan(cluster.kubeConfig, 'user-snapshot', PLAN)).status?.steps.find((s) => s.name === 'Snapshot')
              ?.startedAt !== undefined,
          { what: "the plan's Snapshot step started", timeoutMs: 120_000 },
        );
        await new RestClient(cluster.kubeConfig).request(
          '/apis/snapshot.kubevirt.io/v1beta1/namespaces/user-snapshot/virtualmachinesnapshots/nightly-backup',
          {
            method: 'PATCH',
            contentType: 'application/merge-patch+json',
            body: { metadata: { annotations: { 'sim.vapp.dev/step-delay-ms': '0' } } },
          },
        );
      },
    });
    // VMs that ran before the appliance adopted them: their start-time spec has no appliance labels.
    maintenance('adopted-running', {
      beforeAppliance: true,
      adapt: (objects) =>
        objects.map((o) => {
          if (o.kind !== 'VirtualMachine') return o;
          const copy = structuredClone(o) as unknown as VirtualMachine;
          const labels = Object.entries(copy.spec.template.metadata?.labels ?? {}).filter(
            ([k]) => !k.startsWith('vapp.dev/'),
          );
          copy.spec.template.metadata = { ...copy.spec.template.metadata, labels: Object.fromEntries(labels) };
          return copy;
        }),
      during: () => isolationSamples('adopted-running'),
    });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(volumesDir, { recursive: true, force: true });
  });

  /** What every successful case shows: Succeeded, every write on the clone, nothing leaked. */
  async function assertSucceeded(ns: string): Promise<{ plan: MaintenancePlan; extra?: unknown }> {
    const { plan, before, extra } = await (cases.get(ns) ?? Promise.reject(new Error(`no case ${ns}`)));
    assert.equal(plan.status?.phase, 'Succeeded', plan.status?.conditions.find((c) => c.type === 'Ready')?.message);
    const ledger = await verifyCutOverData(volumesDir, plan);
    assert.ok(ledger.checked > 0, 'the workload wrote');
    assert.deepEqual(ledger.missing, []);
    // The original's claim stays (user data) and the replica serves: one claim more, none leaked.
    const names = (await claims(ns)).map((c) => c.metadata?.name).sort();
    assert.equal(names.length, before + 1, `claims after the release: ${names.join(', ')}`);
    return { plan, extra };
  }

  it('a member using the deprecated spec.running is cloned (running false), started and cut over', async () => {
    await assertSucceeded('running');
    const clone = (await vms('running')).find((v) => v.metadata?.name === `${PLAN}-db`);
    assert.equal(clone?.spec.runStrategy, 'Always');
    assert.equal(clone?.spec.running, undefined, 'never running beside a runStrategy');
  });

  it('a data volume from a dataVolumeTemplate: the clone drops the renamed template with its volume at the cut-over', async () => {
    await assertSucceeded('dv-template');
    const clone = (await vms('dv-template')).find((v) => v.metadata?.name === `${PLAN}-db`);
    const volume = clone?.spec.template.spec?.volumes?.find((v) => v.name === 'pgdata');
    assert.equal(volume?.persistentVolumeClaim?.claimName, `${PLAN}-db-pgdata`);
    assert.deepEqual(clone?.spec.dataVolumeTemplates ?? [], [], 'no template left that no volume refers to');
  });

  it('members with a readinessProbe wait for their guest; one without is planned with a warning and an Event', async () => {
    const { plan } = await assertSucceeded('probes');
    assert.deepEqual(
      (plan.status?.preview?.warnings ?? []).map((w) => w.split(':')[0]),
      ['member web'],
    );
    const events = await core().listNamespacedEvent({
      namespace: 'probes',
      fieldSelector: `involvedObject.name=${PLAN}`,
    });
    assert.ok(
      events.items.some(
        (e) =>
          e.type === 'Warning' && e.reason === 'PlanWarning' && /shop-web has no readinessProbe/.test(e.message ?? ''),
      ),
    );
  });

  it('a driver that rounds capacity up, with a snapshot class that is not the default: claims sized for the snapshot, rounds in the class KubeVirt chose', async () => {
    const { plan } = await assertSucceeded('block-storage');
    const replica = (await claims('block-storage')).find((c) => c.metadata?.name === `${PLAN}-db-pgdata`);
    assert.equal(replica?.spec?.resources?.requests?.storage, '1Gi', 'at least the restoreSize');
    assert.equal(replica?.metadata?.annotations?.['vapp.dev/snapshot-class'], 'sandbox-block-snapshots');
    assert.ok((plan.status?.syncRounds.length ?? 0) >= 2);
  });

  it("a user's VirtualMachineSnapshot of a member in progress at the start: the plan's snapshot waits for it, both succeed", async () => {
    const { plan } = await assertSucceeded('user-snapshot');
    const snapshots = await new RestClient(cluster.kubeConfig).request<{ items: VirtualMachineSnapshot[] }>(
      '/apis/snapshot.kubevirt.io/v1beta1/namespaces/user-snapshot/virtualmachinesnapshots',
    );
    const backup = snapshots.items.find((s) => s.metadata?.name === 'nightly-backup');
    assert.equal(backup?.status?.phase, 'Succeeded', "the user's snapshot is not disturbed");
    const backupDone = Date.parse(backup.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
    const step = plan.status?.steps.find((s) => s.name === 'Snapshot');
    assert.ok(Date.parse(step?.startedAt ?? '') <= backupDone, 'the Snapshot step started while the backup ran');
    assert.ok(backupDone <= Date.parse(step?.finishedAt ?? ''), 'and finished after it');
  });

  it('VolumeSnapshot errors the snapshot controller retries: the rounds wait for the retry and the plan succeeds', async () => {
    const { plan } = await assertSucceeded('transient-snapshot');
    assert.ok((plan.status?.syncRounds.length ?? 0) >= 1);
  });

  it('a data volume expanded while the plan syncs it: the replica grows with it and holds every write', async () => {
    await assertSucceeded('expanded');
    const replica = (await claims('expanded')).find((c) => c.metadata?.name === `${PLAN}-db-pgdata`);
    assert.equal(replica?.spec?.resources?.requests?.storage, '96Mi');
    assert.equal(replica?.status?.capacity?.storage, '96Mi');
  });

  it('VMs adopted while running: the clone is isolated through update, verify and sync', async () => {
    const { extra } = await assertSucceeded('adopted-running');
    const { samples, violations } = extra as { samples: number; violations: string[] };
    assert.ok(samples > 0, 'the isolation was sampled');
    assert.deepEqual(violations, []);
  });
});

describe('real-cluster fidelity: refused in planning', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;

  before(async () => {
    // A KubeVirt whose Snapshot feature gate is off (the default up to 1.8).
    cluster = await startTestCluster({ kubevirt: { snapshotGate: false } });
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster);
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(volumesDir, { recursive: true, force: true });
  });

  const refused = async (kc: KubeConfig, ns: string) => {
    await applyPlan(kc, ns, quick);
    const plan = await waitForPhase(kc, ns, PLAN, (p) => p === 'Failed' || p === 'Snapshotting' || p === 'Succeeded');
    return plan;
  };

  it('the Snapshot feature gate off: Failed in Planning, saying to enable it, with nothing created', async () => {
    await deployShop(cluster.kubeConfig, 'no-gate');
    const plan = await refused(cluster.kubeConfig, 'no-gate');
    assert.equal(plan.status?.phase, 'Failed');
    const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.reason, 'SnapshotsRefused');
    assert.match(stalled?.message ?? '', /snapshot feature gate not enabled.*enable the Snapshot feature gate/);
    const snapshots = await new RestClient(cluster.kubeConfig).request<{ items: unknown[] }>(
      '/apis/snapshot.kubevirt.io/v1beta1/namespaces/no-gate/virtualmachinesnapshots',
    );
    assert.equal(snapshots.items.length, 0);
  });

  it('a member with a persistent TPM: Failed in Planning, as KubeVirt cannot clone it', async () => {
    await deployShop(cluster.kubeConfig, 'tpm', {
      adapt: vm('shop-app', (v) => {
        if (v.spec.template.spec) v.spec.template.spec.domain.devices.tpm = { persistent: true };
      }),
    });
    const plan = await refused(cluster.kubeConfig, 'tpm');
    assert.equal(plan.status?.conditions.find((c) => c.type === 'Stalled')?.reason, 'BackendStorageUnsupported');
    assert.match(
      plan.status?.conditions.find((c) => c.type === 'Stalled')?.message ?? '',
      /member app: VM shop-app keeps a persistent TPM/,
    );
  });
});
