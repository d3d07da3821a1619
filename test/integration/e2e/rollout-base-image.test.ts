// Seed 2 end to end on the sandbox (US20130132945A1): a fleet of appliances whose root disks were
// cloned from version A of a CDI DataSource, and two MaintenanceRollouts (two teams, two namespaces)
// that follow the BaseImage's latest. A person publishes B (one annotation on the DataImportCron, as
// the registry serving a new build) and does nothing else: the BaseImage makes B the latest, each
// rollout starts a new revision for it and rebases every appliance it selects (the canary first,
// two clones and one cut-over at a time, sampled by a watch); an appliance no rollout selects keeps
// A, and A is kept for it. Then C
// is published: a third revision rebases the fleet again, and once the last appliance on B moved
// and its original was released, B is released and its storage is gone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { MaintenancePlan, MaintenanceRolloutInput } from '../../../src/api/v1alpha1/index.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { verifyCutOverData } from '../../../src/sandbox/demo/data-check.ts';
import { snapshotFile } from '../../../src/sandbox/simulator/storage/index.ts';
import type { TestCluster } from '../../support/cluster.ts';
import { startE2eSandbox, type E2eSandbox } from '../../support/e2e-sandbox.ts';
import { listPlans, readRollout, sampleBudgets, type BudgetSample } from '../../support/fleet.ts';
import {
  GOLDEN,
  createNamespace,
  deployGoldenAppliance,
  deployGoldenImage,
  get,
  latestImport,
  publish,
  readBaseImage,
  readGoldenAppliance,
  type LatestImport,
} from '../../support/golden.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);
const NS = 'fleet';
const ROLLOUT = 'fedora-prod';
const LAB = 'lab';
const LAB_ROLLOUT = 'fedora-lab';
const SELECTED = ['shop1', 'shop2', 'shop3'] as const;
const SNAPSHOTS = {
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumesnapshots',
  kind: 'VolumeSnapshot',
};

