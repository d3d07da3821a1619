// Crash safety: the operator, a process of its own, is killed with SIGKILL once inside every phase of
// a maintenance and once between the Service patches of the cut-over, and started again; and two
// replicas lose their leader in the middle of a maintenance. Every run ends Succeeded with one
// clone set, one cut-over and every write of the database on the clone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { MaintenancePlan } from '../../../src/api/v1alpha1/index.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { OPERATOR_NAMESPACE } from '../../../src/sandbox/operator.ts';
import { verifyCutOverData } from '../../../src/sandbox/demo/data-check.ts';
import type { TestCluster } from '../../support/cluster.ts';
import { hasExited, killOperator, startCrashSandbox, type CrashSandbox } from '../../support/operator-process.ts';
import { applyPlan, deployShop, readPlan } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const SERVICES = ['shop-web', 'shop-app', 'shop-db'];
const LEASE = 'vapp-operator.vapp.dev';

describe('crash safety and leader failover', () => {
  let sandbox: CrashSandbox;
  let cluster: TestCluster;
  let volumesDir: string;
  const start = (podName: string, failpoints?: string) => sandbox.start(podName, failpoints);

  before(async () => {
    // Slow steps, so that every phase lasts long enough to be killed in.
    sandbox = await startCrashSandbox();
    ({ cluster, volumesDir } = sandbox);
  });
  after(() => sandbox.stop());

  /** A plan of the sample without window, observed for `observeSeconds`. */
  const runPlan = (ns: string) =>
    applyPlan(cluster.kubeConfig, ns, (s) => {
      delete s.window;
      return { ...s, rollback: { ...s.rollback, observeSeconds: 3 } };
    });

  const list = async (ns: string, group: string, version: string, plural: string) =>
    (
      (await cluster.kubeConfig
        .makeApiClient(CustomObjectsApi)
        .listNamespacedCustomObject({ group, version, namespace: ns, plural })) as { items: KubeObject[] }
    ).items;
  const slots = async (ns: string) => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    return Promise.all(
      SERVICES.map(
        async (name) => (await core.readNamespacedService({ namespace: ns, name })).spec?.selector?.['vapp.dev/slot'],
      ),
    );
  };

  /** What a user checks after the run: one clone set, one cut-over, every Service on it, no write lost. */
  async function assertOneCleanMaintenance(ns: string, plan: MaintenancePlan): Promise<void> {
    const name = plan.metadata.name ?? '';
    assert.equal(plan.status?.phase, 'Succeeded', plan.status?.conditions.find((c) => c.type === 'Ready')?.message);
    const names = (objects: KubeObject[]) => objects.map((o) => o.metadata?.name).sort();
    assert.deepEqual(
      names(await list(ns, 'kubevirt.io', 'v1', 'virtualmachines')),
      ['shop-app', 'shop-db', 'shop-web', `${name}-app`, `${name}-db`, `${name}-web`].sort(),
      'exactly one clone set',
    );
    assert.deepEqual(
      names(await list(ns, 'clone.kubevirt.io', 'v1beta1', 'virtualmachineclones')),
      [`${name}-app`, `${name}-db`, `${name}-web`],
      'cloned once',
    );
    assert.deepEqual(
      names(await list(ns, 'snapshot.kubevirt.io', 'v1beta1', 'virtualmachinesnapshots')),
      [`${name}-app`, `${name}-db`, `${name}-web`],
      'snapshotted once',
    );
    assert.deepEqual(await slots(ns), ['green', 'green', 'green']);
    const rounds = plan.status?.syncRounds.map((r) => r.round) ?? [];
    assert.deepEqual(
      rounds,
      rounds.map((_, i) => i + 1),
      'rounds numbered once each',
    );
    assert.equal(plan.status?.cutOver?.finalRound, rounds.at(-1), 'one final round, the last');
    const report = await verifyCutOverData(volumesDir, plan);
    assert.ok(report.checked > 0, 'the database wrote');
    assert.deepEqual(report.missing, []);
  }

  it('resumes after SIGKILL in every phase and between the Service patches, with one clone set, one cut-over and no lost write', async () => {
    const ns = 'crash';
    let operator = start('crash');
    await deployShop(cluster.kubeConfig, ns, { workload: 30 });
    const name = await runPlan(ns);
    const killedIn: string[] = [];
    let splitServices: (string | undefined)[] | undefined;
    const plan = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        const phase = p.status?.phase ?? 'Pending';
        if (phase === 'Succeeded' || phase === 'Failed') return p;
        if (hasExited(operator)) {
          // It killed itself at its failpoint, right after the first Service moved: what did it leave?
          splitServices = await slots(ns);
          operator = start('crash');
        } else if (!killedIn.includes(phase)) {
          killedIn.push(phase);
          await killOperator(operator);
          // The successor of the one killed in CuttingOver dies again between two Service patches.
          operator = start('crash', phase === 'CuttingOver' ? 'service-switched' : undefined);
        }
        return false;
      },
      { what: 'the plan to finish', timeoutMs: 300_000, intervalMs: 300 },
    );
    for (const phase of [
      'Pending',
      'Snapshotting',
      'Cloning',
      'Updating',
      'Verifying',
      'Syncing',
      'CuttingOver',
      'Observing',
    ]) {
      assert.ok(killedIn.includes(phase), `killed in ${phase} (killed in ${killedIn.join(', ')})`);
    }
    await killOperator(operator);
    assert.deepEqual(splitServices, ['green', 'blue', 'blue'], 'killed with one Service moved and two not');
    await assertOneCleanMaintenance(ns, plan);
  });

  it('a second replica finishes the maintenance when the leader is killed in the middle of it', async () => {
    const ns = 'failover';
    const replicas = { a: start('replica-a'), b: start('replica-b') };
    await deployShop(cluster.kubeConfig, ns, { workload: 30 });
    const name = await runPlan(ns);
    await waitFor(async () => (await readPlan(cluster.kubeConfig, ns, name)).status?.phase === 'Syncing', {
      what: 'the plan syncing',
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    const leases = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    const holder = async () =>
      (await leases.readNamespacedLease({ name: LEASE, namespace: OPERATOR_NAMESPACE })).spec?.holderIdentity ?? '';
    const leader = (
      await waitFor(async () => /^replica-[ab]_/.test(await holder()) && holder(), { what: 'a replica leading' })
    ).startsWith('replica-a_')
      ? 'a'
      : 'b';
    const survivor = leader === 'a' ? 'b' : 'a';
    await killOperator(replicas[leader]);

    const plan = await waitFor(
      async () => {
        const p = await readPlan(cluster.kubeConfig, ns, name);
        return (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') && p;
      },
      { what: 'the plan to finish', timeoutMs: 180_000, intervalMs: 300 },
    );
    assert.ok((await holder()).startsWith(`replica-${survivor}_`), 'the survivor holds the lease');
    assert.ok(!hasExited(replicas[survivor]));
    await assertOneCleanMaintenance(ns, plan);
  });
});
