import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupRetainsClone, cloneRetained } from '../../../../src/controllers/maintenance/cleanups.ts';
import type { Cleanup } from '../../../../src/controllers/maintenance/phases.ts';

const failure = (action: Cleanup['action']): Cleanup => ({
  action,
  then: 'Failed',
  reason: 'VerifyFailed',
  message: 'x',
});

describe('failedClonePolicy', () => {
  it('Retain keeps the clone of a failure, whether the original never stopped or is restored', () => {
    assert.equal(cleanupRetainsClone('Retain', failure('RemoveClone')), true);
    assert.equal(cleanupRetainsClone('Retain', failure('RestoreOriginal')), true);
  });

  it('an abort always removes the clone', () => {
    assert.equal(
      cleanupRetainsClone('Retain', { action: 'RemoveClone', then: 'Aborted', reason: 'AbortRequested', message: 'x' }),
      false,
    );
  });

  it('Delete removes it', () => {
    assert.equal(cleanupRetainsClone('Delete', failure('RemoveClone')), false);
    assert.equal(cleanupRetainsClone('Delete', failure('RestoreOriginal')), false);
  });

  it('a failed rollback is not a failed clone: the clone serves', () => {
    assert.equal(cleanupRetainsClone('Retain', failure('RestoreClone')), false);
    assert.equal(cloneRetained('Retain', 'Failed', true), false);
  });

  it('an ended plan keeps its clone only when it failed before the cut-over under Retain', () => {
    assert.equal(cloneRetained('Retain', 'Failed', false), true);
    assert.equal(cloneRetained('Delete', 'Failed', false), false);
    for (const phase of ['Succeeded', 'Aborted', 'RolledBack'] as const)
      assert.equal(cloneRetained('Retain', phase, false), false, phase);
  });
});
