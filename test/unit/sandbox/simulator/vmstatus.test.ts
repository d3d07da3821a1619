import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VirtualMachineInstance } from '../../../../src/kubevirt/types.ts';
import type { PodJson } from '../../../../src/sandbox/simulator/json.ts';
import { vmiForVm } from '../../../../src/sandbox/simulator/vmi.ts';
import { volumeSnapshotStatuses, vmStatusFor } from '../../../../src/sandbox/simulator/vmstatus.ts';
import { vm } from './fixtures.ts';

const NOW = '2026-11-22T02:00:00.000Z';

function vmiIn(phase: string, opts: { deleting?: boolean; ready?: boolean } = {}): VirtualMachineInstance {
  const vmi = vmiForVm(vm({ runStrategy: 'Always' }));
  return {
    ...vmi,
    metadata: { ...vmi.metadata, uid: 'vmi-uid', ...(opts.deleting ? { deletionTimestamp: NOW } : {}) },
    status: {
      phase,
      conditions: [
        { type: 'Ready', status: opts.ready ? 'True' : 'False', ...(opts.ready ? {} : { reason: 'GuestNotRunning' }) },
      ],
    },
  };
}

describe('vmStatusFor', () => {
  it('maps the VMI phase to printableStatus', () => {
    const always = vm({ runStrategy: 'Always' });
    assert.equal(vmStatusFor(always, undefined, undefined, NOW).printableStatus, 'Stopped');
    for (const phase of ['', 'Pending', 'Scheduling', 'Scheduled'])
      assert.equal(vmStatusFor(always, vmiIn(phase), undefined, NOW).printableStatus, 'Starting');
    assert.equal(vmStatusFor(always, vmiIn('Running'), undefined, NOW).printableStatus, 'Running');
    assert.equal(vmStatusFor(always, vmiIn('Failed'), undefined, NOW).printableStatus, 'Stopped');
  });

  it('shows Stopping while a halted VM still has a VMI, or its VMI or Pod is going', () => {
    assert.equal(
      vmStatusFor(vm({ runStrategy: 'Halted' }), vmiIn('Running', { ready: true }), undefined, NOW).printableStatus,
      'Stopping',
    );
    assert.equal(
      vmStatusFor(vm({ runStrategy: 'Always' }), vmiIn('Running', { deleting: true }), undefined, NOW).printableStatus,
      'Stopping',
    );
    const terminating: PodJson = { metadata: { name: 'p', deletionTimestamp: NOW } };
    assert.equal(
      vmStatusFor(vm({ runStrategy: 'Always' }), vmiIn('Running', { ready: true }), terminating, NOW).printableStatus,
      'Stopping',
    );
  });

  it('is ready only with a Ready VMI that is not being deleted, and carries the VMI reason otherwise', () => {
    const always = vm({ runStrategy: 'Always' });
    const ready = vmStatusFor(always, vmiIn('Running', { ready: true }), undefined, NOW);
    assert.equal(ready.ready, true);
    assert.equal(vmStatusFor(always, vmiIn('Running', { ready: true, deleting: true }), undefined, NOW).ready, false);
    const starting = vmStatusFor(always, vmiIn('Scheduling'), undefined, NOW);
    assert.deepEqual(starting.conditions, [
      { type: 'Ready', status: 'False', reason: 'GuestNotRunning', lastTransitionTime: NOW },
    ]);
  });

  it('mirrors AgentConnected from the VMI and drops it with the VMI', () => {
    const always = vm({ runStrategy: 'Always' });
    const vmi = vmiIn('Running', { ready: true });
    vmi.status = {
      ...vmi.status,
      conditions: [...(vmi.status?.conditions ?? []), { type: 'AgentConnected', status: 'True' }],
    };
    const up = vmStatusFor(always, vmi, undefined, NOW);
    assert.deepEqual(
      up.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Ready=True', 'AgentConnected=True'],
    );
    const down = vmStatusFor({ ...always, status: up }, undefined, undefined, '2026-11-22T02:01:00.000Z');
    assert.deepEqual(
      down.conditions?.map((c) => `${c.type}=${c.status}:${c.reason ?? ''}`),
      ['Ready=False:VMINotExists'],
    );
  });

  it('marks PVC and DataVolume volumes snapshottable when their StorageClass has a VolumeSnapshotClass', () => {
    const claims = (claim: string) =>
      claim === 'a'
        ? { storageClass: 'fast', snapshotClass: 'fast-snap' }
        : claim === 'c'
          ? { storageClass: 'nfs' }
          : undefined;
    assert.deepEqual(
      volumeSnapshotStatuses(
        [
          { name: 'a', dataVolume: { name: 'a' } },
          { name: 'b', emptyDisk: { capacity: '1Gi' } },
          { name: 'c', persistentVolumeClaim: { claimName: 'c' } },
          { name: 'd', persistentVolumeClaim: { claimName: 'gone' } },
        ],
        claims,
      ),
      [
        { name: 'a', enabled: true },
        { name: 'b', enabled: false, reason: 'Snapshot is not supported for this volumeSource type [b]' },
        {
          name: 'c',
          enabled: false,
          reason: 'No VolumeSnapshotClass: Volume snapshots are not configured for this StorageClass [nfs] [c]',
        },
        { name: 'd', enabled: false, reason: 'PVC not found' },
      ],
    );
  });
});
