// Deleting a MaintenanceRollout on the sandbox: its finalizer aborts the plan that prepared and
// waits before its cut-over (nobody would ever give it a slot, and it holds a clone), and leaves
// the finished plan, its retained original and every appliance as they are: no plan is deleted,
// nothing is released.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import type { MaintenanceRolloutInput } from '../../../src/api/v1alpha1/index.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import type { TestCluster } from '../../support/cluster.ts';
import { startE2eSandbox, type E2eSandbox } from '../../support/e2e-sandbox.ts';
import { deployShops, listPlans, readRollout } from '../../support/fleet.ts';
import { readPlan } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);
const NS = 'fleet-delete';

/** HH:MM in UTC, `minutes` from `at`. */
const hhmm = (at: number, minutes: number) => new Date(at + minutes * 60_000).toISOString().slice(11, 16);

describe('MaintenanceRollout deletion', () => {
  let cluster: TestCluster;
  let sandbox: E2eSandbox;
  const kc = () => cluster.kubeConfig;
  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 90_000 });

  before(async () => {
    sandbox = await startE2eSandbox({ operator: { controllers: { maintenance: { observeIntervalMs: 500 } } } });
    ({ cluster } = sandbox);
  });
  after(() => sandbox.stop());

  it('aborts the plan waiting before its cut-over, keeps the finished one and what it retains, deletes no plan', async () => {
    await deployShops(kc(), NS, {
      'shop-a': { app: 'shop', group: 'open' },
      'shop-b': { app: 'shop', group: 'closed' },
    });
    const t0 = Date.now();
    const rollout: MaintenanceRolloutInput = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: 'shops', namespace: NS },
      spec: {
        target: { components: [{ name: 'postgres', level: '16.4.0' }] },
        selector: { matchLabels: { app: 'shop' } },
        maxInFlight: 2,
        windows: [
          {
            name: 'open',
            selector: { matchLabels: { group: 'open' } },
            window: { startTime: hhmm(t0, -10), endTime: hhmm(t0, 360) },
          },
          // Opens in two hours: shop-b's plan is made now (prepareAhead) and prepares, then waits.
          {
            name: 'closed',
            selector: { matchLabels: { group: 'closed' } },
            window: { startTime: hhmm(t0, 120), endTime: hhmm(t0, 180) },
          },
        ],
        prepareAhead: '24h',
        plan: { verify: { timeoutSeconds: 60 }, rollback: { observeSeconds: 1, retainOriginalFor: '1h' } },
      },
    };
    await applyManifests(kc(), [rollout]);
    const withFinalizer = await waitFor(
      async () => {
        const r = await readRollout(kc(), NS, 'shops');
        return r.metadata.finalizers?.includes('vapp.dev/rollout-cleanup') === true && r;
      },
      { what: 'the rollout carries its finalizer' },
    );
    assert.ok(withFinalizer);
    await waitFor(async () => (await readPlan(kc(), NS, 'shops-r1-shop-a')).status?.phase === 'Succeeded', {
      what: 'shop-a updated',
      timeoutMs: 180_000,
      intervalMs: 500,
    });
    const waiting = await waitFor(
      async () => {
        const p = await readPlan(kc(), NS, 'shops-r1-shop-b');
        const phase = p.status?.phase;
        return (phase === 'WaitingForWindow' || phase === 'WaitingForCutOverSlot') && p;
      },
      { what: 'shop-b prepared and waiting before its cut-over', timeoutMs: 180_000, intervalMs: 500 },
    );
    assert.equal(waiting.spec.cutOverHold, true);

    await kubectl('delete', 'mroll', '-n', NS, 'shops', '--wait=true', '--timeout=60s');

    const plans = await listPlans(kc(), NS);
    assert.deepEqual(
      plans.map((p) => p.metadata.name).sort(),
      ['shops-r1-shop-a', 'shops-r1-shop-b'],
      'no plan deleted',
    );
    const aborted = await waitFor(
      async () => {
        const p = await readPlan(kc(), NS, 'shops-r1-shop-b');
        return p.status?.phase === 'Aborted' && p;
      },
      { what: "shop-b's plan Aborted", timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.equal(aborted.spec.abort, true);
    const done = await readPlan(kc(), NS, 'shops-r1-shop-a');
    assert.equal(done.status?.phase, 'Succeeded');
    assert.equal(done.spec.abort, false, 'a finished plan is not touched');
    assert.notEqual(
      done.status?.steps.find((s) => s.name === 'Release')?.state,
      'Succeeded',
      'its original is still retained (for a rollback)',
    );
    // shop-b serves on from its original, Ready and unlocked.
    await waitFor(
      async () => {
        const { stdout } = await kubectl('get', 'vapp', '-n', NS, 'shop-b', '-o', 'json');
        const a = JSON.parse(stdout) as {
          status?: { activePlan?: string; conditions?: { type: string; status: string }[] };
        };
        return (
          (a.status?.activePlan ?? '') === '' &&
          a.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
        );
      },
      { what: 'shop-b Ready and unlocked', timeoutMs: 60_000 },
    );
    const events = await kc().makeApiClient(CoreV1Api).listNamespacedEvent({
      namespace: NS,
      fieldSelector: 'involvedObject.name=shops,involvedObject.kind=MaintenanceRollout,reason=PlansAborted',
    });
    assert.match(events.items[0]?.message ?? '', /aborted 1 plan\(s\) that had not cut over \(shops-r1-shop-b\)/);
  });
});