describe('seed 2: a published base image version rebases the fleet and the old one is released', () => {
  let cluster: TestCluster;
  let volumesDir: string;
  let sandbox: E2eSandbox;
  let a: LatestImport;
  let b: LatestImport;
  const kc = () => cluster.kubeConfig;
  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 60_000 });
  const versionOf = async (v: string) => (await readBaseImage(kc()))?.status?.versions.find((x) => x.version === v);
  const plansOf = async (revision: number) =>
    (await listPlans(kc(), NS)).filter((p) => p.metadata.labels?.['vapp.dev/rollout-revision'] === String(revision));
  const releaseFinishedAt = (p: MaintenancePlan) => p.status?.steps.find((s) => s.name === 'Release')?.finishedAt;

  /** Waits until the rollout completed `revision` on `version`; returns its plans of that revision. */
  async function completedRevision(revision: number, version: LatestImport): Promise<MaintenancePlan[]> {
    const done = await waitFor(
      async () => {
        const r = await readRollout(kc(), NS, ROLLOUT);
        return r.status?.revision === revision && r.status.phase === 'Completed' && r;
      },
      { what: `rollout revision ${String(revision)} Completed`, timeoutMs: 400_000, intervalMs: 500 },
    );
    assert.equal(done.status?.target?.baseImage?.version, version.version);
    assert.equal(done.status?.progress, '3/3 up to date, 0 in flight');
    assert.deepEqual(done.status?.needsAttention, []);
    const plans = await plansOf(revision);
    assert.deepEqual(
      plans.map((p) => p.metadata.name).sort(),
      SELECTED.map((s) => `${ROLLOUT}-r${String(revision)}-${s}`),
    );
    for (const p of plans) {
      assert.equal(
        p.status?.phase,
        'Succeeded',
        `${p.metadata.name ?? ''}: ${p.status?.conditions.find((c) => c.type === 'Ready')?.message ?? ''}`,
      );
      assert.equal(p.spec.baseImage?.version, version.version, 'each plan pins the concrete version');
      assert.deepEqual(p.spec.components, []);
      assert.equal(p.metadata.ownerReferences, undefined, 'no ownerReference to the rollout');
    }
    return plans;
  }

  /** Waits until every selected appliance runs `version` on every member, and shop4 still runs `old`. */
  async function fleetOn(version: LatestImport, old: LatestImport): Promise<void> {
    for (const name of SELECTED)
      await waitFor(
        async () => {
          const s = await readGoldenAppliance(kc(), NS, name);
          return (
            s?.metadata.labels?.['base.vapp.dev/fedora'] === version.label &&
            s.status?.members.every(
              (m) => m.baseImage?.version === version.version && m.baseImage.determinedBy === 'Provenance',
            )
          );
        },
        { what: `${name} on ${version.label}` },
      );
    const shop4 = await readGoldenAppliance(kc(), NS, 'shop4');
    assert.equal(shop4?.metadata.labels?.['base.vapp.dev/fedora'], old.label, 'the unselected appliance is left alone');
  }

  /** The budgets the watch saw during one revision. */
  function assertBudgets(max: BudgetSample, revision: number): void {
    assert.ok(max.events > 0, 'the watch saw the plans');
    assert.ok(max.clones <= 2, `at most maxInFlight (2) plans held a clone at once: saw ${String(max.clones)}`);
    assert.ok(max.clones >= 2, 'two plans prepared at once (the budget was used, not just respected)');
    assert.equal(max.cuttingOver, 1, 'exactly one plan cut over at a time (maxCuttingOver 1)');
    for (const s of SELECTED) assert.equal(max.added.get(`${ROLLOUT}-r${String(revision)}-${s}`), 1, `${s}: one plan`);
  }

  before(async () => {
    sandbox = await startE2eSandbox({ operator: { controllers: { maintenance: { observeIntervalMs: 500 } } } });
    ({ cluster, volumesDir } = sandbox);
  });
  after(() => sandbox.stop());

  it('two rollouts follow the latest of version A: every appliance is up to date, no plan is made', async () => {
    a = await deployGoldenImage(kc(), (spec) => ({
      ...spec,
      settleSeconds: 0,
      // TakeOver: the operator deletes a released version itself (with Guard it would wait for CDI's
      // garbage collection, which keeps importsToKeep imports whether used or not).
      release: { ...spec.release, keepPrevious: 0, minUnusedFor: '0s', garbageCollection: 'TakeOver' },
    }));
    await Promise.all([createNamespace(kc(), NS), createNamespace(kc(), LAB)]);
    const root = { snapshot: a.importName };
    await Promise.all([
      deployGoldenAppliance(kc(), {
        namespace: NS,
        name: 'shop1',
        members: ['db', 'web'],
        root,
        data: ['db'],
        workload: 20,
        labels: { tier: 'prod', 'vapp.dev/canary': 'true' },
      }),
      deployGoldenAppliance(kc(), { namespace: NS, name: 'shop2', members: ['web'], root, labels: { tier: 'prod' } }),
      deployGoldenAppliance(kc(), { namespace: NS, name: 'shop3', members: ['web'], root, labels: { tier: 'prod' } }),
      // Not selected by the prod rollout: it stays on A until its own rollout moves it.
      deployGoldenAppliance(kc(), { namespace: NS, name: 'shop4', members: ['web'], root, labels: { tier: 'test' } }),
      // Another team's appliance on the same image, in its own namespace, with its own rollout.
      deployGoldenAppliance(kc(), { namespace: LAB, name: 'lab1', members: ['web'], root }),
    ]);
    const follow = (namespace: string, name: string, spec: Partial<MaintenanceRolloutInput['spec']>) =>
      ({
        apiVersion: 'vapp.dev/v1alpha1',
        kind: 'MaintenanceRollout',
        metadata: { name, namespace },
        spec: {
          // No version: follow the BaseImage's status.latest; each new latest is a new revision.
          target: { baseImage: { ref: { name: 'fedora', namespace: GOLDEN } } },
          plan: { verify: { timeoutSeconds: 60 }, rollback: { observeSeconds: 1, retainOriginalFor: '1s' } },
          ...spec,
        },
      }) satisfies MaintenanceRolloutInput as KubeObject;
    await applyManifests(kc(), [
      follow(NS, ROLLOUT, {
        selector: { matchLabels: { tier: 'prod' } },
        waves: [{ name: 'canary', selector: { matchLabels: { 'vapp.dev/canary': 'true' } }, limit: 1 }],
        maxInFlight: 2,
        maxCuttingOver: 1,
      }),
      follow(LAB, LAB_ROLLOUT, {}),
    ]);
    for (const [namespace, name, selected] of [
      [NS, ROLLOUT, 3],
      [LAB, LAB_ROLLOUT, 1],
    ] as const) {
      const r = await waitFor(
        async () => {
          const x = await readRollout(kc(), namespace, name);
          return x.status?.phase === 'Completed' && x;
        },
        { what: `${name} Completed on A` },
      );
      assert.equal(r.status?.revision, 1);
      assert.equal(r.status?.target?.baseImage?.version, a.version);
      assert.equal(r.status?.progress, `${String(selected)}/${String(selected)} up to date, 0 in flight`);
      assert.deepEqual(await listPlans(kc(), namespace), []);
    }
  });

  it('B is published and nothing else is done: every selected appliance is rebased; A stays for the one no rollout selects', async () => {
    const sampler = await sampleBudgets(kc(), NS);
    let plans: MaintenancePlan[];
    try {
      await publish(kc(), '40.2');
      b = await latestImport(kc(), a.version);
      plans = await completedRevision(2, b);
      assertBudgets(sampler.max, 2);
    } finally {
      sampler.stop();
    }
    await fleetOn(b, a);
    // The canary went first: its plan ended before either other plan was made.
    const canary = plans.find((p) => p.spec.appliance === 'shop1');
    const canaryEnd = canary?.status?.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '';
    assert.equal(canary?.metadata.labels?.['vapp.dev/wave'], 'canary');
    for (const p of plans.filter((x) => x !== canary)) {
      assert.equal(p.metadata.labels?.['vapp.dev/wave'], 'default');
      assert.ok(
        (p.metadata.creationTimestamp ?? '') >= canaryEnd,
        `${p.metadata.name ?? ''} made after the canary ended`,
      );
    }
    // The data volume carried every write over.
    const ledger = await verifyCutOverData(volumesDir, canary, {
      member: 'db',
      volume: 'data',
      originalClaim: 'shop1-db-data',
    });
    assert.ok(ledger.checked > 0, 'the workload wrote');
    assert.deepEqual(ledger.missing, []);

    // The lab's rollout moved lab1 too.
    const lab = await waitFor(
      async () => {
        const r = await readRollout(kc(), LAB, LAB_ROLLOUT);
        return r.status?.revision === 2 && r.status.phase === 'Completed' && r;
      },
      { what: `${LAB_ROLLOUT} revision 2 Completed`, timeoutMs: 180_000, intervalMs: 500 },
    );
    assert.equal(lab.status?.progress, '1/1 up to date, 0 in flight');

    // shop4 (selected by no rollout) keeps A: A is kept for it, and says so.
    const kept = await waitFor(
      async () => {
        const v = await versionOf(a.version);
        return v?.usage.appliances === 1 && v.usage.retainedOriginals === 0 && v.usage.plans === 0 && v;
      },
      { what: 'A held by shop4 alone', timeoutMs: 60_000 },
    );
    assert.equal(kept.state, 'InUse');
    assert.deepEqual(
      kept.holders.filter((h) => h.startsWith('appliance')),
      [`appliance ${NS}/shop4 (web)`],
    );
    assert.ok((await get(kc(), SNAPSHOTS, GOLDEN, a.importName)) !== undefined, "A's import is still there");
  });

  it('C is published: a third revision rebases the fleet again; B is released after the last, A stays for shop4', async () => {
    const sampler = await sampleBudgets(kc(), NS);
    let c: LatestImport;
    try {
      await publish(kc(), '40.3');
      c = await latestImport(kc(), b.version);
      await completedRevision(3, c);
      assertBudgets(sampler.max, 3);
    } finally {
      sampler.stop();
    }
    await fleetOn(c, a);
    await waitFor(
      async () => {
        const r = await readRollout(kc(), LAB, LAB_ROLLOUT);
        return r.status?.revision === 3 && r.status.phase === 'Completed' && r.status.counts.upToDate === 1;
      },
      { what: `${LAB_ROLLOUT} revision 3 Completed`, timeoutMs: 180_000, intervalMs: 500 },
    );
    const released = await waitFor(
      async () => {
        const v = await versionOf(b.version);
        if (v?.state !== 'Released') throw new Error(`B ${v?.state ?? '?'}: ${v?.releaseBlockedBy ?? ''}`);
        return v;
      },
      { what: 'B Released', timeoutMs: 60_000, intervalMs: 250 },
    );
    const moves = [...(await listPlans(kc(), NS)), ...(await listPlans(kc(), LAB))]
      .filter((p) => p.metadata.labels?.['vapp.dev/rollout-revision'] === '3')
      .map(releaseFinishedAt);
    assert.equal(moves.length, 4);
    assert.ok(
      moves.every((m) => m !== undefined && (released.releasedAt ?? '') >= m),
      `B released (${released.releasedAt ?? ''}) after every original on it was (${moves.join(', ')})`,
    );
    assert.equal(await get(kc(), SNAPSHOTS, GOLDEN, b.importName), undefined);
    await assert.rejects(access(snapshotFile(volumesDir, GOLDEN, b.importName)), "B's storage is gone");
    assert.equal((await versionOf(a.version))?.state, 'InUse', 'A stays: shop4 runs it');

    const { stdout } = await kubectl('get', 'mroll', '-n', NS, ROLLOUT);
    assert.match(stdout, /fedora-prod\s+Completed\s+3\/3 up to date, 0 in flight/);
  });
});
