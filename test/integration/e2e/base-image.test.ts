// A shared base image end to end on the sandbox (US20130132945A1): appliances whose root disks were
// cloned from version A of a CDI DataSource; version B is published; the BaseImage shows who runs
// which; a plan rebases one appliance onto B (a new root disk cloned from B's import, the data
// volume carried over with every write, the guest reports B); A stays while anything uses it, even
// when CDI's garbage collection (importsToKeep 1) deletes it; once the last user moved and the
// retained original is released, A is released and its storage is gone. One sandbox, four plans
// that maintain (two of them at once) and three that stop in planning.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import type { MaintenancePlan, MaintenancePlanInput } from '../../../src/api/v1alpha1/index.ts';
import { planNames } from '../../../src/controllers/maintenance/names.ts';
import type { DataVolume, VirtualMachine, VirtualMachineInstance } from '../../../src/kubevirt/types.ts';
import { KUBEVIRT } from '../../../src/kubevirt/types.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { verifyCutOverData } from '../../../src/sandbox/demo/data-check.ts';
import { snapshotFile } from '../../../src/sandbox/simulator/storage/index.ts';
import type { TestCluster } from '../../support/cluster.ts';
import { startE2eSandbox, type E2eSandbox } from '../../support/e2e-sandbox.ts';
import {
  GOLDEN,
  createNamespace,
  deployGoldenAppliance,
  deployGoldenImage,
  get,
  latestImport,
  mergePatch,
  publish,
  readBaseImage,
  readGoldenAppliance,
  type LatestImport,
} from '../../support/golden.ts';
import { deletePlan, readPlan, waitForPhase } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);
const APPS = 'apps';
const SNAPSHOTS = {
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumesnapshots',
  kind: 'VolumeSnapshot',
};
interface Snapshot {
  metadata?: { deletionTimestamp?: string; finalizers?: string[] };
}

