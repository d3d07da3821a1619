import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PHASES } from '../../../../src/api/v1alpha1/index.ts';
import {
  abortApplies,
  abortNotice,
  rollbackNotice,
  type RequestFacts,
} from '../../../../src/controllers/maintenance/requests.ts';

const retained: RequestFacts = { cutOver: true, originalRetained: true, rolledBack: false };
const released: RequestFacts = { cutOver: true, originalRetained: false, rolledBack: false };
const neverCut: RequestFacts = { cutOver: false, originalRetained: false, rolledBack: false };

describe('abortApplies', () => {
  it('applies before the cut-over only, and not twice', () => {
    const applies = PHASES.filter((phase) => abortApplies({ phase }));
    assert.deepEqual(applies, [
      'Pending',
      'Planning',
      'AwaitingApproval',
      'Snapshotting',
      'Cloning',
      'Updating',
      'Verifying',
      'Syncing',
      'WaitingForWindow',
      'WaitingForCutOverSlot',
    ]);
    assert.equal(
      abortApplies({
        phase: 'Cloning',
        cleanup: { action: 'RemoveClone', then: 'Aborted', reason: 'AbortRequested', message: 'x' },
      }),
      false,
    );
  });
});

describe('abortNotice', () => {
  it('says nothing when abort is not set, in any phase', () => {
    for (const phase of PHASES) assert.equal(abortNotice(false, { phase }), undefined, phase);
  });

  it('says nothing where an abort applies: before the cut-over, and during a cleanup', () => {
    for (const phase of ['Pending', 'AwaitingApproval', 'Cloning', 'Syncing', 'WaitingForWindow'] as const)
      assert.equal(abortNotice(true, { phase }), undefined, phase);
    assert.equal(
      abortNotice(true, {
        phase: 'Updating',
        cleanup: { action: 'RemoveClone', then: 'Failed', reason: 'UpdateFailed', message: 'x' },
      }),
      undefined,
    );
  });

  it('refuses from the cut-over on, pointing at the rollback', () => {
    for (const phase of ['CuttingOver', 'Observing', 'RollingBack'] as const) {
      const n = abortNotice(true, { phase });
      assert.equal(n?.reason, 'AbortRefused', phase);
      assert.match(n.message, /rolling back is the way back/);
    }
  });

  it('refuses on an ended plan', () => {
    for (const phase of ['Succeeded', 'Failed', 'Aborted', 'RolledBack'] as const) {
      assert.deepEqual(abortNotice(true, { phase }), {
        reason: 'AbortRefused',
        message: `the plan is ${phase}: there is nothing left to abort`,
      });
    }
  });
});

describe('rollbackNotice', () => {
  it('says nothing when rollbackNow is not set, in any phase', () => {
    for (const phase of PHASES) assert.equal(rollbackNotice(false, { phase }, released), undefined, phase);
  });

  it('says nothing where the rollback happens: observing, or ended with the original retained', () => {
    assert.equal(rollbackNotice(true, { phase: 'Observing' }, retained), undefined);
    assert.equal(rollbackNotice(true, { phase: 'Succeeded' }, retained), undefined);
    assert.equal(rollbackNotice(true, { phase: 'Failed' }, retained), undefined);
  });

  it('says nothing once a rollback runs or ran', () => {
    assert.equal(rollbackNotice(true, { phase: 'RollingBack' }, retained), undefined);
    assert.equal(rollbackNotice(true, { phase: 'RolledBack' }, released), undefined);
  });

  it('refuses a second rollback after a failed one', () => {
    assert.match(
      rollbackNotice(true, { phase: 'Failed' }, { ...retained, rolledBack: true })?.message ?? '',
      /already ran and failed/,
    );
  });

  it('defers before the cut-over, and names spec.abort as the way to stop now', () => {
    for (const phase of ['Pending', 'Snapshotting', 'Syncing', 'WaitingForWindow'] as const) {
      const n = rollbackNotice(true, { phase }, neverCut);
      assert.equal(n?.reason, 'RollbackDeferred', phase);
      assert.match(n.message, /spec\.abort/);
    }
    assert.equal(rollbackNotice(true, { phase: 'CuttingOver' }, neverCut)?.reason, 'RollbackDeferred');
  });

  it('refuses when the plan never cut over, or the original was released', () => {
    assert.match(
      rollbackNotice(true, { phase: 'Aborted' }, neverCut)?.message ?? '',
      /never cut over: the original serves/,
    );
    assert.match(rollbackNotice(true, { phase: 'Failed' }, neverCut)?.message ?? '', /never cut over/);
    const late = rollbackNotice(true, { phase: 'Succeeded' }, released);
    assert.equal(late?.reason, 'RollbackRefused');
    assert.match(late.message, /no longer retained \(rollback\.retainOriginalFor ran out\)/);
  });
});
