import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeSnapshot } from '../../../../../src/controllers/maintenance/steps/snapshot.ts';
import type { VirtualMachineSnapshot } from '../../../../../src/kubevirt/types.ts';

const snapshot = (status: VirtualMachineSnapshot['status']): VirtualMachineSnapshot => ({
  metadata: { name: 'plan-db' },
  spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'shop-db' } },
  status,
});
const ready = (includedVolumes: string[], indications: string[] = ['Online', 'GuestAgent']) =>
  snapshot({ phase: 'Succeeded', readyToUse: true, indications, snapshotVolumes: { includedVolumes } });

describe('judgeSnapshot: whether a snapshot can be the base of the maintenance', () => {
  it('ready, with every data volume: done', () => {
    assert.equal(judgeSnapshot(ready(['root', 'pgdata']), ['pgdata']).kind, 'done');
  });

  it('still in progress, or done but not ready to use: waits', () => {
    assert.deepEqual(judgeSnapshot(snapshot({ phase: 'InProgress' }), []), {
      kind: 'wait',
      message: 'snapshot plan-db is InProgress',
    });
    assert.equal(judgeSnapshot(snapshot({ phase: 'Succeeded', readyToUse: false }), []).kind, 'wait');
    assert.equal(judgeSnapshot(snapshot(undefined), []).kind, 'wait');
  });

  it("failed: SnapshotFailed with KubeVirt's error", () => {
    const o = judgeSnapshot(snapshot({ phase: 'Failed', error: { message: 'volume snapshot failed' } }), []);
    assert.deepEqual(o, {
      kind: 'failed',
      reason: 'SnapshotFailed',
      message: 'snapshot plan-db failed: volume snapshot failed',
    });
  });

  it('a guest that could not be frozen fails safe, as QuiesceTimeout (1.8+) or QuiesceFailed (1.6, 1.7)', () => {
    for (const indication of ['QuiesceTimeout', 'QuiesceFailed']) {
      const o = judgeSnapshot(ready(['pgdata'], ['Online', indication]), ['pgdata']);
      assert.equal(o.kind === 'failed' && o.reason, 'SnapshotQuiesceTimeout', indication);
    }
  });

  it('a data volume left out of the snapshot fails safe, naming it', () => {
    const o = judgeSnapshot(ready(['root']), ['pgdata', 'wal']);
    assert.equal(o.kind, 'failed');
    assert.match(o.kind === 'failed' ? o.message : '', /does not include data volume\(s\) pgdata, wal/);
  });
});
