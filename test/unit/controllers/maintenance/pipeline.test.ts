// The pipeline table: every working phase has its row, a runner, what it shows, and a defined way
// out on failure, abort and deletion; the lists the rest of the controller derives from it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLEANUP_ACTIONS, PHASES, TERMINAL_PHASES } from '../../../../src/api/v1alpha1/index.ts';
import {
  PIPELINE,
  STEP_CONDITIONS,
  stepsFor,
  type PipelineRow,
} from '../../../../src/controllers/maintenance/pipeline.ts';
import { RUNNERS } from '../../../../src/controllers/maintenance/runners.ts';
import { CLEANUP_RUNNERS } from '../../../../src/controllers/maintenance/steps/cleanup.ts';

const rows: readonly PipelineRow[] = PIPELINE;

describe('the pipeline', () => {
  it('has one row per working phase, in the order of the API phases', () => {
    assert.deepEqual(
      rows.map((r) => r.phase),
      PHASES.filter((p) => !TERMINAL_PHASES.includes(p)),
    );
  });

  it('every phase has a runner, and there is no runner without a phase', () => {
    assert.deepEqual(Object.keys(RUNNERS).sort(), rows.map((r) => r.phase).sort());
    for (const r of rows) assert.equal(typeof RUNNERS[r.phase], 'function', r.phase);
  });

  it('every phase says what it does, and every phase but Pending works on a step', () => {
    for (const r of rows) {
      assert.ok(r.doing.length > 0, r.phase);
      assert.equal(r.step === undefined, r.phase === 'Pending', r.phase);
    }
  });

  it('every failure has a way out: ending at once, a cleanup with a runner, or the clone kept serving', () => {
    for (const r of rows) {
      const cleanup = CLEANUP_ACTIONS.find((a) => a === r.onFailure);
      assert.ok(r.onFailure === 'End' || r.onFailure === 'KeepClone' || cleanup !== undefined, r.phase);
      if (cleanup !== undefined) assert.equal(typeof CLEANUP_RUNNERS[cleanup], 'function', r.phase);
    }
    assert.deepEqual(Object.keys(CLEANUP_RUNNERS).sort(), [...CLEANUP_ACTIONS].sort());
  });

  it('nothing is undone before anything exists; the clone is removed until the cut-over; the original is restored after', () => {
    const failureOf = Object.fromEntries(rows.map((r) => [r.phase, r.onFailure]));
    assert.deepEqual(failureOf, {
      Pending: 'End',
      Planning: 'End',
      AwaitingApproval: 'End',
      Snapshotting: 'RemoveClone',
      Cloning: 'RemoveClone',
      Updating: 'RemoveClone',
      Verifying: 'RemoveClone',
      Syncing: 'RemoveClone',
      WaitingForWindow: 'RemoveClone',
      WaitingForCutOverSlot: 'RemoveClone',
      CuttingOver: 'RestoreOriginal',
      Observing: 'KeepClone',
      RollingBack: 'RestoreClone',
    });
  });

  it('an abort and a suspension are honoured before the cut-over only', () => {
    const before = rows.slice(
      0,
      rows.findIndex((r) => r.phase === 'CuttingOver'),
    );
    for (const r of rows) {
      const early = before.includes(r);
      assert.equal(r.onAbort !== 'Refuse', early, r.phase);
      assert.equal(r.safePoint, early, r.phase);
    }
  });

  it('only the cut-over and a rollback run with the appliance down', () => {
    assert.deepEqual(
      rows.filter((r) => r.downtime).map((r) => r.phase),
      ['CuttingOver', 'RollingBack'],
    );
  });

  it('deleting the plan never stops a cut-over or a rollback halfway', () => {
    for (const r of rows) if (r.downtime) assert.equal(r.onDelete, 'finishStep', r.phase);
  });

  it('derives the step conditions and the listed steps', () => {
    assert.deepEqual(
      STEP_CONDITIONS.map((c) => `${c.type}:${c.step}`),
      [
        'Approved:Approve',
        'Cloned:Clone',
        'Updated:Update',
        'Verified:Verify',
        'DataSynced:Sync',
        'CutOver:CutOver',
        'RolledBack:Rollback',
      ],
    );
    assert.deepEqual(stepsFor({ approval: 'Automatic' }), [
      'Plan',
      'Snapshot',
      'Clone',
      'Update',
      'Verify',
      'Sync',
      'CutOver',
      'Observe',
      'Release',
    ]);
  });

  it('a phase without a fixed successor is one whose end depends on more than its step', () => {
    assert.deepEqual(
      rows.filter((r) => r.next === undefined).map((r) => r.phase),
      ['Planning', 'Syncing', 'WaitingForCutOverSlot'],
    );
  });
});
