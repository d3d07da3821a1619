import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PHASES } from '../../../src/api/v1alpha1/index.ts';
import { abortApplies } from '../../../src/controllers/maintenance/requests.ts';
import {
  decideAbort,
  decideApprove,
  decideResume,
  decideRollback,
  decideSuspend,
} from '../../../src/cli/requests/plan.ts';
import { parseTarget } from '../../../src/cli/requests/targets.ts';
import type { WirePlan } from '../../../src/cli/wire.ts';

const NOW = new Date('2026-11-22T03:00:00Z');

function plan(phase: string | undefined, spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}) {
  return {
    metadata: { name: 'p', namespace: 'ns', resourceVersion: '7' },
    spec: {
      appliance: 'shop',
      approval: 'Automatic',
      suspend: false,
      abort: false,
      rollbackNow: false,
      rollback: { automatic: true, observeSeconds: 600, retainOriginalFor: '24h' },
      ...spec,
    },
    status: { ...(phase === undefined ? {} : { phase }), steps: [], ...status },
  } as WirePlan;
}

describe('abort', () => {
  it('is sent exactly where the operator honours it, and refused with its reason elsewhere', () => {
    for (const phase of PHASES) {
      const d = decideAbort(plan(phase));
      assert.equal(d.kind === 'patch', abortApplies({ phase }), phase);
      if (d.kind === 'patch') assert.deepEqual(d.spec, { abort: true });
    }
    const refused = decideAbort(plan('Observing'));
    assert.equal(refused.kind, 'refused');
    assert.match(refused.message, /abort is refused in Observing: the original is already stopped/);
    assert.match(decideAbort(plan('Succeeded')).message, /the plan is Succeeded: there is nothing left to abort/);
  });

  it('is refused while a cleanup runs, read from status.cleanup or from the older Cleanup step', () => {
    const typed = plan(
      'Cloning',
      {},
      { cleanup: { action: 'RemoveClone', then: 'Failed', reason: 'CloneFailed', message: 'x' } },
    );
    assert.deepEqual(
      [decideAbort(typed).kind, (decideAbort(typed) as { reason: string }).reason],
      ['refused', 'CleaningUp'],
    );
    const old = plan(
      'Cloning',
      {},
      { steps: [{ name: 'Cleanup', state: 'Running', message: 'RemoveClone then Failed (CloneFailed): boom' }] },
    );
    assert.match(decideAbort(old).message, /already cleaning up before Failed \(CloneFailed\): boom/);
  });

  it('is not sent twice', () => {
    assert.equal(decideAbort(plan('Cloning', { abort: true })).kind, 'unchanged');
  });
});

describe('approve', () => {
  const manual = (phase: string, extra: Record<string, unknown> = {}) =>
    plan(phase, { approval: 'Manual', ...extra }, { preview: { hash: 'abc123', updates: [], unchanged: [] } });

  it('sets approvedHash to the preview hash and nothing else', () => {
    const d = decideApprove(manual('AwaitingApproval'), { hash: 'abc123' });
    assert.deepEqual(d, { kind: 'patch', spec: { approvedHash: 'abc123' }, message: 'approved the preview abc123' });
  });

  it('refuses when the preview changed since it was shown', () => {
    const d = decideApprove(manual('AwaitingApproval'), { hash: 'old999' });
    assert.equal(d.kind, 'refused');
    assert.match(d.message, /preview changed since it was shown \(hash old999, now abc123\)/);
  });

  it('refuses an Automatic plan, a plan without a preview, one past its approval and an ended one', () => {
    assert.match(decideApprove(plan('AwaitingApproval'), {}).message, /spec.approval is Automatic/);
    assert.match(decideApprove(plan('Planning', { approval: 'Manual' }), {}).message, /no preview yet/);
    assert.match(decideApprove(manual('Cloning'), {}).message, /the plan is Cloning: it is past its approval/);
    assert.match(decideApprove(manual('Aborted'), {}).message, /the plan is Aborted/);
    assert.equal(decideApprove(manual('AwaitingApproval', { approvedHash: 'abc123' }), {}).kind, 'unchanged');
  });
});

describe('suspend and resume', () => {
  it('suspends at safe points only: not during the cut-over, the observation or a rollback', () => {
    const allowed = PHASES.filter((phase) => decideSuspend(plan(phase)).kind === 'patch');
    assert.deepEqual(allowed, [
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
    assert.match(decideSuspend(plan('CuttingOver')).message, /no safe point/);
  });

  it('resumes a suspended plan only', () => {
    assert.deepEqual(decideResume(plan('Cloning', { suspend: true })), {
      kind: 'patch',
      spec: { suspend: false },
      message: 'resumed in Cloning',
    });
    assert.equal(decideResume(plan('Cloning')).kind, 'refused');
  });
});

describe('rollback', () => {
  const cutOver = (phase: string, at: string) => plan(phase, {}, { cutOver: { servicesSwitchedAt: at } });

  it('rolls back while observing and after the end while the original is retained', () => {
    assert.equal(decideRollback(cutOver('Observing', '2026-11-22T02:50:00Z'), {}, NOW).kind, 'patch');
    assert.equal(decideRollback(cutOver('Succeeded', '2026-11-22T02:00:00Z'), {}, NOW).kind, 'patch');
  });

  it('refuses once retainOriginalFor ran out, and before the cut-over unless deferred', () => {
    const late = decideRollback(cutOver('Succeeded', '2026-11-20T02:00:00Z'), {}, NOW);
    assert.equal(late.kind, 'refused');
    assert.match(late.message, /no longer retained/);
    const early = decideRollback(plan('Syncing'), {}, NOW);
    assert.deepEqual([early.kind, (early as { reason: string }).reason], ['refused', 'RollbackDeferred']);
    assert.match(early.message, /--deferred/);
    assert.equal(decideRollback(plan('Syncing'), { deferred: true }, NOW).kind, 'patch');
    assert.equal(decideRollback(plan('RollingBack'), {}, NOW).kind, 'unchanged');
  });
});

describe('request targets', () => {
  it('takes NAME or KIND/NAME, and names the kinds that take requests', () => {
    assert.equal(parseTarget('shop-1').name, 'shop-1');
    assert.equal(parseTarget('mplan/shop-1').target.kind, 'MaintenancePlan');
    assert.throws(() => parseTarget('vapp/shop'), /vapp: not a kind that takes requests \(use plan, rollout\)/);
    assert.throws(() => parseTarget('plan/'), /names no object/);
  });
});
