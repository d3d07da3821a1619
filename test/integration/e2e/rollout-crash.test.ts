// Crash safety of a rollout: the operator, a process of its own, is SIGKILLed again and again while
// the rollout's plans are in several phases at once, and started again each time. The rollout ends
// Completed with one plan per appliance (none made twice), and a watch sampling the plans throughout
// never sees more than maxInFlight holding a clone or maxCuttingOver cutting over.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import type { TestCluster } from '../../support/cluster.ts';
import { TERMINAL, deployShops, listPlans, readRollout, sampleBudgets } from '../../support/fleet.ts';
import { killOperator, startCrashSandbox, type CrashSandbox } from '../../support/operator-process.ts';
import { waitFor } from '../../support/wait.ts';

describe('MaintenanceRollout crash safety', () => {
  let sandbox: CrashSandbox;
  let cluster: TestCluster;
  const start = (podName: string) => sandbox.start(podName);

  before(async () => {
    // Slow steps, so that plans are in several phases when the operator is killed.
    sandbox = await startCrashSandbox();
    ({ cluster } = sandbox);
  });
  after(() => sandbox.stop());

  it('never makes a plan twice and keeps its budgets across SIGKILLs with plans in several phases', async () => {
    const ns = 'fleet-crash';
    let operator = start('crash-0');
    const shops = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [`shop-${n}`, { app: 'shop' }]));
    await deployShops(cluster.kubeConfig, ns, shops);
    const sampler = await sampleBudgets(cluster.kubeConfig, ns);
    const rollout = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: 'shops', namespace: ns },
      spec: {
        target: { components: [{ name: 'app/shop', level: '2.4.0' }] },
        maxInFlight: 2,
        maxCuttingOver: 1,
        plan: {
          verify: { timeoutSeconds: 60 },
          rollback: { automatic: true, observeSeconds: 2, retainOriginalFor: '24h' },
        },
      },
    } as KubeObject;
    await applyManifests(cluster.kubeConfig, [rollout], { namespace: ns });

    // Kill whenever two plans are unfinished in different phases, until the rollout completes.
    let kills = 0;
    const phasesSeenAtKill: string[][] = [];
    await waitFor(
      async () => {
        const r = await readRollout(cluster.kubeConfig, ns, 'shops');
        if (r.status?.phase === 'Completed') return true;
        const live = (await listPlans(cluster.kubeConfig, ns))
          .map((p) => p.status?.phase ?? 'Pending')
          .filter((p) => !TERMINAL.has(p));
        if (kills < 6 && live.length >= 2 && new Set(live).size >= 2) {
          await killOperator(operator);
          kills++;
          phasesSeenAtKill.push(live);
          operator = start(`crash-${String(kills)}`);
        }
        return false;
      },
      { what: 'the rollout Completed across the kills', timeoutMs: 600_000, intervalMs: 1_500 },
    );
    sampler.stop();
    assert.ok(kills >= 2, `killed with plans in several phases (${JSON.stringify(phasesSeenAtKill)})`);
    const plans = await listPlans(cluster.kubeConfig, ns);
    assert.deepEqual(plans.map((p) => p.spec.appliance).sort(), Object.keys(shops).sort(), 'one plan per appliance');
    assert.ok(plans.every((p) => p.status?.phase === 'Succeeded'));
    assert.deepEqual(
      [...sampler.max.added.values()],
      plans.map(() => 1),
      'each plan made once',
    );
    assert.ok(sampler.max.clones <= 2, `at most two held a clone (saw ${String(sampler.max.clones)})`);
    assert.equal(sampler.max.cuttingOver, 1, 'one cut-over at a time');
    const done = await readRollout(cluster.kubeConfig, ns, 'shops');
    assert.equal(done.status?.progress, '5/5 up to date, 0 in flight');
  });
});
