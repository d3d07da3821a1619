import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VirtualMachine } from '../../../../../src/kubevirt/types.ts';
import {
  clonePatches,
  cloneFailedStatus,
  clonePhaseStatus,
  cloneRestoreName,
  cloneSnapshotName,
  cloneSucceededStatus,
  keepKey,
  randomSuffix,
  targetNameFor,
} from '../../../../../src/sandbox/simulator/storage/clone.ts';
import { JsonPatchError } from '../../../../../src/sandbox/simulator/storage/jsonpatch.ts';
import {
  restoreCompleteStatus,
  restoredPvc,
  restoreFailedStatus,
  restoreInProgressStatus,
  restorePvcName,
  targetVmFor,
  volumeRestoresFor,
  isRestoreFailed,
} from '../../../../../src/sandbox/simulator/storage/restore.ts';
import { contentFor, snapshotVolumes } from '../../../../../src/sandbox/simulator/storage/vmsnapshot.ts';
import { clone, pvc, restore, snapshot, vm } from './fixtures.ts';

const NOW = '2026-11-22T01:00:05.000Z';
const content = () =>
  contentFor(
    snapshot(),
    vm(),
    snapshotVolumes(vm()).included,
    new Map([
      ['db-pgdata', pvc('db-pgdata')],
      ['db-logs', pvc('db-logs', '1Gi')],
    ]),
  );

/** The target VM a clone yields: its patches through a restore of the content. */
function cloned(c = clone()): VirtualMachine {
  return targetVmFor(restore(clonePatches(c, vm())), content());
}

