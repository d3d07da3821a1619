// MaintenanceRollout end to end on the sandbox: six shops in one namespace, two window groups and a
// canary wave, updated by one rollout with maxInFlight 2 and maxCuttingOver 1 — the budgets sampled
// by a watch on the plans throughout, not by a final count; a closed window (injected clock)
// prepares but does not cut over; failures injected into two shops pause the rollout with both
// named and the others untouched, and acknowledging them resumes it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { MaintenanceRolloutInput, VirtualAppliance } from '../../../src/api/v1alpha1/index.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import {
  CUTTING_OVER,
  TERMINAL,
  deployShops as deployFleet,
  listPlans,
  readRollout as readFleetRollout,
  sampleBudgets as sampleFleetBudgets,
} from '../../support/fleet.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { STORAGE_ANNOTATIONS } from '../../../src/sandbox/simulator/storage/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { kubectl as runPlugin } from '../../support/plugin.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);
const GROUP = { group: 'vapp.dev', version: 'v1alpha1' };

/** HH:MM in UTC, `minutes` from `at`. */
const hhmm = (at: number, minutes: number) => new Date(at + minutes * 60_000).toISOString().slice(11, 16);

describe('MaintenanceRollout end to end', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  let shiftMs = 0;
  const custom = () => cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 60_000 });
  const plans = (ns: string) => listPlans(cluster.kubeConfig, ns);
  const readRollout = (ns: string, name: string) => readFleetRollout(cluster.kubeConfig, ns, name);
  const patch = (p: string, body: unknown) =>
    new RestClient(cluster.kubeConfig).request(p, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body,
    });
  const poke = async (ns: string, rollout: string) => {
    const stamp = { metadata: { annotations: { 'test/poke': String(Date.now()) } } };
    await patch(`/apis/vapp.dev/v1alpha1/namespaces/${ns}/maintenancerollouts/${rollout}`, stamp);
    for (const p of await plans(ns))
      if (!TERMINAL.has(p.status?.phase ?? ''))
        await patch(`/apis/vapp.dev/v1alpha1/namespaces/${ns}/maintenanceplans/${p.metadata.name ?? ''}`, stamp);
  };

  const deployShops = (ns: string, shops: Record<string, Record<string, string>>) =>
    deployFleet(cluster.kubeConfig, ns, shops);
  const sampleBudgets = (ns: string) => sampleFleetBudgets(cluster.kubeConfig, ns);
  /** `kubectl vapp ...` as a user runs it: through kubectl's plugin discovery. */
  const vapp = (args: string[]) => runPlugin(['vapp', ...args], { env: { KUBECONFIG: cluster.kubeconfigPath } });

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster, {
      controllers: { maintenance: { now: () => new Date(Date.now() + shiftMs), observeIntervalMs: 500 } },
    });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(volumesDir, { recursive: true, force: true });
  });

  it('updates six shops: the canary first, two at a time, one cut-over at a time, the closed window prepared but waiting', async () => {
    const ns = 'fleet';
    const early = { app: 'shop', group: 'early' };
    const late = { app: 'shop', group: 'late' };
    await deployShops(ns, {
      'shop-a': { ...early, 'vapp.dev/canary': 'true' },
      'shop-b': early,
      'shop-c': early,
      'shop-d': late,
      'shop-e': late,
      'shop-f': late,
    });
    const sampler = await sampleBudgets(ns);
    const t0 = Date.now();
    const rollout: MaintenanceRolloutInput = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: 'shops', namespace: ns },
      spec: {
        target: {
          components: [
            { name: 'postgres', level: '16.4.0' },
            { name: 'app/shop', level: '2.4.0' },
          ],
        },
        selector: { matchLabels: { app: 'shop' } },
        waves: [{ name: 'canary', selector: { matchLabels: { 'vapp.dev/canary': 'true' } }, limit: 1, soak: '3s' }],
        maxInFlight: 2,
        maxCuttingOver: 1,
        windows: [
          // Open now, for the next 6 hours.
          {
            name: 'early',
            selector: { matchLabels: { group: 'early' } },
            window: { startTime: hhmm(t0, -10), endTime: hhmm(t0, 360) },
          },
          // Opens in 3 hours, for an hour.
          {
            name: 'late',
            selector: { matchLabels: { group: 'late' } },
            window: { startTime: hhmm(t0, 180), endTime: hhmm(t0, 240) },
          },
        ],
        prepareAhead: '24h',
        plan: {
          verify: { timeoutSeconds: 60 },
          rollback: { automatic: true, observeSeconds: 1, retainOriginalFor: '24h' },
        },
      },
    };
    await applyManifests(cluster.kubeConfig, [rollout], { namespace: ns });

    // The canary alone, until it ended and soaked.
    const canary = await waitFor(
      async () => (await plans(ns)).find((p) => p.spec.appliance === 'shop-a' && p.status?.phase === 'Succeeded'),
      { what: 'the canary plan Succeeded', timeoutMs: 180_000 },
    );
    const canaryEnd = Date.parse(canary.status?.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
    assert.deepEqual(canary.metadata.labels, {
      'vapp.dev/rollout': 'shops',
      'vapp.dev/rollout-revision': '1',
      'vapp.dev/wave': 'canary',
    });
    assert.equal(canary.metadata.ownerReferences, undefined, 'no ownerReference to the rollout');

    // The early ones cut over; the late ones prepare and wait for their window.
    await waitFor(
      async () => {
        const list = await plans(ns);
        const done = list.filter(
          (p) => ['shop-b', 'shop-c'].includes(p.spec.appliance) && p.status?.phase === 'Succeeded',
        );
        const waiting = list.filter((p) => p.status?.phase === 'WaitingForWindow');
        return done.length === 2 && waiting.length === 2;
      },
      { what: 'shop-b and shop-c updated, two late shops prepared and waiting for their window', timeoutMs: 300_000 },
    );
    const list = await plans(ns);
    for (const p of list.filter((x) => x.spec.appliance !== 'shop-a'))
      assert.ok(
        Date.parse(p.metadata.creationTimestamp ?? '') >= canaryEnd + 3_000 - 1_000,
        `${p.metadata.name ?? ''} made after the canary's soak`,
      );
    assert.ok(
      list
        .filter((p) => ['shop-d', 'shop-e', 'shop-f'].includes(p.spec.appliance))
        .every((p) => !CUTTING_OVER.has(p.status?.phase ?? '') && p.status?.phase !== 'Succeeded'),
      'no late shop cut over while its window is closed',
    );
    const waitingStatus = await waitFor(
      async () => {
        const r = await readRollout(ns, 'shops');
        return r.status?.counts.waitingForWindow === 2 && r.status.nextWindowStart !== undefined && r;
      },
      { what: 'the rollout reports two shops waiting for a window' },
    );
    assert.equal(waitingStatus.status?.counts.upToDate, 3);
    assert.equal(waitingStatus.status?.phase, 'Progressing');

    // Into the late window: they cut over, one at a time, and the rollout completes.
    shiftMs = 3 * 3600_000 + 60_000;
    await poke(ns, 'shops');
    const done = await waitFor(
      async () => {
        const r = await readRollout(ns, 'shops');
        if (r.status?.phase !== 'Completed') {
          await poke(ns, 'shops');
          return false;
        }
        return r;
      },
      { what: 'the rollout Completed', timeoutMs: 300_000, intervalMs: 2_000 },
    );
    sampler.stop();
    assert.equal(done.status?.progress, '6/6 up to date, 0 in flight');
    assert.equal((await plans(ns)).length, 6, 'one plan per appliance');
    assert.ok(sampler.max.events > 20, `the watch saw the plans move (${String(sampler.max.events)} events)`);
    assert.ok(sampler.max.clones <= 2, `at most two plans held a clone at once (saw ${String(sampler.max.clones)})`);
    assert.equal(sampler.max.cuttingOver, 1, 'one cut-over at a time');
    const { stdout } = await kubectl('get', 'mroll', '-n', ns, 'shops');
    assert.match(stdout, /Completed\s+6\/6 up to date, 0 in flight/);
  });

  it('pauses when two shops fail, naming both, leaves the others alone, and resumes once acknowledged', async () => {
    shiftMs = 0;
    const ns = 'fleet-failures';
    await deployShops(ns, {
      'shop-a': { app: 'shop' },
      'shop-b': { app: 'shop' },
      'shop-c': { app: 'shop' },
      'shop-d': { app: 'shop' },
    });
    const rollout = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: 'shops', namespace: ns },
      spec: {
        target: { components: [{ name: 'app/shop', level: '2.4.0' }] },
        maxInFlight: 2,
        failurePolicy: { maxFailures: 0 },
        plan: {
          verify: { timeoutSeconds: 60 },
          rollback: { automatic: true, observeSeconds: 1, retainOriginalFor: '24h' },
        },
      },
    };
    // The first two in the rollout's order fail their update: both are in flight when the first fails.
    await applyManifests(cluster.kubeConfig, [{ ...rollout, spec: { ...rollout.spec, suspend: true } } as KubeObject], {
      namespace: ns,
    });
    const first = await readRollout(ns, 'shops');
    const { inRolloutOrder } = await import('../../../src/controllers/rollout/order.ts');
    const appliances = (
      (await custom().listNamespacedCustomObject({ ...GROUP, namespace: ns, plural: 'virtualappliances' })) as {
        items: VirtualAppliance[];
      }
    ).items.map((a) => ({ name: a.metadata.name ?? '', uid: a.metadata.uid ?? '' }));
    const order = inRolloutOrder(appliances, first.metadata.uid ?? '', 1).map((a) => a.name);
    const failing = order.slice(0, 2);
    for (const shop of failing)
      await patch(`/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachines/${shop}-app`, {
        metadata: { annotations: { [STORAGE_ANNOTATIONS.updateFailure]: 'true' } },
      });
    await patch(`/apis/vapp.dev/v1alpha1/namespaces/${ns}/maintenancerollouts/shops`, { spec: { suspend: false } });

    const paused = await waitFor(
      async () => {
        const r = await readRollout(ns, 'shops');
        return r.status?.phase === 'Paused' && r.status.failures.count === 2 && r;
      },
      { what: 'the rollout Paused with two failures', timeoutMs: 180_000 },
    );
    assert.deepEqual(
      paused.status?.needsAttention.map((a) => [a.appliance, a.reason]).sort(),
      failing.map((n) => [n, 'Failed']).sort(),
    );
    assert.match(paused.status?.conditions.find((c) => c.type === 'Paused')?.reason ?? '', /FailureBudgetExceeded/);
    assert.equal(
      paused.status?.conditions.find((c) => c.type === 'Stalled'),
      undefined,
      'paused is not stalled',
    );
    assert.deepEqual(
      (await plans(ns)).map((p) => p.spec.appliance).sort(),
      [...failing].sort(),
      'the others untouched: no plan for them',
    );

    // What a person sees with kubectl vapp: both named, and the way on.
    const view = await vapp(['get', 'rollout', 'shops', '-n', ns]);
    assert.equal(view.code, 0, view.stderr);
    for (const shop of failing) assert.match(view.stdout, new RegExp(`\\b${shop}\\b`), `${shop} named`);
    assert.match(view.stdout, /kubectl vapp acknowledge shops/);
    const refused = await vapp(['resume', 'rollout/shops', '-n', ns]);
    assert.notEqual(refused.code, 0, 'resume of a rollout its failures paused is refused');
    assert.match(refused.stderr + refused.stdout, /acknowledge/);

    // Acknowledging resumes: the other two are updated; the failed ones stay failed in this revision.
    const ack = await vapp(['acknowledge', 'shops', '-n', ns]);
    assert.equal(ack.code, 0, ack.stderr);
    assert.equal((await readRollout(ns, 'shops')).spec.acknowledgedFailures, 2, 'raised to the failure count');
    const resumed = await waitFor(
      async () => {
        const r = await readRollout(ns, 'shops');
        return r.status?.phase === 'Completed' && r;
      },
      { what: 'the rollout Completed after the acknowledgement', timeoutMs: 240_000 },
    );
    assert.equal(resumed.status?.progress, '2/4 up to date, 0 in flight, 2 failed');
    assert.equal(resumed.status?.failures.acknowledged, 2);
  });
});
