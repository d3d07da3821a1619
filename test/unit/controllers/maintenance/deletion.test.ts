import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PHASES, type Phase } from '../../../../src/api/v1alpha1/index.ts';
import {
  deletionAction,
  deletionMessage,
  type DeletionFacts,
} from '../../../../src/controllers/maintenance/deletion.ts';

const before: DeletionFacts = { cutOver: false, released: false, cloneRetained: false };
const retained: DeletionFacts = { cutOver: true, released: false, cloneRetained: false };

describe('deletionAction', () => {
  it('has every phase answered', () => {
    for (const phase of PHASES) assert.ok(deletionAction({ phase }, before).kind, phase);
  });

  it('frees the appliance at once when nothing was created yet', () => {
    for (const phase of ['Pending', 'Planning', 'AwaitingApproval'] as const)
      assert.deepEqual(deletionAction({ phase }, before), { kind: 'none' }, phase);
  });

  it('removes the clone before the cut-over, as an abort does', () => {
    for (const phase of ['Snapshotting', 'Cloning', 'Updating', 'Verifying', 'Syncing', 'WaitingForWindow'] as const) {
      assert.deepEqual(deletionAction({ phase }, before), { kind: 'removeClone' }, phase);
    }
  });

  it('finishes a cleanup under way, the one that restores the original included', () => {
    assert.deepEqual(
      deletionAction(
        {
          phase: 'CuttingOver',
          cleanup: { action: 'RestoreOriginal', then: 'Failed', reason: 'SyncFailed', message: 'x' },
        },
        before,
      ),
      { kind: 'removeClone' },
    );
  });

  it('never removes the clone while a failed rollback restarts it: it is the only copy with every write', () => {
    assert.deepEqual(
      deletionAction(
        {
          phase: 'RollingBack',
          cleanup: { action: 'RestoreClone', then: 'Failed', reason: 'RollbackFailed', message: 'x' },
        },
        retained,
      ),
      { kind: 'finishStep' },
    );
  });

  it('lets a cut-over or a rollback finish: stopping those halfway is the unsafe place', () => {
    for (const phase of ['CuttingOver', 'RollingBack'] as const)
      assert.deepEqual(deletionAction({ phase }, retained), { kind: 'finishStep' }, phase);
  });

  it('releases the retained original once the clone serves', () => {
    assert.deepEqual(deletionAction({ phase: 'Observing' }, retained), { kind: 'releaseOriginal' });
    assert.deepEqual(deletionAction({ phase: 'Succeeded' }, retained), { kind: 'releaseOriginal' });
    assert.deepEqual(
      deletionAction({ phase: 'Failed' }, retained),
      { kind: 'releaseOriginal' },
      'an observation failure without automatic rollback, or a failed rollback',
    );
  });

  it('removes a failed clone kept for inspection', () => {
    assert.deepEqual(deletionAction({ phase: 'Failed' }, { ...before, cloneRetained: true }), { kind: 'removeClone' });
  });

  it('has nothing to do for ended plans with nothing retained', () => {
    const ended: [Phase, DeletionFacts][] = [
      ['Succeeded', before], // NoChanges
      ['Succeeded', { ...retained, released: true }],
      ['Failed', before],
      ['Aborted', before],
      ['RolledBack', retained],
    ];
    for (const [phase, facts] of ended)
      assert.deepEqual(deletionAction({ phase }, facts), { kind: 'none' }, `${phase} ${JSON.stringify(facts)}`);
  });
});

describe('deletionMessage', () => {
  it('says what happened to the clone and the original', () => {
    assert.match(deletionMessage({ kind: 'removeClone' }), /clone was removed and the original serves/);
    assert.match(
      deletionMessage({ kind: 'releaseOriginal' }),
      /clone serves and the retained original was released \(its PVCs are kept\)/,
    );
    assert.match(deletionMessage({ kind: 'none' }), /appliance is free/);
  });
});
