// The whole maintenance, end to end, on the sandbox: the real control plane, the KubeVirt
// simulator (VMs, volumes as files, snapshots, clones, Jobs, a writing workload) and the operator
// under its shipped RBAC, with an injected clock for the maintenance window.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { MaintenancePlan, MaintenancePlanInput } from '../../../src/api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../../src/kubevirt/types.ts';
import { planNames } from '../../../src/controllers/maintenance/names.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { verifyCutOverData } from '../../../src/sandbox/demo/data-check.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import {
  applyPlan,
  deployShop,
  patchPlanSpec,
  readAppliance,
  readPlan,
  waitForPhase,
  waitForWarning,
} from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);

describe('MaintenancePlan end to end', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  /** The operator's clock: real time shifted by `shiftMs`. */
  let shiftMs = 0;
  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 120_000 });
  const vms = (namespace: string) =>
    cluster.kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: 'kubevirt.io',
      version: 'v1',
      namespace,
      plural: 'virtualmachines',
    }) as Promise<{ items: VirtualMachine[] }>;
  const count = async (namespace: string, group: string, version: string, plural: string) =>
    (
      (await cluster.kubeConfig
        .makeApiClient(CustomObjectsApi)
        .listNamespacedCustomObject({ group, version, namespace, plural })) as { items: unknown[] }
    ).items.length;
  /** Makes the operator look at a plan again now (after moving its clock). */
  const poke = (namespace: string, name: string) =>
    new RestClient(cluster.kubeConfig).request(
      `/apis/vapp.dev/v1alpha1/namespaces/${namespace}/maintenanceplans/${name}`,
      {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { 'test/poke': String(Date.now()) } } },
      },
    );

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster, {
      controllers: { maintenance: { now: () => new Date(Date.now() + shiftMs), observeIntervalMs: 1_000 } },
    });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(volumesDir, { recursive: true, force: true });
  });

  it('updates the appliance: Services on the new slot, old slot stopped, target levels, no write lost', async () => {
    const ns = 'happy';
    await deployShop(cluster.kubeConfig, ns, { workload: 40 });
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => {
      delete s.window;
      return { ...s, verify: { timeoutSeconds: 60 }, rollback: { ...s.rollback, observeSeconds: 2 } };
    });
    // What a user runs: kubectl wait returns once the plan is Ready.
    await kubectl('wait', '-n', ns, '--for=condition=Ready', `mplan/${name}`, '--timeout=120s');
    const plan = await readPlan(cluster.kubeConfig, ns, name);
    assert.equal(plan.status?.phase, 'Succeeded');
    assert.deepEqual(
      plan.status?.preview?.updates.map((u) => [u.member, u.component, u.from, u.to]),
      [
        ['db', 'postgres', '16.2.0', '16.4.0'],
        ['app', 'shop', '2.3.1', '2.4.0'],
      ],
    );
    assert.deepEqual(
      plan.status?.preview?.unchanged.map((u) => [u.member, u.component, u.level]),
      [['web', 'nginx', '1.26.2']],
    );
    assert.ok((plan.status?.syncRounds.length ?? 0) >= 2, 'pre-copy rounds plus the final round');
    assert.ok(plan.status?.downtimeSeconds !== undefined && plan.status.downtimeSeconds >= 0);
    // Every round says what it read and wrote; the final one (read straight from the stopped
    // original by a warm worker) compared the volumes, and the downtime's parts add up to it.
    for (const r of plan.status.syncRounds) {
      assert.equal(r.rangesSource, 'Compare');
      assert.equal(r.bytesWritten, r.bytes);
      assert.ok((r.bytesRead ?? 0) >= r.bytes);
    }
    assert.equal(plan.status.cutOver?.finalRound, plan.status.syncRounds.at(-1)?.round);
    const parts = plan.status.cutOver?.downtime;
    assert.ok(parts !== undefined, 'the downtime broken down');
    const total = Object.values(parts).reduce((a, v) => a + v, 0);
    assert.ok(
      Math.abs(total - plan.status.downtimeSeconds) < 0.01,
      `${String(total)} vs ${String(plan.status.downtimeSeconds)}`,
    );
    assert.ok(parts.ready > 0, 'the clone took time to get ready');
    // The downtime was projected from the pre-copy rounds and the clone's measured start, within the budget.
    const projection = plan.status.projection;
    assert.ok(projection !== undefined, 'status.projection');
    assert.equal(projection.budgetSeconds, 60);
    assert.equal(projection.startMeasured, true);
    assert.ok(projection.seconds <= projection.budgetSeconds, `${String(projection.seconds)} s projected`);

    const appliance = await readAppliance(cluster.kubeConfig, ns);
    assert.equal(appliance.status?.activeSlot, 'green');
    const levels = Object.fromEntries(
      (appliance.status?.members ?? []).flatMap((m) => m.components.map((c) => [`${m.name}/${c.name}`, c.level])),
    );
    assert.deepEqual(levels, { 'db/postgres': '16.4.0', 'app/shop': '2.4.0', 'web/nginx': '1.26.2' });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const service of ['shop-web', 'shop-app', 'shop-db']) {
      const svc = await core.readNamespacedService({ namespace: ns, name: service });
      assert.equal(svc.spec?.selector?.['vapp.dev/slot'], 'green', service);
    }
    const bySlot = (await vms(ns)).items.map((vm) => [
      vm.metadata?.labels?.['vapp.dev/slot'],
      vm.spec.runStrategy,
      vm.status?.ready === true,
    ]);
    assert.deepEqual(
      bySlot.filter(([slot]) => slot === 'blue').map(([, rs, ready]) => [rs, ready]),
      [
        ['Halted', false],
        ['Halted', false],
        ['Halted', false],
      ],
    );
    assert.deepEqual(
      bySlot.filter(([slot]) => slot === 'green').map(([, rs, ready]) => [rs, ready]),
      [
        ['Always', true],
        ['Always', true],
        ['Always', true],
      ],
    );

    // Every block the database wrote before the final snapshot is on the clone's data volume; the
    // snapshot was cut after the original was told to stop.
    assert.ok(
      Date.parse(plan.status?.cutOver?.finalSnapshotAt ?? '') >
        Date.parse(plan.status?.cutOver?.originalStoppedAt ?? ''),
    );
    const ledger = await verifyCutOverData(volumesDir, plan);
    assert.ok(ledger.checked > 0, 'the workload wrote');
    assert.deepEqual(ledger.missing, []);

    // kubectl shows the columns and the Events.
    const { stdout: table } = await kubectl('get', 'mplan', '-n', ns);
    assert.match(table, /NAME\s+APPLIANCE\s+PHASE\s+PROGRESS\s+DOWNTIME/);
    assert.match(table, new RegExp(`${name}\\s+shop\\s+Succeeded\\s+\\d+/\\d+`));
    const { stdout: described } = await kubectl('describe', 'mplan', '-n', ns, name);
    for (const reason of ['Admitted', 'Planned', 'Snapshotted', 'WindowOpen|DataSynced', 'Succeeded'])
      assert.match(described, new RegExp(`Normal\\s+(${reason})`));

    // Prometheus sees the plan by phase, its cut-over, downtime and synced bytes.
    const metrics = await (await fetch(operator.metricsUrl)).text();
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
    assert.ok(value('vapp_maintenance_plans{phase="Succeeded"}') >= 1, 'a Succeeded plan counted');
    assert.ok(value('vapp_maintenance_phase_transitions_total{from="CuttingOver",to="Observing"}') >= 1);
    assert.ok(value('vapp_maintenance_downtime_seconds_count') >= 1);
    assert.ok(value('vapp_maintenance_downtime_part_seconds_count{part="finalDelta"}') >= 1);
    assert.ok(value('vapp_maintenance_synced_bytes_total') > 0);
  });

  it('releases the stopped original after retainOriginalFor, and frees the appliance for the next plan', async () => {
    const ns = 'release';
    await deployShop(cluster.kubeConfig, ns);
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => {
      delete s.window;
      return { ...s, rollback: { ...s.rollback, observeSeconds: 0, retainOriginalFor: '2s' } };
    });
    const released = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        return p.status?.steps.find((x) => x.name === 'Release')?.state === 'Succeeded' && p;
      },
      { what: 'the Release step', timeoutMs: 90_000 },
    );
    assert.equal(released.status?.phase, 'Succeeded');
    const names = (await vms(ns)).items.map((vm) => vm.metadata?.name).sort();
    assert.deepEqual(names, [`${name}-app`, `${name}-db`, `${name}-web`], 'only the updated VMs remain');
    assert.equal(await count(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots'), 0);
    assert.equal(await count(ns, 'clone.kubevirt.io', 'v1beta1', 'virtualmachineclones'), 0);
    // Of what the plan made, only the replica the clone runs on stays.
    const byPlan = { namespace: ns, labelSelector: `vapp.dev/plan=${name}` };
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await waitFor(
      async () =>
        (await core.listNamespacedPersistentVolumeClaim(byPlan)).items.map((p) => p.metadata?.name).join() ===
        planNames(name).replica('db', 'pgdata'),
      { what: 'only the replica PVC left' },
    );
    assert.equal(
      (await cluster.kubeConfig.makeApiClient(BatchV1Api).listNamespacedJob(byPlan)).items.length,
      0,
      'no Job left',
    );
    assert.equal(await count(ns, 'snapshot.storage.k8s.io', 'v1', 'volumesnapshots'), 0, 'no VolumeSnapshot left');
    const appliance = await waitFor(
      async () => {
        const a = await readAppliance(cluster.kubeConfig, ns);
        return (a.status?.activePlan ?? '') === '' && a;
      },
      { what: 'the appliance lock released' },
    );
    assert.equal(appliance.status?.activeSlot, 'green');
    assert.equal(appliance.status?.conditions.find((c) => c.type === 'Ready')?.status, 'True');

    // A rollback asked for now has nothing to go back to: refused, saying why, and nothing changes.
    const late = await patchPlanSpec(cluster.kubeConfig, ns, name, { rollbackNow: true });
    assert.match(await waitForWarning(cluster.kubeConfig, ns, name, 'RollbackRefused'), /no longer retained/);
    const after = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        return p.status?.observedGeneration === late && p;
      },
      { what: 'the operator to observe rollbackNow' },
    );
    assert.equal(after.status?.phase, 'Succeeded');
  });

  it('completes with NoChanges when every component is at its target, and clones nothing', async () => {
    const ns = 'same';
    await deployShop(cluster.kubeConfig, ns);
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => ({
      ...s,
      components: [
        { name: 'postgres', level: '16.2.0' },
        { name: 'nginx', level: '1.26.2' },
      ],
    }));
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Succeeded');
    assert.equal(plan.status?.conditions.find((c) => c.type === 'Ready')?.reason, 'NoChanges');
    assert.equal(await count(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots'), 0);
    assert.equal(await count(ns, 'clone.kubevirt.io', 'v1beta1', 'virtualmachineclones'), 0);
    assert.equal((await vms(ns)).items.length, 3);
  });

  it('waits for a manual approval of exactly the previewed hash', async () => {
    const ns = 'manual';
    await deployShop(cluster.kubeConfig, ns);
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => {
      delete s.window;
      return { ...s, approval: 'Manual', rollback: { ...s.rollback, observeSeconds: 0 } };
    });
    const waiting = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'AwaitingApproval');
    const hash = waiting.status?.preview?.hash ?? '';
    assert.match(hash, /^[0-9a-f]{16}$/);
    const ready = waiting.status?.conditions.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'AwaitingApproval']);
    // kstatus (Flux's convention): a condition that does not apply, Stalled here, is absent.
    assert.equal(
      waiting.status?.conditions.find((c) => c.type === 'Stalled'),
      undefined,
    );

    const approve = (value: string) => patchPlanSpec(cluster.kubeConfig, ns, name, { approvedHash: value });
    const wrong = await approve('0000000000000000');
    const stillWaiting = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        return p.status?.observedGeneration === wrong && p;
      },
      { what: 'the operator to observe the wrong hash' },
    );
    assert.equal(stillWaiting.status?.phase, 'AwaitingApproval');
    assert.equal(await count(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots'), 0);

    await approve(hash);
    const done = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Succeeded');
    assert.equal(done.status?.conditions.find((c) => c.type === 'Approved')?.status, 'True');
  });

  it('spec.suspend holds the plan at a safe point and it resumes where it stopped', async () => {
    const ns = 'suspend';
    await deployShop(cluster.kubeConfig, ns, { workload: 20 });
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => {
      delete s.window;
      return { ...s, suspend: true, rollback: { ...s.rollback, observeSeconds: 0 } };
    });
    const patch = (spec: Partial<MaintenancePlanInput['spec']>) => patchPlanSpec(cluster.kubeConfig, ns, name, spec);
    const observed = (generation: number) =>
      waitFor(
        async () => {
          const p = await readPlan(cluster.kubeConfig, ns, name);
          return p.status?.observedGeneration === generation && p;
        },
        { what: `the operator to observe generation ${String(generation)}` },
      );
    const reasons = (p: MaintenancePlan) =>
      ['Ready', 'Reconciling'].map((t) => p.status?.conditions.find((c) => c.type === t)?.reason);

    // Suspended from the start: a pass after a spec change (any pass would admit a plan) leaves it Pending.
    const nudged = await patch({ approvedHash: 'not-needed-with-automatic-approval' });
    const held = await observed(nudged);
    assert.equal(held.status?.phase ?? 'Pending', 'Pending');
    // Suspended is a healthy wait: Ready False with that reason, and no Reconciling (kstatus).
    assert.deepEqual(reasons(held), ['Suspended', undefined]);
    assert.equal(
      (await readAppliance(cluster.kubeConfig, ns)).status?.activePlan ?? '',
      '',
      'the appliance is not locked',
    );
    assert.equal(await count(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots'), 0);

    // Resumed, then suspended again while it works: it stops at the next step boundary.
    await patch({ suspend: false });
    // Every phase after these is a safe point until the cut-over.
    await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Cloning' || p === 'Updating');
    const again = await patch({ suspend: true });
    const paused = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        return p.status?.observedGeneration === again && reasons(p)[0] === 'Suspended' && p;
      },
      { what: 'the plan suspended' },
    );
    assert.match(
      paused.status?.conditions.find((c) => c.type === 'Ready')?.message ?? '',
      /^suspended \(spec\.suspend\) in (Cloning|Updating|Verifying|Syncing)$/,
    );
    const nudgedAgain = await patch({ approvedHash: 'still-not-needed' });
    const stillPaused = await observed(nudgedAgain);
    assert.equal(stillPaused.status?.phase, paused.status?.phase, 'no step boundary crossed while suspended');
    assert.deepEqual(
      stillPaused.status?.steps.map((st) => [st.name, st.state]),
      paused.status?.steps.map((st) => [st.name, st.state]),
    );

    await patch({ suspend: false });
    const done = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Succeeded' || p === 'Failed', 120_000);
    assert.equal(done.status?.phase, 'Succeeded', done.status?.conditions.find((c) => c.type === 'Ready')?.message);
  });

  it('waits for the maintenance window to cut over, and cuts over when it opens', async () => {
    const ns = 'window';
    await deployShop(cluster.kubeConfig, ns);
    // A window of one hour a day, at 03:00 UTC; the operator's clock says 10:00 UTC.
    const day = new Date();
    day.setUTCHours(10, 0, 0, 0);
    shiftMs = day.getTime() - Date.now();
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => ({
      ...s,
      window: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        startTime: '03:00',
        endTime: '04:00',
        timeZone: 'UTC',
      },
      rollback: { ...s.rollback, observeSeconds: 0 },
    }));
    const waiting = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'WaitingForWindow');
    const opens = new Date(day);
    opens.setUTCDate(opens.getUTCDate() + 1);
    opens.setUTCHours(3, 0, 0, 0);
    assert.equal(waiting.status?.nextWindowStart, opens.toISOString().replace('.000Z', 'Z'));
    assert.equal((await readAppliance(cluster.kubeConfig, ns)).status?.activeSlot, 'blue');
    assert.ok((waiting.status?.syncRounds.length ?? 0) >= 1, 'pre-copy runs outside the window');
    const before = waiting.status?.syncRounds.length ?? 0;

    // Half a minute before the window opens, a fresh round: the final delta will not hold the
    // writes of the whole wait.
    shiftMs = opens.getTime() - 30_000 - Date.now();
    await poke(ns, name);
    const fresh = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        return (p.status?.syncRounds.length ?? 0) > before ? p : undefined;
      },
      { what: 'a fresh round before the window', timeoutMs: 60_000 },
    );
    assert.equal(fresh.status?.phase, 'WaitingForWindow');
    assert.equal((await readAppliance(cluster.kubeConfig, ns)).status?.activeSlot, 'blue', 'not cut over yet');

    shiftMs = opens.getTime() + 60_000 - Date.now();
    await poke(ns, name);
    await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Succeeded');
    assert.equal((await readAppliance(cluster.kubeConfig, ns)).status?.activeSlot, 'green');
    shiftMs = 0;
  });

  it('refuses a downgrade: the plan fails in planning, naming the component, and nothing is cloned', async () => {
    const ns = 'down';
    await deployShop(cluster.kubeConfig, ns);
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => ({
      ...s,
      components: [{ name: 'postgres', level: '16.1.0' }],
    }));
    const plan = await waitForPhase(cluster.kubeConfig, ns, name, (p) => p === 'Failed');
    const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.status, 'True');
    assert.equal(stalled?.reason, 'DowngradeNotAllowed');
    assert.match(stalled?.message ?? '', /postgres: target 16\.1\.0 is below the current 16\.2\.0; set allowDowngrade/);
    assert.equal(await count(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots'), 0);
    // The lock is free again for a corrected plan.
    await waitFor(async () => ((await readAppliance(cluster.kubeConfig, ns)).status?.activePlan ?? '') === '', {
      what: 'the appliance lock released',
    });
  });
});