describe('VirtualMachineClone decisions', () => {
  it('names its temporary snapshot and restore after its uid, and its target as KubeVirt does', () => {
    assert.equal(cloneSnapshotName(clone()), 'tmp-snapshot-c-uid');
    assert.equal(cloneRestoreName(clone()), 'tmp-restore-c-uid');
    assert.equal(
      targetNameFor(
        clone({ target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db-green' } }),
        'db',
        () => 'abcde',
      ),
      'db-green',
    );
    assert.equal(
      targetNameFor(clone(), 'db', () => 'abcde'),
      'clone-db-abcde',
    );
    assert.match(randomSuffix(), /^[a-z0-9]{5}$/);
  });

  it("label and annotation filters, KubeVirt's way: none keeps all; unanchored regexes, * alone is .*; negation wins", () => {
    assert.ok(keepKey('anything', undefined));
    assert.ok(keepKey('app', ['*']));
    assert.ok(!keepKey('team.example.com/owner', ['*', '!team.example.com/*']));
    assert.ok(keepKey('app', ['app', 'vapp.dev/*']));
    assert.ok(keepKey('vapp.dev/levels', ['vapp.dev/']));
    assert.ok(keepKey('webapp', ['app']), 'unanchored');
    assert.ok(!keepKey('other', ['app', 'vapp.dev/*']));
    assert.ok(!keepKey('app', ['!app']));
    assert.ok(!keepKey('x', ['!app']), 'only negations: nothing is included');
    assert.ok(!keepKey('x', []), 'an empty list keeps nothing');
    assert.ok(!keepKey('app.kubernetes.io/instance', ['*', '!^app\\.kubernetes\\.io/instance$']));
  });

  it('the clone is Halted, its MACs, SMBIOS serial and firmware UUID emptied for KubeVirt to assign; the user patches apply last', () => {
    const target = cloned(
      clone({ patches: ['{"op":"replace","path":"/spec/template/metadata/labels/vapp.dev~1slot","value":"green"}'] }),
    );
    const spec = target.spec.template.spec!;
    assert.equal(target.metadata?.name, 'db-green');
    assert.equal(target.spec.runStrategy, 'Halted');
    assert.deepEqual(
      spec.domain.devices.interfaces?.map((i) => i.macAddress),
      ['', ''],
    );
    assert.deepEqual(spec.domain.firmware, { serial: '', uuid: '' });
    assert.equal(target.spec.template.metadata?.labels?.['vapp.dev/slot'], 'green');
    assert.equal(target.metadata.labels?.['vapp.dev/slot'], 'blue', 'the VM label is not the template label');
  });

  it('given MACs and serial are used; a patch may start the clone', () => {
    const target = cloned(
      clone({
        newMacAddresses: { default: '02:aa:00:00:00:09', backend: '02:aa:00:00:00:0a' },
        newSMBiosSerial: 'given',
        patches: ['{"op":"replace","path":"/spec/runStrategy","value":"Always"}'],
      }),
    );
    assert.deepEqual(
      target.spec.template.spec?.domain.devices.interfaces?.map((i) => i.macAddress),
      ['02:aa:00:00:00:09', '02:aa:00:00:00:0a'],
    );
    assert.equal(target.spec.template.spec.domain.firmware?.serial, 'given');
    assert.equal(target.spec.runStrategy, 'Always');
  });

  it('applies the label and annotation filters of the VM and of its template', () => {
    const target = cloned(
      clone({
        labelFilters: ['*', '!team.example.com/*'],
        // Unanchored, as in KubeVirt: 'vapp.dev/' alone would keep sim.vapp.dev/* too.
        annotationFilters: ['^vapp\\.dev/'],
        template: { labelFilters: ['^app$'], annotationFilters: ['!example.com/*'] },
      }),
    );
    assert.deepEqual(target.metadata?.labels, { app: 'db', 'vapp.dev/slot': 'blue' });
    assert.deepEqual(Object.keys(target.metadata.annotations ?? {}).sort(), [
      'restore.kubevirt.io/lastRestoreUID',
      'vapp.dev/levels',
    ]);
    assert.deepEqual(target.spec.template.metadata?.labels, { app: 'db' });
    assert.deepEqual(target.spec.template.metadata.annotations, {});
  });

  it('a VM without firmware gets none; the clone patches leave the run strategy to the restore', () => {
    const source = vm();
    delete source.spec.template.spec!.domain.firmware;
    delete source.spec.runStrategy;
    source.spec.running = true;
    const ops = clonePatches(clone(), source).map(
      (p) => JSON.parse(p) as { op: string; path: string; value?: unknown },
    );
    assert.deepEqual(
      ops.filter((o) => o.path.includes('/firmware') || o.path.startsWith('/spec/run')),
      [],
    );
  });

  it('statuses by phase, and the end', () => {
    const c = clone();
    const s1 = clonePhaseStatus(c, 'SnapshotInProgress', { snapshotName: 'tmp-snapshot-c-uid' }, NOW);
    assert.deepEqual(
      [s1.phase, s1.snapshotName, s1.conditions?.map((x) => `${x.type}=${x.status}`)],
      ['SnapshotInProgress', 'tmp-snapshot-c-uid', ['Progressing=True', 'Ready=False']],
    );
    const s2 = clonePhaseStatus({ ...c, status: s1 }, 'RestoreInProgress', { targetName: 'db-green' }, NOW);
    assert.deepEqual(
      [s2.phase, s2.snapshotName, s2.targetName],
      ['RestoreInProgress', 'tmp-snapshot-c-uid', 'db-green'],
    );
    const ok = cloneSucceededStatus({ ...c, status: s2 }, NOW);
    assert.deepEqual(
      [ok.phase, ok.creationTime, ok.conditions?.map((x) => `${x.type}=${x.status}`)],
      ['Succeeded', NOW, ['Progressing=False', 'Ready=True']],
    );
    const failed = cloneFailedStatus({ ...c, status: s2 }, 'no', NOW);
    assert.deepEqual([failed.phase, failed.conditions?.find((x) => x.type === 'Ready')?.message], ['Failed', 'no']);
  });
});

describe('VirtualMachineRestore decisions', () => {
  it('restores each volume backup into restore-<restore uid>-<volume> from its VolumeSnapshot', () => {
    assert.equal(restorePvcName(restore(), 'pgdata'), 'restore-r-uid-pgdata');
    assert.deepEqual(volumeRestoresFor(restore(), content()), [
      {
        volumeName: 'pgdata',
        persistentVolumeClaim: 'restore-r-uid-pgdata',
        volumeSnapshotName: 'vmsnapshot-snap-uid-volume-pgdata',
      },
      {
        volumeName: 'logs',
        persistentVolumeClaim: 'restore-r-uid-logs',
        volumeSnapshotName: 'vmsnapshot-snap-uid-volume-logs',
        // from a dataVolumeTemplate: a DataVolume of the same name takes the claim over
        dataVolumeName: 'restore-r-uid-logs',
      },
    ]);
  });

  it('the restored PVC: the backed-up spec, the snapshot as data source, binder annotations dropped, no owner for a new VM', () => {
    const backup = content().spec.volumeBackups![0]!;
    const source = { name: 'db', namespace: 'shop' };
    const claim = restoredPvc(restore(), backup, source);
    assert.equal(claim.metadata?.name, 'restore-r-uid-pgdata');
    assert.deepEqual(claim.metadata.annotations, {
      'example.com/keep': 'me',
      'restore.kubevirt.io/name': 'tmp-restore-c1',
      'restore.kubevirt.io/lastRestoreUID': 'tmp-restore-c1-r-uid',
    });
    assert.equal(claim.metadata.labels?.['restore.kubevirt.io/source-vm-name'], 'db');
    assert.equal(claim.metadata.labels['restore.kubevirt.io/source-vm-namespace'], 'shop');
    assert.equal(claim.metadata.ownerReferences, undefined, 'KubeVirt creates the claims before the new VM');
    assert.deepEqual(claim.spec?.dataSourceRef, {
      apiGroup: 'snapshot.storage.k8s.io',
      kind: 'VolumeSnapshot',
      name: 'vmsnapshot-snap-uid-volume-pgdata',
    });
    assert.deepEqual(claim.spec.resources, { requests: { storage: '10Gi' } });
    assert.equal(claim.spec.volumeName, undefined);
    const owner = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name: 'db-green', uid: 'g-uid' };
    assert.deepEqual(
      restoredPvc(restore(), backup, source, { owner }).metadata?.ownerReferences?.map((o) => [
        o.kind,
        o.name,
        o.uid,
        o.controller,
      ]),
      [['VirtualMachine', 'db-green', 'g-uid', true]],
      'a restore into an existing VM gives it the claims',
    );
    const bigger = restoredPvc(restore(), backup, source, { restoreSize: '11Gi' });
    assert.deepEqual(bigger.spec?.resources, { requests: { storage: '11Gi' } }, 'at least the restoreSize');
    const dv = restoredPvc(restore(), backup, source, { owner, dataVolume: 'restore-r-uid-pgdata' });
    assert.equal(dv.metadata?.ownerReferences, undefined);
    assert.equal(dv.metadata?.annotations?.['cdi.kubevirt.io/storage.populatedFor'], 'restore-r-uid-pgdata');
  });

  it('the target VM points at the restored claims; a dataVolumeTemplate volume keeps its template, renamed', () => {
    const target = targetVmFor(restore(), content());
    assert.deepEqual(
      target.spec.template.spec?.volumes?.map((v) => [
        v.name,
        v.persistentVolumeClaim?.claimName ??
          v.dataVolume?.name ??
          v.containerDisk?.image ??
          (v.cloudInitNoCloud ? 'cloud-init' : '?'),
      ]),
      [
        ['root', 'registry.example.com/shop/db:16.2.0'],
        ['pgdata', 'restore-r-uid-pgdata'],
        ['logs', 'restore-r-uid-logs'],
        ['cloudinit', 'cloud-init'],
      ],
    );
    assert.equal(target.spec.template.spec.volumes.find((v) => v.name === 'logs')?.persistentVolumeClaim, undefined);
    assert.deepEqual(
      target.spec.dataVolumeTemplates?.map((t) => t.metadata?.name),
      ['restore-r-uid-logs'],
    );
    assert.equal(target.spec.runStrategy, 'Halted', 'a new VM is created stopped');
    assert.equal(target.metadata?.annotations?.['restore.kubevirt.io/lastRestoreUID'], 'tmp-restore-c1-r-uid');
    assert.equal(target.metadata.uid, undefined);
    assert.throws(() => targetVmFor(restore(['{"op":"remove","path":"/spec/nope"}']), content()), JsonPatchError);
  });

  it('a VM that uses spec.running is restored with running false, never beside a runStrategy', () => {
    const c = content();
    const source = c.spec.source.virtualMachine!;
    delete source.spec!.runStrategy;
    source.spec!.running = true;
    const target = targetVmFor(restore(), c);
    assert.deepEqual([target.spec.running, target.spec.runStrategy], [false, undefined]);
  });

  it('statuses: no phase, complete plus conditions; a failure is a Failure condition', () => {
    const r = restore();
    const started = restoreInProgressStatus(r, volumeRestoresFor(r, content()), NOW);
    assert.equal(started.complete, false);
    assert.equal(started.restores?.length, 2);
    assert.equal((started as Record<string, unknown>).phase, undefined);
    const done = restoreCompleteStatus({ ...r, status: started }, NOW);
    assert.deepEqual(
      [done.complete, done.restoreTime, done.conditions?.map((c) => `${c.type}=${c.status}`)],
      [true, NOW, ['Progressing=False', 'Ready=True']],
    );
    const failed = restoreFailedStatus({ ...r, status: started }, 'bad patch', NOW);
    assert.ok(isRestoreFailed({ ...r, status: failed }));
    assert.equal(failed.complete, false);
  });
});
