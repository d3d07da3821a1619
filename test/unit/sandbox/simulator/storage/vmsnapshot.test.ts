import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VolumeSnapshotJson } from '../../../../../src/sandbox/simulator/storage/json.ts';
import {
  contentFor,
  contentNameFor,
  contentStatusFor,
  DEFAULT_FAILURE_DEADLINE_MS,
  failedStatus,
  failureDeadlineMs,
  indicationsFor,
  inProgressStatus,
  snapshotVolumes,
  succeededStatus,
} from '../../../../../src/sandbox/simulator/storage/vmsnapshot.ts';
import { pvc, snapshot, vm, vmi } from './fixtures.ts';

const NOW = '2026-11-22T01:00:05.000Z';

describe('VirtualMachineSnapshot decisions', () => {
  it('includes PVC and DataVolume volumes and excludes containerDisk and cloud-init, as KubeVirt does', () => {
    assert.deepEqual(snapshotVolumes(vm()), {
      included: [
        { volumeName: 'pgdata', claimName: 'db-pgdata' },
        { volumeName: 'logs', claimName: 'db-logs' },
      ],
      excluded: ['root', 'cloudinit'],
    });
    assert.deepEqual(snapshotVolumes(vm(), ['pgdata']).excluded, ['root', 'pgdata', 'cloudinit']);
  });

  it('indications: Online + GuestAgent for a running VM with its agent, NoGuestAgent without, none offline; QuiesceTimeout (1.8+) only with an agent hitting the VSS limit', () => {
    assert.deepEqual(indicationsFor(vmi(), undefined).indications, ['Online', 'GuestAgent']);
    assert.deepEqual(indicationsFor(vmi({ agent: false }), undefined).indications, ['Online', 'NoGuestAgent']);
    assert.deepEqual(indicationsFor(vmi({ agent: false }), 'vss').indications, ['Online', 'NoGuestAgent']);
    assert.deepEqual(indicationsFor(vmi(), 'vss').indications, ['Online', 'GuestAgent', 'QuiesceTimeout']);
    assert.deepEqual(
      indicationsFor(vmi(), 'error').indications,
      ['Online', 'GuestAgent'],
      'a failing freeze is an error, not an indication',
    );
    assert.deepEqual(indicationsFor(undefined, 'vss'), { indications: [], sourceIndications: [] });
    assert.deepEqual(indicationsFor(vmi({ phase: 'Scheduling' }), undefined).indications, []);
    const ind = indicationsFor(vmi(), 'vss');
    assert.deepEqual(
      ind.sourceIndications.map((s) => s.indication),
      ind.indications,
    );
    assert.ok(ind.sourceIndications.every((s) => s.message.length > 10));
  });

  it('the content: a copy of the VM without status, one volume backup per included volume with the claim spec but not its binding', () => {
    const pvcs = new Map([
      ['db-pgdata', pvc('db-pgdata')],
      ['db-logs', pvc('db-logs', '1Gi')],
    ]);
    const content = contentFor(snapshot(), vm(), snapshotVolumes(vm()).included, pvcs);
    assert.equal(content.metadata?.name, 'vmsnapshot-content-snap-uid');
    assert.equal(contentNameFor(snapshot()), 'vmsnapshot-content-snap-uid');
    assert.deepEqual(
      content.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
      [['VirtualMachineSnapshot', 'snap', 'snap-uid', true]],
    );
    const copy = content.spec.source.virtualMachine;
    assert.equal(copy?.metadata?.uid, 'vm-uid');
    assert.deepEqual(copy.spec, vm().spec);
    assert.equal(copy.status, undefined);
    assert.equal(content.spec.virtualMachineSnapshotName, 'snap');
    const backups = content.spec.volumeBackups ?? [];
    assert.deepEqual(
      backups.map((b) => [b.volumeName, b.volumeSnapshotName, b.persistentVolumeClaim.metadata?.name]),
      [
        ['pgdata', 'vmsnapshot-snap-uid-volume-pgdata', 'db-pgdata'],
        ['logs', 'vmsnapshot-snap-uid-volume-logs', 'db-logs'],
      ],
    );
    assert.deepEqual(backups[0]?.persistentVolumeClaim.spec, {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
      storageClassName: 'sandbox',
      volumeMode: 'Filesystem',
    });
    assert.equal(
      contentFor(snapshot({ deletionPolicy: 'Retain' }), vm(), [], pvcs).metadata?.ownerReferences,
      undefined,
    );
  });

  it('statuses: InProgress with everything the operator checks, then Succeeded, or Failed with the error', () => {
    const snap = snapshot();
    const progress = inProgressStatus(snap, vm(), snapshotVolumes(vm()), indicationsFor(vmi(), undefined), NOW);
    assert.equal(progress.phase, 'InProgress');
    assert.equal(progress.readyToUse, false);
    assert.equal(progress.sourceUID, 'vm-uid');
    assert.equal(progress.virtualMachineSnapshotContentName, 'vmsnapshot-content-snap-uid');
    assert.deepEqual(progress.snapshotVolumes, {
      includedVolumes: ['pgdata', 'logs'],
      excludedVolumes: ['root', 'cloudinit'],
    });
    assert.deepEqual(
      progress.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ['Progressing', 'True', 'Source locked and operation in progress'],
        ['Ready', 'False', 'Not ready'],
      ],
    );
    const done = succeededStatus({ ...snap, status: progress }, '2026-11-22T01:00:04.000Z', NOW);
    assert.equal(done.phase, 'Succeeded');
    assert.equal(done.readyToUse, true);
    assert.equal(done.creationTime, '2026-11-22T01:00:04.000Z');
    assert.deepEqual(done.indications, ['Online', 'GuestAgent']);
    assert.deepEqual(
      done.conditions?.map((c) => [c.type, c.status]),
      [
        ['Progressing', 'False'],
        ['Ready', 'True'],
      ],
    );
    const failed = failedStatus({ ...snap, status: progress }, 'boom', NOW);
    assert.equal(failed.phase, 'Failed');
    assert.deepEqual(failed.error, { message: 'boom', time: NOW });
    assert.deepEqual(
      failed.conditions?.map((c) => [c.type, c.status, c.message]),
      [
        ['Progressing', 'False', 'boom'],
        ['Ready', 'False', 'boom'],
      ],
    );
  });

  it('the failure deadline: 5 minutes by default, spec.failureDeadline otherwise, 0 for none', () => {
    assert.equal(failureDeadlineMs(snapshot()), DEFAULT_FAILURE_DEADLINE_MS);
    assert.equal(failureDeadlineMs(snapshot({ failureDeadline: '1m30s' })), 90_000);
    assert.equal(failureDeadlineMs(snapshot({ failureDeadline: '0s' })), Number.POSITIVE_INFINITY);
  });

  it('the content status follows its VolumeSnapshots: ready when all are, created at the last cut, in error when one is', () => {
    const content = contentFor(snapshot(), vm(), snapshotVolumes(vm()).included, new Map());
    const vs = (status: VolumeSnapshotJson['status']): VolumeSnapshotJson => ({
      spec: { source: { persistentVolumeClaimName: 'x' } },
      ...(status ? { status } : {}),
    });
    const names = (content.spec.volumeBackups ?? []).map((b) => b.volumeSnapshotName ?? '');
    const none = contentStatusFor(content, new Map(), NOW);
    assert.equal(none.status.readyToUse, false);
    assert.equal(none.status.creationTime, undefined);
    const half = contentStatusFor(
      content,
      new Map([
        [names[0]!, vs({ readyToUse: true, creationTime: 'T1' })],
        [names[1]!, vs({ readyToUse: false, creationTime: 'T2' })],
      ]),
      NOW,
    );
    assert.equal(half.status.readyToUse, false);
    assert.equal(half.status.creationTime, 'T2');
    const all = contentStatusFor(
      content,
      new Map([
        [names[0]!, vs({ readyToUse: true, creationTime: 'T1' })],
        [names[1]!, vs({ readyToUse: true, creationTime: 'T2' })],
      ]),
      NOW,
    );
    assert.equal(all.status.readyToUse, true);
    assert.deepEqual(
      all.status.volumeSnapshotStatus?.map((s) => s.volumeSnapshotName),
      names,
    );
    const bad = contentStatusFor(
      content,
      new Map([[names[0]!, vs({ readyToUse: false, error: { message: 'no space' } })]]),
      NOW,
    );
    assert.equal(bad.error, `VolumeSnapshot ${names[0]!} error: no space`);
    assert.equal(bad.status.readyToUse, false);
  });
});
