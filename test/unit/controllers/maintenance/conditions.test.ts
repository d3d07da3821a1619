import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaintenancePlanStatusSchema, type Phase, type Step } from '../../../../src/api/v1alpha1/index.ts';
import { type PlanConditionsInput, planConditions } from '../../../../src/controllers/maintenance/conditions.ts';
import { type PlanState, transition } from '../../../../src/controllers/maintenance/phases.ts';
import { type Condition, getCondition, setCondition } from '../../../../src/runtime/conditions.ts';

const t0 = new Date('2026-11-22T02:00:00Z');
const t1 = new Date('2026-11-22T02:05:00Z');

function conds(
  state: PlanState,
  more: Partial<PlanConditionsInput> = {},
  previous?: readonly Condition[],
): Condition[] {
  return planConditions(previous, {
    state,
    approval: 'Manual',
    steps: [],
    suspended: false,
    observedGeneration: 2,
    now: t0,
    ...more,
  });
}

/** status/reason of Ready, Reconciling, Stalled. */
function kstatus(list: readonly Condition[]): string[] {
  return ['Ready', 'Reconciling', 'Stalled'].map((type) => {
    const c = getCondition(list, type);
    return c === undefined ? `${type}=absent` : `${type}=${c.status}/${c.reason}`;
  });
}

describe('planConditions: Ready, Reconciling, Stalled by phase', () => {
  const failure = { reason: 'CloneFailed', message: 'Clone: VirtualMachineClone shop-db failed' };
  // kstatus as Flux writes it: Reconciling and Stalled are present only when True.
  const working = (phase: Phase) => [`Ready=False/${phase}`, `Reconciling=True/${phase}`, 'Stalled=absent'];
  const waiting = (phase: Phase) => [`Ready=False/${phase}`, 'Reconciling=absent', 'Stalled=absent'];
  const cases: readonly [Phase, readonly string[]][] = [
    ['Pending', working('Pending')],
    ['Planning', working('Planning')],
    ['AwaitingApproval', waiting('AwaitingApproval')],
    ['Snapshotting', working('Snapshotting')],
    ['Cloning', working('Cloning')],
    ['Updating', working('Updating')],
    ['Verifying', working('Verifying')],
    ['Syncing', working('Syncing')],
    ['WaitingForWindow', waiting('WaitingForWindow')],
    ['CuttingOver', working('CuttingOver')],
    ['Observing', working('Observing')],
    ['RollingBack', working('RollingBack')],
    ['Succeeded', ['Ready=True/Succeeded', 'Reconciling=absent', 'Stalled=absent']],
    ['Failed', ['Ready=False/CloneFailed', 'Reconciling=absent', 'Stalled=True/CloneFailed']],
    ['Aborted', ['Ready=False/Aborted', 'Reconciling=absent', 'Stalled=True/Aborted']],
    ['RolledBack', ['Ready=False/CloneFailed', 'Reconciling=absent', 'Stalled=True/CloneFailed']],
  ];
  for (const [phase, want] of cases) {
    it(phase, () => assert.deepEqual(kstatus(conds({ phase }, { failure })), want));
  }

  it('a Failed plan says what failed in Ready and Stalled', () => {
    const list = conds({ phase: 'Failed' }, { failure });
    assert.equal(getCondition(list, 'Ready')?.message, failure.message);
    assert.equal(getCondition(list, 'Stalled')?.message, failure.message);
  });

  it('keeps what failed on later reconciles, or reads it from the failed step', () => {
    const first = conds({ phase: 'Failed' }, { failure });
    assert.equal(getCondition(conds({ phase: 'Failed' }, {}, first), 'Stalled')?.reason, 'CloneFailed');
    const steps: Step[] = [{ name: 'Observe', state: 'Failed', message: 'GET /healthz: 503' }];
    const rolledBack = getCondition(conds({ phase: 'RolledBack' }, { steps }), 'Stalled');
    assert.deepEqual(
      [rolledBack?.status, rolledBack?.reason, rolledBack?.message],
      ['True', 'ObserveFailed', 'GET /healthz: 503'],
    );
  });

  it('NoChanges: Ready True with that reason, kept on later reconciles', () => {
    const first = conds(
      { phase: 'Succeeded' },
      { success: { reason: 'NoChanges', message: 'every component is already at its target level' } },
    );
    assert.equal(getCondition(first, 'Ready')?.reason, 'NoChanges');
    assert.equal(getCondition(conds({ phase: 'Succeeded' }, {}, first), 'Ready')?.reason, 'NoChanges');
  });

  it('a cleanup is work: Reconciling True, not yet Stalled', () => {
    const state = transition(
      { phase: 'Cloning' },
      { type: 'stepFailed', step: 'Clone', reason: 'CloneFailed', message: 'boom' },
    ).state;
    const list = conds(state, { suspended: true });
    assert.deepEqual(kstatus(list), ['Ready=False/CleaningUp', 'Reconciling=True/CleaningUp', 'Stalled=absent']);
    assert.equal(getCondition(list, 'Ready')?.message, 'Clone: boom; removing the clone');
  });

  it('suspended at a safe point: a healthy wait', () => {
    const list = conds({ phase: 'Cloning' }, { suspended: true });
    assert.deepEqual(kstatus(list), ['Ready=False/Suspended', 'Reconciling=absent', 'Stalled=absent']);
    assert.equal(getCondition(list, 'Ready')?.message, 'suspended (spec.suspend) in Cloning');
    assert.deepEqual(kstatus(conds({ phase: 'Succeeded' }, { suspended: true })), [
      'Ready=True/Succeeded',
      'Reconciling=absent',
      'Stalled=absent',
    ]);
  });

  it('an API error retried: Reconciling with ProgressingWithRetry and the error, in any phase', () => {
    for (const phase of ['Syncing', 'AwaitingApproval', 'Succeeded'] as const) {
      const list = conds({ phase }, { error: { message: 'Sync: 403 Forbidden: exceeded quota (retrying)' } });
      assert.deepEqual(
        kstatus(list),
        ['Ready=False/ProgressingWithRetry', 'Reconciling=True/ProgressingWithRetry', 'Stalled=absent'],
        phase,
      );
      assert.match(getCondition(list, 'Ready')?.message ?? '', /exceeded quota/);
    }
  });

  it('refused input in planning: Stalled with the problem', () => {
    const list = conds(
      { phase: 'Planning' },
      { refused: { reason: 'UnknownComponent', message: 'mysql: no member of the appliance runs a component mysql' } },
    );
    assert.deepEqual(kstatus(list), [
      'Ready=False/UnknownComponent',
      'Reconciling=absent',
      'Stalled=True/UnknownComponent',
    ]);
    assert.match(getCondition(list, 'Ready')?.message ?? '', /^mysql: no member/);
  });

  it('sets observedGeneration and keeps lastTransitionTime while a status stays', () => {
    const first = conds({ phase: 'Cloning' });
    const next = planConditions(first, {
      state: { phase: 'Updating' },
      approval: 'Manual',
      steps: [],
      suspended: false,
      observedGeneration: 3,
      now: t1,
    });
    const ready = getCondition(next, 'Ready');
    assert.deepEqual(
      [ready?.reason, ready?.observedGeneration, ready?.lastTransitionTime],
      ['Updating', 3, '2026-11-22T02:00:00Z'],
    );
    const done = planConditions(next, {
      state: { phase: 'Succeeded' },
      approval: 'Manual',
      steps: [],
      suspended: false,
      observedGeneration: 3,
      now: t1,
    });
    assert.equal(getCondition(done, 'Ready')?.lastTransitionTime, '2026-11-22T02:05:00Z');
  });

  it('leaves other condition types alone', () => {
    const mine = setCondition(
      undefined,
      { type: 'example.com/Audited', status: 'True', reason: 'Audited' },
      { now: t0 },
    );
    assert.equal(getCondition(conds({ phase: 'Cloning' }, {}, mine), 'example.com/Audited')?.status, 'True');
  });
});