describe('shared base image end to end', () => {
  let cluster: TestCluster;
  let volumesDir: string;
  let sandbox: E2eSandbox;
  let a: LatestImport;
  let b: LatestImport;
  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 120_000 });
  const kc = () => cluster.kubeConfig;
  const versionOf = async (v: string) => (await readBaseImage(kc()))?.status?.versions.find((x) => x.version === v);
  const rebasePlan = (
    name: string,
    appliance: string,
    version: string,
    extra: Partial<MaintenancePlanInput['spec']> = {},
  ) =>
    applyManifests(kc(), [
      {
        apiVersion: 'vapp.dev/v1alpha1',
        kind: 'MaintenancePlan',
        metadata: { name, namespace: APPS },
        spec: {
          appliance,
          components: [],
          baseImage: { ref: { name: 'fedora', namespace: GOLDEN }, version },
          verify: { timeoutSeconds: 60 },
          rollback: { observeSeconds: 1, retainOriginalFor: '1h' },
          ...extra,
        },
      } satisfies MaintenancePlanInput as KubeObject,
    ]);
  const stalledOf = (p: MaintenancePlan) =>
    p.status?.conditions.find((c) => c.type === 'Stalled' && c.status === 'True');

  before(async () => {
    sandbox = await startE2eSandbox({ operator: { controllers: { maintenance: { observeIntervalMs: 1_000 } } } });
    ({ cluster, volumesDir } = sandbox);
  });
  after(() => sandbox.stop());

  it('follows the DataSource: three appliances on version A, then B is published and A is in use by the three', async () => {
    a = await deployGoldenImage(kc(), (spec) => ({
      ...spec,
      settleSeconds: 0,
      release: { ...spec.release, keepPrevious: 0, minUnusedFor: '0s' },
    }));
    await createNamespace(kc(), APPS);
    const root = { snapshot: a.importName };
    await Promise.all([
      deployGoldenAppliance(kc(), {
        namespace: APPS,
        name: 'shop1',
        members: ['db', 'web'],
        root,
        data: ['db'],
        workload: 20,
      }),
      deployGoldenAppliance(kc(), { namespace: APPS, name: 'shop2', members: ['web'], root }),
      deployGoldenAppliance(kc(), { namespace: APPS, name: 'shop3', members: ['web'], root }),
    ]);
    const shop1 = await readGoldenAppliance(kc(), APPS, 'shop1');
    assert.deepEqual(
      shop1?.status?.members.map((m) => [m.name, m.baseImage?.version, m.baseImage?.determinedBy, m.baseImage?.source]),
      [
        ['db', a.version, 'DataVolumeSource', `VolumeSnapshot ${GOLDEN}/${a.importName}`],
        ['web', a.version, 'DataVolumeSource', `VolumeSnapshot ${GOLDEN}/${a.importName}`],
      ],
    );
    assert.equal(shop1?.metadata.labels?.['base.vapp.dev/fedora'], a.label);

    // One command publishes a new build of the registry tag; CDI imports it, the DataSource follows.
    await publish(kc(), '40.2');
    b = await latestImport(kc(), a.version);
    assert.notEqual(b.importName, a.importName);
    const onA = await waitFor(
      async () => {
        const v = await versionOf(a.version);
        // The guests report their OS once booted (their agents connect then), a little after Ready.
        return v?.state === 'InUse' && v.usage.appliances === 3 && v.guestOS !== undefined && v;
      },
      { what: 'A InUse by three appliances, its guest OS learned' },
    );
    assert.deepEqual(onA.holders.filter((h) => h.startsWith('appliance')).sort(), [
      'appliance apps/shop1 (db, web)',
      'appliance apps/shop2 (web)',
      'appliance apps/shop3 (web)',
    ]);
    assert.equal(onA.guestOS, '40.1', 'learned from the guests on A');
    assert.equal(onA.displayVersion, '40.1');
    const bimg = await readBaseImage(kc());
    assert.equal(bimg?.status?.versions[0]?.version, b.version, 'newest first');
    assert.equal(bimg?.status?.versions[0]?.state, 'Latest');

    // kubectl get bimg: versions and usage at a glance; kubectl get vapp -l: who is behind.
    const { stdout: table } = await kubectl('get', 'bimg', '-n', GOLDEN);
    assert.match(table, /NAME\s+LATEST\s+VERSIONS\s+IN USE\s+RECLAIMABLE\s+USAGE\s+READY\s+AGE/);
    assert.match(table, /fedora\s+\S+\s+2\s+1\s+64Mi\s+.*40\.1: 3 appliances\s+True/);
    const { stdout: behind } = await kubectl(
      'get',
      'vapp',
      '-n',
      APPS,
      '-l',
      `base.vapp.dev/fedora!=${b.label}`,
      '-o',
      'name',
    );
    assert.deepEqual(behind.trim().split('\n').sort(), [
      'virtualappliance.vapp.dev/shop1',
      'virtualappliance.vapp.dev/shop2',
      'virtualappliance.vapp.dev/shop3',
    ]);
  });

  it('refuses a plan naming a version the BaseImage does not know, and stalls on a member of unknown version until it is stated', async () => {
    await rebasePlan('bad-version', 'shop2', '39.0');
    const bad = await waitForPhase(kc(), APPS, 'bad-version', (p) => p === 'Failed');
    assert.equal(stalledOf(bad)?.reason, 'UnknownBaseImageVersion');
    assert.match(
      stalledOf(bad)?.message ?? '',
      /^spec\.baseImage\.version: 39\.0 is no version of BaseImage golden-images\/fedora/,
    );
    await deletePlan(kc(), APPS, 'bad-version');

    // Cloned through sourceRef: CDI keeps no record of the version.
    await deployGoldenAppliance(kc(), { namespace: APPS, name: 'shop4', members: ['web'], root: { sourceRef: true } });
    const shop4 = await readGoldenAppliance(kc(), APPS, 'shop4');
    assert.equal(shop4?.status?.members[0]?.baseImage?.determinedBy, 'Unknown');
    assert.equal(shop4?.metadata.labels?.['base.vapp.dev/fedora'], 'unknown');
    await rebasePlan('rebase-4', 'shop4', b.version);
    const stalled = await waitFor(
      async () => {
        const p = await readPlan(kc(), APPS, 'rebase-4');
        return stalledOf(p) !== undefined && p;
      },
      { what: 'rebase-4 Stalled' },
    );
    assert.equal(stalled.status?.phase, 'Planning');
    assert.equal(stalledOf(stalled)?.reason, 'BaseImageVersionUnknown');
    assert.match(
      stalledOf(stalled)?.message ?? '',
      /member web: .*sourceRef DataSource golden-images\/fedora.*state it with: kubectl annotate vm -n apps shop4-web base\.vapp\.dev\/version=<version>/,
    );
    // It holds what may be on it: B (A was superseded before its disk was made).
    await waitFor(async () => (await versionOf(b.version))?.usage.unknown === 1, {
      what: 'B held by the unknown member',
    });
    assert.equal((await versionOf(a.version))?.usage.unknown, 0);
    // The way out the message names.
    await kubectl('annotate', 'vm', '-n', APPS, 'shop4-web', `base.vapp.dev/version=${b.label}`);
    const done = await waitForPhase(kc(), APPS, 'rebase-4', (p) => p === 'Succeeded');
    assert.equal(done.status?.conditions.find((c) => c.type === 'Ready')?.reason, 'NoChanges');
    assert.deepEqual(done.status?.preview?.baseUnchanged, [
      { member: 'web', image: `${GOLDEN}/fedora`, version: b.version },
    ]);
    assert.equal(
      (await readGoldenAppliance(kc(), APPS, 'shop4'))?.status?.members[0]?.baseImage?.determinedBy,
      'Annotation',
    );
    await waitFor(async () => (await versionOf(b.version))?.guestOS === '40.2', {
      what: "B learns its guests' version",
    });
  });

  it('rebases one appliance: root disks cloned from B, the data volume carried over, the guest reports B; A stays held', async () => {
    await rebasePlan('rebase-1', 'shop1', b.version);
    await kubectl('wait', '-n', APPS, '--for=condition=Ready', 'mplan/rebase-1', '--timeout=180s');
    const plan = await readPlan(kc(), APPS, 'rebase-1');
    assert.equal(plan.status?.phase, 'Succeeded');
    assert.deepEqual(
      plan.status?.preview?.rebases?.map((r) => [r.member, r.from, r.to, r.fromDisplay, r.toDisplay]),
      [
        ['db', a.version, b.version, '40.1', '40.2'],
        ['web', a.version, b.version, '40.1', '40.2'],
      ],
    );
    const names = planNames('rebase-1');
    for (const member of ['db', 'web']) {
      const vm = await get<VirtualMachine>(kc(), KUBEVIRT.virtualMachines, APPS, names.cloneVm(member));
      const root = vm?.spec.template.spec?.volumes?.find((v) => v.name === 'root');
      assert.deepEqual(
        root?.dataVolume,
        { name: names.rootDisk(member) },
        `${member}: the clone runs on the new root disk`,
      );
      const dv = await get<DataVolume>(kc(), KUBEVIRT.dataVolumes, APPS, names.rootDisk(member));
      assert.deepEqual(
        dv?.spec.source,
        { snapshot: { namespace: GOLDEN, name: b.importName } },
        'cloned from the pinned import',
      );
      assert.equal(dv?.spec.sourceRef, undefined);
      assert.equal(dv?.metadata?.annotations?.['base.vapp.dev/version'], b.version);
      const vmi = await get<VirtualMachineInstance>(
        kc(),
        KUBEVIRT.virtualMachineInstances,
        APPS,
        names.cloneVm(member),
      );
      assert.equal(vmi?.status?.guestOSInfo?.versionId, '40.2', `${member}: the guest reports the new version`);
    }
    const ledger = await verifyCutOverData(volumesDir, plan, {
      member: 'db',
      volume: 'data',
      originalClaim: 'shop1-db-data',
    });
    assert.ok(ledger.checked > 0, 'the workload wrote');
    assert.deepEqual(ledger.missing, []);

    const shop1 = await waitFor(
      async () => {
        const s = await readGoldenAppliance(kc(), APPS, 'shop1');
        return s?.metadata.labels?.['base.vapp.dev/fedora'] === b.label && s;
      },
      { what: 'shop1 labelled with B' },
    );
    assert.deepEqual(
      shop1.status?.members.map((m) => [m.name, m.baseImage?.version, m.baseImage?.determinedBy]),
      [
        ['db', b.version, 'Provenance'],
        ['web', b.version, 'Provenance'],
      ],
    );
    const held = await waitFor(
      async () => {
        const v = await versionOf(a.version);
        return v?.usage.appliances === 2 && v.usage.retainedOriginals === 2 && v;
      },
      { what: 'A held by two appliances and the retained original' },
    );
    assert.equal(held.state, 'InUse');
    assert.ok(
      held.holders.includes('VM apps/shop1-db (stopped copy of apps/shop1 db, kept by plan apps/rebase-1)'),
      String(held.holders),
    );
    const { stdout: behind } = await kubectl(
      'get',
      'vapp',
      '-n',
      APPS,
      '-l',
      `base.vapp.dev/fedora!=${b.label}`,
      '-o',
      'name',
    );
    assert.deepEqual(behind.trim().split('\n').sort(), [
      'virtualappliance.vapp.dev/shop2',
      'virtualappliance.vapp.dev/shop3',
    ]);
  });

  it("keeps A when CDI's garbage collection (importsToKeep 1) deletes it, and says who holds it", async () => {
    await mergePatch(kc(), KUBEVIRT.dataImportCrons, GOLDEN, 'fedora', { spec: { importsToKeep: 1 } });
    const deleting = await waitFor(
      async () => {
        const s = await get<Snapshot>(kc(), SNAPSHOTS, GOLDEN, a.importName);
        return s?.metadata?.deletionTimestamp !== undefined && s;
      },
      { what: 'A deleted by CDI garbage collection' },
    );
    assert.ok(deleting.metadata?.finalizers?.includes('vapp.dev/base-image-in-use'));
    await access(snapshotFile(volumesDir, GOLDEN, a.importName)); // its storage is still there
    const v = await waitFor(
      async () => {
        const x = await versionOf(a.version);
        return x?.deletionRequested === true && x;
      },
      { what: 'A deletion deferred' },
    );
    assert.equal(v.state, 'InUse');
    assert.match(
      v.releaseBlockedBy ?? '',
      /deletion requested .* deferred: in use by 2 appliances, 2 retained originals/,
    );
    const { stdout: described } = await kubectl('describe', 'bimg', '-n', GOLDEN, 'fedora');
    assert.match(described, /Release Blocked By:\s+deletion requested/);
    assert.match(described, /appliance apps\/shop2 \(web\)/);
    assert.match(described, /DeletionDeferred/);
  });

  it('releases A once the last user moved and the original is released: its storage is gone', async () => {
    const quick = { rollback: { observeSeconds: 1, retainOriginalFor: '1s' } };
    await Promise.all([
      rebasePlan('rebase-2', 'shop2', b.version, quick),
      rebasePlan('rebase-3', 'shop3', b.version, quick),
    ]);
    for (const name of ['rebase-2', 'rebase-3']) {
      await waitFor(
        async () => {
          const p = await readPlan(kc(), APPS, name);
          return p.status?.steps.find((s) => s.name === 'Release')?.state === 'Succeeded' && p;
        },
        { what: `${name} released its original`, timeoutMs: 180_000, intervalMs: 500 },
      );
    }
    // Only the retained original of shop1 holds A now.
    const last = await waitFor(
      async () => {
        const v = await versionOf(a.version);
        return v?.usage.appliances === 0 && v;
      },
      { what: 'no appliance on A' },
    );
    assert.equal(last.state, 'InUse');
    assert.equal(last.usage.retainedOriginals, 2);
    // Deleting the plan releases shop1's original at once.
    await deletePlan(kc(), APPS, 'rebase-1');
    const released = await waitFor(
      async () => {
        const v = await versionOf(a.version);
        return v?.state === 'Released' && v;
      },
      { what: 'A Released', timeoutMs: 60_000 },
    );
    assert.ok(released.releasedAt);
    assert.equal(await get(kc(), SNAPSHOTS, GOLDEN, a.importName), undefined);
    await assert.rejects(access(snapshotFile(volumesDir, GOLDEN, a.importName)), 'its storage is gone');
    const bimg = await readBaseImage(kc());
    assert.equal(bimg?.status?.versionCount, 1);
    assert.equal(bimg?.status?.versions.find((v) => v.version === b.version)?.state, 'Latest');
    const events = await kc().makeApiClient(CoreV1Api).listNamespacedEvent({
      namespace: GOLDEN,
      fieldSelector: 'involvedObject.name=fedora,involvedObject.kind=BaseImage',
    });
    assert.ok(
      events.items.some((e) => e.reason === 'Released'),
      'a Released Event',
    );
  });
});
