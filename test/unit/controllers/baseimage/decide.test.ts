// The BaseImage controller's decisions, pass by pass, as a user would follow them in
// `kubectl get bimg` and `kubectl describe bimg`: a DataSource publishes A then B, appliances use A,
// CDI's garbage collection deletes A while it is used, A is released once nothing uses it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BaseImageStatus, MaintenancePlan } from '../../../../src/api/v1alpha1/index.ts';
import { decideBaseImage, formatBytes } from '../../../../src/controllers/baseimage/decide.ts';
import {
  APPS,
  DIGEST_A,
  DIGEST_B,
  GOLDEN,
  IMPORT_A,
  IMPORT_B,
  appliance,
  baseImage,
  cron,
  dataSource,
  facts,
  importSnapshot,
  memberVm,
  pvc,
  rootDv,
  threeAppliancesOnA,
  type World,
} from './fixtures.ts';

const T0 = new Date('2026-03-01T00:00:00Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);

/** Runs passes, each from the status the last one wrote. */
function run(spec: Parameters<typeof baseImage>[0], worlds: { world: World; at: Date }[]) {
  let status: BaseImageStatus | undefined;
  const decisions = [];
  for (const { world, at } of worlds) {
    const d = decideBaseImage(facts(baseImage(spec, status), world, at));
    decisions.push(d);
    status = d.status;
  }
  return decisions;
}

const onA: World = {
  dataSource: dataSource(IMPORT_A),
  cron: cron({ name: IMPORT_A, digest: DIGEST_A }),
  snapshots: [importSnapshot(IMPORT_A)],
};
const onB = (aOpts: Parameters<typeof importSnapshot>[1] = {}): World => ({
  dataSource: dataSource(IMPORT_B),
  cron: cron({ name: IMPORT_B, digest: DIGEST_B }),
  snapshots: [importSnapshot(IMPORT_A, aOpts), importSnapshot(IMPORT_B, { created: '2026-02-01T00:00:00Z' })],
});

describe('BaseImage decisions', () => {
  it('takes the DataSource source as the latest version, named by the cron digest, and protects it', () => {
    const [d] = run({}, [{ world: onA, at: T0 }]);
    assert.ok(d);
    assert.equal(d.status.latest?.version, DIGEST_A);
    assert.equal(d.status.latest?.label, 'a1'.repeat(6));
    assert.deepEqual(
      d.status.versions.map((v) => [v.version, v.state, v.source?.kind, v.source?.name]),
      [[DIGEST_A, 'Latest', 'VolumeSnapshot', IMPORT_A]],
    );
    assert.deepEqual(d.actions, [
      { kind: 'addFinalizer', object: { kind: 'VolumeSnapshot', namespace: GOLDEN, name: IMPORT_A } },
    ]);
    assert.equal(d.events[0]?.reason, 'NewVersion');
    assert.equal(d.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(d.status.conditions.find((c) => c.type === 'UpToDate')?.status, 'True');
  });

  it('makes a new source the latest only after it stayed Ready for settleSeconds', () => {
    const [, pending, settled] = run({ settleSeconds: 60 }, [
      { world: onA, at: T0 },
      { world: onB(), at: later(10) },
      { world: onB(), at: later(71) },
    ]);
    assert.ok(pending && settled);
    assert.equal(pending.status.latest?.version, DIGEST_A);
    assert.equal(pending.status.pending?.version, DIGEST_B);
    assert.equal(pending.status.conditions.find((c) => c.type === 'UpToDate')?.reason, 'Settling');
    assert.equal(pending.status.conditions.find((c) => c.type === 'Reconciling')?.reason, 'Settling');
    assert.ok(pending.requeueAfterMs <= 60_000 && pending.requeueAfterMs >= 59_000, String(pending.requeueAfterMs));
    assert.equal(settled.status.latest?.version, DIGEST_B);
    assert.deepEqual(
      settled.status.versions.map((v) => [v.version, v.state]),
      [
        [DIGEST_B, 'Latest'],
        [DIGEST_A, 'Retained'],
      ],
    );
    assert.equal(settled.status.versions[1]?.supersededAt, '2026-03-01T00:01:11Z');
    assert.match(settled.events.find((e) => e.reason === 'NewVersion')?.message ?? '', /replaces/);
  });

  it('an import seen while CDI makes it is not superseded, and becomes the latest when the DataSource points at it', () => {
    // CDI records the import it makes in currentImports at once; the DataSource still points at A.
    const importing: World = {
      ...onA,
      cron: cron({ name: IMPORT_B, digest: DIGEST_B }),
      snapshots: [importSnapshot(IMPORT_A), importSnapshot(IMPORT_B, { created: '2026-03-01T00:00:05Z' })],
    };
    const [, seen, promoted] = run({}, [
      { world: onA, at: T0 },
      { world: importing, at: later(6) },
      { world: onB(), at: later(7) },
    ]);
    const b = (d: typeof seen) => d?.status.versions.find((v) => v.source?.name === IMPORT_B);
    assert.equal(b(seen)?.supersededAt, undefined);
    assert.equal(seen?.status.latest?.version, DIGEST_A);
    assert.equal(promoted?.status.latest?.version, DIGEST_B);
    assert.equal(b(promoted)?.supersededAt, undefined);
    assert.equal(promoted?.status.versions.find((v) => v.version === DIGEST_A)?.supersededAt, '2026-03-01T00:00:07Z');
  });

  it('counts the appliances on each version and names them; an older version in use keeps its finalizer', () => {
    const world = { ...onB({ finalizer: true }), ...threeAppliancesOnA() };
    const [, d] = run({}, [
      { world: onA, at: T0 },
      { world, at: later(1) },
    ]);
    assert.ok(d);
    const a = d.status.versions.find((v) => v.version === DIGEST_A);
    assert.equal(a?.state, 'InUse');
    assert.equal(a?.usage.appliances, 3);
    assert.deepEqual(a?.holders, [
      'appliance apps/shop1 (db, web)',
      'appliance apps/shop2 (db, web)',
      'appliance apps/shop3 (db, web)',
    ]);
    assert.match(a?.releaseBlockedBy ?? '', /in use by 3 appliances/);
    assert.ok(!d.actions.some((x) => x.kind === 'removeFinalizer'));
    assert.equal(d.status.inUse, 1);
    assert.equal(d.status.usage, `${'b2'.repeat(6)} (latest): nothing; ${'a1'.repeat(6)}: 3 appliances`);
    assert.equal(d.status.reclaimable, '64Mi');
  });

  it("defers CDI's deletion of a version in use: InUse with the deletion requested, and an Event", () => {
    const world = { ...onB({ finalizer: true, deleting: true }), ...threeAppliancesOnA() };
    const [, d] = run({}, [
      { world: onA, at: T0 },
      { world, at: later(1) },
    ]);
    const a = d?.status.versions.find((v) => v.version === DIGEST_A);
    assert.equal(a?.state, 'InUse');
    assert.equal(a?.deletionRequested, true);
    assert.match(a?.releaseBlockedBy ?? '', /deletion requested .* deferred: in use by 3 appliances/);
    assert.ok(d?.events.some((e) => e.reason === 'DeletionDeferred'));
  });

  it('counts stopped originals kept for a rollback, clones of plans in flight and plans; not the copies of released ones', () => {
    const apps = threeAppliancesOnA();
    // shop1 cut over to its rebased clone (green); its originals (blue) are kept by the plan.
    const shop1 = appliance('shop1', ['db', 'web'], { activeSlot: 'green', activePlan: 'rebase-1' });
    const clones = ['db', 'web'].map((m) =>
      memberVm(`rebase-1-${m}`, {
        appliance: 'shop1',
        member: m,
        slot: 'green',
        plan: 'rebase-1',
        root: `rebase-1-${m}-root`,
      }),
    );
    const cloneDisks = clones.map((c) => ({
      ...rootDv(APPS, `${c.metadata?.name ?? ''}-root`, { snapshot: IMPORT_B }),
      metadata: {
        name: `${c.metadata?.name ?? ''}-root`,
        namespace: APPS,
        annotations: { 'base.vapp.dev/image': 'golden/fedora', 'base.vapp.dev/version': DIGEST_B },
      },
    }));
    // shop2's plan has its clone (green) still before the cut-over.
    const shop2Clone = memberVm('rebase-2-db', {
      appliance: 'shop2',
      member: 'db',
      slot: 'green',
      plan: 'rebase-2',
      root: 'shop2-db-root-copy',
    });
    const plan = (name: string, phase: string, cutOver: boolean): MaintenancePlan =>
      ({
        apiVersion: 'vapp.dev/v1alpha1',
        kind: 'MaintenancePlan',
        metadata: { name, namespace: APPS },
        spec: {
          appliance: name === 'rebase-1' ? 'shop1' : 'shop2',
          components: [],
          baseImage: { ref: { name: 'fedora', namespace: GOLDEN }, version: DIGEST_B },
        },
        status: {
          phase,
          steps: [],
          syncRounds: [],
          conditions: [],
          ...(cutOver ? { cutOver: { servicesSwitchedAt: '2026-03-01T00:00:00Z' } } : {}),
          preview: {
            hash: 'x',
            updates: [],
            unchanged: [],
            rebases: [{ member: 'db', image: 'golden/fedora', volume: 'root', from: DIGEST_A, to: DIGEST_B }],
          },
        },
      }) as unknown as MaintenancePlan;
    const world: World = {
      ...onB({ finalizer: true }),
      ...apps,
      vms: [...(apps.vms ?? []), ...clones, shop2Clone],
      dataVolumes: [
        ...(apps.dataVolumes ?? []),
        ...cloneDisks,
        { ...rootDv(APPS, 'shop2-db-root-copy', { snapshot: IMPORT_A }) },
      ],
      appliances: [shop1, ...(apps.appliances ?? []).slice(1)],
      plans: [plan('rebase-1', 'Succeeded', true), plan('rebase-2', 'Updating', false)],
    };
    const [, d] = run({}, [
      { world: onA, at: T0 },
      { world, at: later(1) },
    ]);
    const a = d?.status.versions.find((v) => v.version === DIGEST_A);
    const b = d?.status.versions.find((v) => v.version === DIGEST_B);
    assert.deepEqual(a?.usage, {
      appliances: 2,
      retainedOriginals: 2,
      snapshots: 0,
      plans: 1,
      inFlightClones: 1,
      otherVMs: 0,
      unknown: 0,
    });
    assert.ok(
      a?.holders.includes('VM apps/shop1-db (stopped copy of apps/shop1 db, kept by plan apps/rebase-1)'),
      String(a?.holders),
    );
    assert.ok(a?.holders.includes('VM apps/rebase-2-db (clone of plan apps/rebase-2)'));
    assert.ok(a?.holders.includes(`plan apps/rebase-2 (rebase from ${'a1'.repeat(6)})`));
    assert.equal(b?.usage.appliances, 1);
    assert.equal(b?.usage.plans, 1, 'the plan in flight rebases to B');
  });

  it('a member of unknown version holds every version that was current while its root disk existed', () => {
    const vm = memberVm('shop9-db', { appliance: 'shop9', member: 'db', slot: 'blue' });
    const world: World = {
      ...onB({ finalizer: true }),
      vms: [vm],
      // Cloned through sourceRef: CDI records no version.
      dataVolumes: [rootDv(APPS, 'shop9-db-root', { sourceRef: true })],
      pvcs: [pvc(APPS, 'shop9-db-root', {}, '2026-02-15T00:00:00Z')],
      appliances: [appliance('shop9', ['db'])],
    };
    const [, d] = run({ release: { keepPrevious: 0, minUnusedFor: '0s' } }, [
      { world: onA, at: T0 },
      { world, at: later(1) },
    ]);
    const a = d?.status.versions.find((v) => v.version === DIGEST_A);
    assert.equal(a?.state, 'InUse');
    assert.equal(a?.usage.unknown, 1);
    assert.deepEqual(a?.holders, ['VM apps/shop9-db (member db of apps/shop9: version unknown)']);
  });

  it('releases an unused version: the finalizer goes (Guard), CDI deletes it, Released once gone; the latest never', () => {
    const spec = { release: { keepPrevious: 0, minUnusedFor: '0s' } };
    const [, releasable, releasing, released] = run(spec, [
      { world: onA, at: T0 },
      { world: onB({ finalizer: true }), at: later(1) },
      { world: onB({ deleting: true }), at: later(2) },
      { world: { ...onB(), snapshots: [importSnapshot(IMPORT_B, { finalizer: true })] }, at: later(3) },
    ]);
    const a = (d: typeof releasable) => d?.status.versions.find((v) => v.version === DIGEST_A);
    assert.equal(a(releasable)?.state, 'Releasable');
    assert.deepEqual(
      releasable?.actions.filter((x) => x.kind === 'removeFinalizer'),
      [{ kind: 'removeFinalizer', object: { kind: 'VolumeSnapshot', namespace: GOLDEN, name: IMPORT_A } }],
    );
    assert.equal(a(releasing)?.state, 'Releasing');
    assert.equal(releasing?.status.conditions.find((c) => c.type === 'Reconciling')?.reason, 'Releasing');
    assert.equal(a(released)?.state, 'Released');
    assert.equal(a(released)?.releasedAt, '2026-03-01T00:00:03Z');
    assert.ok(released?.events.some((e) => e.reason === 'Released'));
    assert.equal(released?.status.versions.find((v) => v.version === DIGEST_B)?.state, 'Latest');
    assert.equal(released?.status.versionCount, 1);
  });

  it('TakeOver: turns the cron garbage collection off and deletes a released version itself', () => {
    const spec = { release: { keepPrevious: 0, minUnusedFor: '0s', garbageCollection: 'TakeOver' as const } };
    const [, d] = run(spec, [
      { world: onA, at: T0 },
      { world: onB({ finalizer: true }), at: later(1) },
    ]);
    assert.deepEqual(d?.actions, [
      { kind: 'addFinalizer', object: { kind: 'VolumeSnapshot', namespace: GOLDEN, name: IMPORT_B } },
      { kind: 'removeFinalizer', object: { kind: 'VolumeSnapshot', namespace: GOLDEN, name: IMPORT_A } },
      { kind: 'delete', object: { kind: 'VolumeSnapshot', namespace: GOLDEN, name: IMPORT_A } },
      { kind: 'stopCronGarbageCollection', object: { kind: 'DataImportCron', namespace: GOLDEN, name: 'fedora' } },
    ]);
    assert.equal(d?.status.versions.find((v) => v.version === DIGEST_A)?.state, 'Releasing');
  });

  it('TakeOver with nothing kept: never deletes a version that was not superseded (an import on its way to become the latest)', () => {
    const spec = { release: { keepPrevious: 0, minUnusedFor: '0s', garbageCollection: 'TakeOver' as const } };
    const importing: World = {
      ...onA,
      cron: cron({ name: IMPORT_B, digest: DIGEST_B }),
      snapshots: [importSnapshot(IMPORT_A), importSnapshot(IMPORT_B, { created: '2026-03-01T00:00:05Z' })],
    };
    const [first, seen, promoted] = run(spec, [
      { world: onA, at: T0 },
      { world: importing, at: later(6) },
      { world: onB({ finalizer: true }), at: later(7) },
    ]);
    const deletes = (d: typeof seen) => (d?.actions ?? []).filter((a) => a.kind === 'delete');
    assert.deepEqual(deletes(first), []);
    assert.deepEqual(deletes(seen), [], 'B, not yet the latest, is not deleted');
    const b = seen?.status.versions.find((v) => v.version === DIGEST_B);
    assert.equal(b?.state, 'Retained');
    assert.match(b?.releaseBlockedBy ?? '', /not superseded/);
    // Once B is the latest, A (superseded, unused) goes.
    assert.deepEqual(
      deletes(promoted).map((a) => a.object.name),
      [IMPORT_A],
    );
  });

  it('keeps unused versions as the policy says: keepPrevious, minUnusedFor (looking again when it runs out), Manual, Never', () => {
    const state = (release: object, at = later(1)) => {
      const [, d] = run({ release }, [
        { world: onA, at: T0 },
        { world: onB({ finalizer: true }), at },
      ]);
      const a = d?.status.versions.find((v) => v.version === DIGEST_A);
      return { state: a?.state, why: a?.releaseBlockedBy, requeue: d?.requeueAfterMs };
    };
    assert.deepEqual(state({ keepPrevious: 1, minUnusedFor: '0s' }).state, 'Retained');
    assert.match(state({ keepPrevious: 1, minUnusedFor: '0s' }).why ?? '', /keepPrevious/);
    const delayed = state({ keepPrevious: 0, minUnusedFor: '30s' });
    assert.equal(delayed.state, 'Retained');
    assert.match(delayed.why ?? '', /released at 2026-03-01T00:00:31Z \(spec.release.minUnusedFor\)/);
    assert.ok((delayed.requeue ?? 0) <= 30_000);
    assert.match(state({ keepPrevious: 0, minUnusedFor: '0s', policy: 'Manual' }).why ?? '', /spec.release.approve/);
    assert.equal(
      state({ keepPrevious: 0, minUnusedFor: '0s', policy: 'Manual', approve: [DIGEST_A] }).state,
      'Releasable',
    );
    assert.equal(state({ keepPrevious: 0, minUnusedFor: '0s', policy: 'Never' }).state, 'Retained');
  });

  it('a version gone without a release is Missing, with a Warning', () => {
    const [, , d] = run({}, [
      { world: onA, at: T0 },
      { world: onB({ finalizer: true }), at: later(1) },
      { world: { ...onB(), snapshots: [importSnapshot(IMPORT_B)] }, at: later(2) },
    ]);
    assert.equal(d?.status.versions.find((v) => v.version === DIGEST_A)?.state, 'Missing');
    assert.ok(d?.events.some((e) => e.type === 'Warning' && e.reason === 'VersionMissing'));
  });

  it('a new BaseImage waits a minute for its DataSource (the cron creates it) before it stalls', () => {
    const young = baseImage();
    young.metadata.creationTimestamp = '2026-02-29T23:59:30Z';
    const d = decideBaseImage(facts(young, {}, T0));
    assert.equal(
      d.status.conditions.find((c) => c.type === 'Stalled'),
      undefined,
    );
    assert.equal(d.status.conditions.find((c) => c.type === 'Reconciling')?.reason, 'DataSourceNotFound');
  });

  it("with imports kept as VolumeSnapshots, the snapshot is the version's object; a finalizer on the transient import PVC goes", () => {
    const importPvc = {
      ...pvc(GOLDEN, IMPORT_A),
      metadata: {
        ...pvc(GOLDEN, IMPORT_A).metadata,
        labels: { 'cdi.kubevirt.io/dataImportCron': 'fedora' },
        finalizers: ['vapp.dev/base-image-in-use'],
      },
    };
    const [d] = run({}, [{ world: { ...onA, pvcs: [importPvc] }, at: T0 }]);
    assert.equal(d?.status.versions[0]?.source?.kind, 'VolumeSnapshot');
    assert.deepEqual(
      d?.actions.filter((a) => a.kind === 'removeFinalizer'),
      [{ kind: 'removeFinalizer', object: { kind: 'PersistentVolumeClaim', namespace: GOLDEN, name: IMPORT_A } }],
    );
  });

  it('a DataSource that does not exist stalls the BaseImage, naming it', () => {
    const [d] = run({}, [{ world: {}, at: T0 }]);
    const stalled = d?.status.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.reason, 'DataSourceNotFound');
    assert.equal(stalled?.message, 'DataSource golden/fedora not found');
  });

  it('learns what the guest reports on a version from the VMs known to run it', () => {
    const apps = threeAppliancesOnA();
    const vmis = (apps.vms ?? []).map((vm) => ({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: { name: vm.metadata?.name ?? '', namespace: APPS },
      spec: { domain: { devices: {} } },
      status: { guestOSInfo: { versionId: '40.1' } },
    }));
    const [d] = run({ guestOS: { field: 'versionId' } }, [{ world: { ...onA, ...apps, vmis }, at: T0 }]);
    const a = d?.status.versions[0];
    assert.equal(a?.guestOS, '40.1');
    assert.equal(a?.displayVersion, '40.1');
    assert.equal(d?.status.latest?.displayVersion, '40.1');
  });

  it('containerDisk tags: the last tag is the latest; an unused older tag is released without deleting anything', () => {
    const spec = {
      source: { containerDisk: { repository: 'registry.example.com/os/fedora', tags: ['40.1', '40.2'] } },
      release: { keepPrevious: 0, minUnusedFor: '0s' },
    };
    const [d] = run(spec, [{ world: {}, at: T0 }]);
    assert.deepEqual(
      d?.status.versions.map((v) => [v.version, v.state]),
      [
        ['40.2', 'Latest'],
        ['40.1', 'Released'],
      ],
    );
    assert.deepEqual(d?.actions, []);
  });

  it('formats sizes as quantities', () => {
    assert.equal(formatBytes(0), '0');
    assert.equal(formatBytes(64 * 1024 * 1024), '64Mi');
    assert.equal(formatBytes(5 * 1024 ** 3), '5Gi');
    assert.equal(formatBytes(1536 * 1024), '1536Ki');
  });
});