describe('planConditions: one condition per step', () => {
  const steps: Step[] = [
    { name: 'Plan', state: 'Succeeded' },
    { name: 'Approve', state: 'Succeeded' },
    { name: 'Snapshot', state: 'Succeeded' },
    { name: 'Clone', state: 'Succeeded' },
    { name: 'Update', state: 'Succeeded' },
    { name: 'Verify', state: 'Failed', message: 'GET /healthz on shop-web-preview: 503' },
    { name: 'Sync', state: 'Skipped' },
    { name: 'CutOver', state: 'Pending' },
    { name: 'Release', state: 'Pending' },
    { name: 'Cleanup', state: 'Running' },
  ];

  it('maps step states to condition statuses', () => {
    const list = conds({ phase: 'Verifying' }, { steps });
    const got = Object.fromEntries(
      ['Approved', 'Cloned', 'Updated', 'Verified', 'DataSynced', 'CutOver', 'RolledBack'].map((t) => {
        const c = getCondition(list, t);
        return [t, c ? `${c.status}/${c.reason}` : 'absent'];
      }),
    );
    assert.deepEqual(got, {
      Approved: 'True/Succeeded',
      Cloned: 'True/Succeeded',
      Updated: 'True/Succeeded',
      Verified: 'False/Failed',
      DataSynced: 'False/Skipped',
      CutOver: 'Unknown/Pending',
      RolledBack: 'absent', // no Rollback step: nothing rolled back
    });
    assert.equal(getCondition(list, 'Verified')?.message, 'GET /healthz on shop-web-preview: 503');
  });

  it('Approved is True from the start with approval Automatic; a Rollback step sets RolledBack', () => {
    const list = conds(
      { phase: 'RollingBack' },
      { approval: 'Automatic', steps: [{ name: 'Rollback', state: 'Running' }] },
    );
    assert.deepEqual(
      [getCondition(list, 'Approved')?.status, getCondition(list, 'Approved')?.reason],
      ['True', 'Automatic'],
    );
    assert.deepEqual(
      [getCondition(list, 'RolledBack')?.status, getCondition(list, 'RolledBack')?.reason],
      ['Unknown', 'InProgress'],
    );
  });

  it('produces conditions that the status schema accepts (CamelCase reasons, one per type)', () => {
    for (const state of [
      { phase: 'Verifying' as const },
      { phase: 'Failed' as const },
      transition({ phase: 'Cloning' }, { type: 'abortRequested' }).state,
    ]) {
      const list = conds(state, { steps, failure: { reason: 'CloneFailed', message: 'x' } });
      const parsed = MaintenancePlanStatusSchema.safeParse({ phase: state.phase, conditions: list });
      assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
    }
  });
});
