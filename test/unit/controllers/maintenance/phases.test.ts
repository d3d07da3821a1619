import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MaintenancePlanStatusSchema,
  PHASES,
  type Phase,
  TERMINAL_PHASES,
} from '../../../../src/api/v1alpha1/index.ts';
import {
  type PlanEvent,
  type PlanState,
  type Transition,
  isSafePoint,
  isTerminal,
  planStateFromStatus,
  progress,
  stepOf,
  stepsFor,
  transition,
} from '../../../../src/controllers/maintenance/phases.ts';

const fail = (step: string): PlanEvent => ({ type: 'stepFailed', step, reason: `${step}Failed`, message: 'boom' });

/** All events, one of each shape, to probe every phase with. */
const ALL_EVENTS: readonly PlanEvent[] = [
  { type: 'planned', approval: 'Automatic' },
  { type: 'planned', approval: 'Manual' },
  { type: 'noChanges' },
  { type: 'stepSucceeded' },
  { type: 'stepSucceeded', windowOpen: true },
  { type: 'stepSucceeded', windowOpen: true, held: true },
  fail('Clone'),
  { type: 'abortRequested' },
  { type: 'observeFailed', reason: 'CheckFailed', message: 'GET /healthz: 503', rollbackAutomatic: true },
  { type: 'observeFailed', reason: 'CheckFailed', message: 'GET /healthz: 503', rollbackAutomatic: false },
  { type: 'rollbackRequested' },
  { type: 'cleanupDone' },
];

/** Runs events from a state, asserting each is accepted; returns the phases passed through. */
function run(from: PlanState, events: readonly PlanEvent[]): { phases: Phase[]; last: Transition } {
  let state = from;
  const phases: Phase[] = [];
  let last: Transition | undefined;
  for (const e of events) {
    last = transition(state, e);
    assert.equal(last.accepted, true, `${e.type} in ${state.phase}: ${last.message}`);
    state = last.state;
    phases.push(state.phase);
  }
  assert.ok(last !== undefined);
  return { phases, last };
}

const ok: PlanEvent = { type: 'stepSucceeded' };

describe('transition: the way through', () => {
  it('Automatic: Pending to Succeeded without AwaitingApproval, window open after the sync', () => {
    const { phases, last } = run({ phase: 'Pending' }, [
      ok,
      { type: 'planned', approval: 'Automatic' },
      ok,
      ok,
      ok,
      ok,
      { type: 'stepSucceeded', windowOpen: true },
      ok,
      ok,
    ]);
    assert.deepEqual(phases, [
      'Planning',
      'Snapshotting',
      'Cloning',
      'Updating',
      'Verifying',
      'Syncing',
      'CuttingOver',
      'Observing',
      'Succeeded',
    ]);
    assert.equal(last.reason, 'Succeeded');
  });

  it('Manual: waits in AwaitingApproval until approved', () => {
    const { phases, last } = run({ phase: 'Planning' }, [{ type: 'planned', approval: 'Manual' }]);
    assert.deepEqual(phases, ['AwaitingApproval']);
    assert.match(last.message, /spec\.approvedHash to status\.preview\.hash/);
    const approved = run({ phase: 'AwaitingApproval' }, [ok]);
    assert.deepEqual([approved.phases, approved.last.reason], [['Snapshotting'], 'Approved']);
  });

  it('nothing behind: Succeeded with reason NoChanges, from planning or while awaiting approval', () => {
    for (const phase of ['Planning', 'AwaitingApproval'] as const) {
      const t = transition({ phase }, { type: 'noChanges' });
      assert.deepEqual([t.state.phase, t.reason], ['Succeeded', 'NoChanges']);
    }
  });

  it('a held plan (spec.cutOverHold) waits for a cut-over slot once its window is open, and for the window again if it closed meanwhile', () => {
    const held = { type: 'stepSucceeded', windowOpen: true, held: true } as const;
    const released = { type: 'stepSucceeded', windowOpen: true, held: false } as const;
    const closed = { type: 'stepSucceeded', windowOpen: false, held: true } as const;
    assert.deepEqual(run({ phase: 'Syncing' }, [held, held, released]).phases, [
      'WaitingForCutOverSlot',
      'CuttingOver',
      'Observing',
    ]);
    // held while the slot is not given: the runner waits, no event; given with the window open: cut over
    const granted = transition({ phase: 'WaitingForCutOverSlot' }, released);
    assert.deepEqual([granted.state.phase, granted.reason], ['CuttingOver', 'CutOverSlotGranted']);
    // window closed first: the window, then the slot
    assert.deepEqual(run({ phase: 'Syncing' }, [closed, held, released]).phases, [
      'WaitingForWindow',
      'WaitingForCutOverSlot',
      'CuttingOver',
    ]);
    // a slot given after the window closed: back to the window, then straight to the cut-over
    const late = { type: 'stepSucceeded', windowOpen: false, held: false } as const;
    assert.deepEqual(run({ phase: 'WaitingForCutOverSlot' }, [late, released]).phases, [
      'WaitingForWindow',
      'CuttingOver',
    ]);
    assert.equal(isSafePoint('WaitingForCutOverSlot'), true);
    assert.equal(
      transition({ phase: 'WaitingForCutOverSlot' }, { type: 'abortRequested' }).state.cleanup?.action,
      'RemoveClone',
    );
  });

  it('only the cut-over waits for the window', () => {
    const closed = run({ phase: 'Syncing' }, [ok, ok, ok]);
    assert.deepEqual(closed.phases, ['WaitingForWindow', 'CuttingOver', 'Observing']);
    assert.equal(transition({ phase: 'WaitingForWindow' }, ok).reason, 'WindowOpen');
    assert.equal(
      transition({ phase: 'Syncing' }, { type: 'stepSucceeded', windowOpen: false }).state.phase,
      'WaitingForWindow',
    );
    // the steps before the sync never look at the window
    for (const phase of ['Snapshotting', 'Cloning', 'Updating', 'Verifying'] as const) {
      assert.notEqual(
        transition({ phase }, { type: 'stepSucceeded', windowOpen: false }).state.phase,
        'WaitingForWindow',
      );
    }
  });
});

describe('transition: failures', () => {
  for (const phase of ['Pending', 'Planning', 'AwaitingApproval'] as const) {
    it(`${phase}: nothing to clean up, Failed at once`, () => {
      const t = transition(
        { phase },
        {
          type: 'stepFailed',
          step: 'Plan',
          reason: 'DowngradeNotAllowed',
          message: 'postgres: target 16.1.0 is below the current 16.2.0',
        },
      );
      assert.deepEqual(t.state, { phase: 'Failed' });
      assert.equal(t.reason, 'DowngradeNotAllowed');
      assert.match(t.message, /^Plan: postgres: target 16\.1\.0/);
    });
  }

  for (const phase of ['Snapshotting', 'Cloning', 'Updating', 'Verifying', 'Syncing', 'WaitingForWindow'] as const) {
    it(`${phase}: removes the clone, then Failed with the reason`, () => {
      const t = transition({ phase }, fail('Clone'));
      assert.deepEqual(t.state, {
        phase,
        cleanup: { action: 'RemoveClone', then: 'Failed', reason: 'CloneFailed', message: 'Clone: boom' },
      });
      const done = transition(t.state, { type: 'cleanupDone' });
      assert.deepEqual(done.state, { phase: 'Failed' });
      assert.deepEqual([done.reason, done.message], ['CloneFailed', 'Clone: boom']);
    });
  }

  it('CuttingOver: restores the original, then Failed', () => {
    const t = transition({ phase: 'CuttingOver' }, fail('CutOver'));
    assert.equal(t.state.cleanup?.action, 'RestoreOriginal');
    assert.deepEqual(transition(t.state, { type: 'cleanupDone' }).state, { phase: 'Failed' });
  });

  it('during a cleanup only cleanupDone moves on; a repeated abort is accepted and changes nothing', () => {
    const cleaning = transition({ phase: 'Cloning' }, fail('Clone')).state;
    for (const e of ALL_EVENTS) {
      const t = transition(cleaning, e);
      if (e.type === 'cleanupDone') continue;
      assert.deepEqual(t.state, cleaning, e.type);
      assert.equal(t.accepted, e.type === 'abortRequested', e.type);
    }
  });

  it('Observing: a failed check rolls back with rollback.automatic, else fails and keeps the clone serving', () => {
    const auto = run({ phase: 'Observing' }, [
      { type: 'observeFailed', reason: 'CheckFailed', message: 'GET /healthz: 503', rollbackAutomatic: true },
      ok,
    ]);
    assert.deepEqual(auto.phases, ['RollingBack', 'RolledBack']);
    const manual = transition(
      { phase: 'Observing' },
      { type: 'observeFailed', reason: 'CheckFailed', message: 'GET /healthz: 503', rollbackAutomatic: false },
    );
    assert.equal(manual.state.phase, 'Failed');
    assert.equal(manual.reason, 'CheckFailed');
    assert.match(manual.message, /clone keeps serving and the original is retained/);
    assert.deepEqual(run({ phase: 'Observing' }, [{ type: 'rollbackRequested' }]).phases, ['RollingBack']);
  });

  it('a failed rollback restarts the clone (it has every write), then Failed with RollbackFailed', () => {
    const t = transition({ phase: 'RollingBack' }, fail('Rollback'));
    assert.deepEqual(
      [t.state.phase, t.state.cleanup?.action, t.reason],
      ['RollingBack', 'RestoreClone', 'RollbackFailed'],
    );
    const done = transition(t.state, { type: 'cleanupDone' });
    assert.deepEqual([done.state, done.reason], [{ phase: 'Failed' }, 'RollbackFailed']);
    assert.match(
      done.message,
      /^Rollback: boom; the rollback failed, so the clone, which has every write, serves again and the original is retained$/,
    );
  });
});

describe('transition: abort', () => {
  for (const phase of ['Pending', 'Planning', 'AwaitingApproval'] as const) {
    it(`${phase}: Aborted at once`, () =>
      assert.deepEqual(transition({ phase }, { type: 'abortRequested' }).state, { phase: 'Aborted' }));
  }
  for (const phase of ['Snapshotting', 'Cloning', 'Updating', 'Verifying', 'Syncing', 'WaitingForWindow'] as const) {
    it(`${phase}: removes the clone, then Aborted`, () => {
      const t = transition({ phase }, { type: 'abortRequested' });
      assert.deepEqual(t.state.cleanup, {
        action: 'RemoveClone',
        then: 'Aborted',
        reason: 'AbortRequested',
        message: 'spec.abort is set: the original keeps serving',
      });
      assert.deepEqual(transition(t.state, { type: 'cleanupDone' }).state, { phase: 'Aborted' });
    });
  }
  for (const phase of ['CuttingOver', 'Observing', 'RollingBack'] as const) {
    it(`${phase}: refused, rollback is the way back`, () => {
      const t = transition({ phase }, { type: 'abortRequested' });
      assert.equal(t.accepted, false);
      assert.deepEqual(t.state, { phase });
      assert.equal(t.reason, 'AbortRefused');
      assert.match(t.message, /original is already stopped.*roll(ing)? back/);
    });
  }
});

describe('transition: what does not apply', () => {
  for (const phase of TERMINAL_PHASES) {
    it(`${phase} accepts no events (but a rollback while the original is retained)`, () => {
      for (const e of ALL_EVENTS) {
        const t = transition({ phase }, e);
        assert.deepEqual([t.accepted, t.state, t.reason], [false, { phase }, 'Terminal'], e.type);
      }
    });
  }

  it('a rollback asked for after the end applies to Succeeded and Failed only while the original is retained', () => {
    for (const phase of TERMINAL_PHASES) {
      const retained = transition({ phase }, { type: 'rollbackRequested', originalRetained: true });
      const expected = phase === 'Succeeded' || phase === 'Failed' ? { phase: 'RollingBack' } : { phase };
      assert.deepEqual(retained.state, expected, phase);
      assert.equal(
        transition({ phase }, { type: 'rollbackRequested', originalRetained: false }).accepted,
        false,
        phase,
      );
    }
  });

  it('an event out of place leaves the state and says why', () => {
    const t = transition({ phase: 'Cloning' }, { type: 'planned', approval: 'Manual' });
    assert.deepEqual(t, {
      state: { phase: 'Cloning' },
      accepted: false,
      reason: 'EventNotApplicable',
      message: 'planned does not apply in phase Cloning',
    });
  });

  it('every phase is reachable from Pending, and every non-terminal phase can end', () => {
    const visited = new Set<string>();
    const queue: PlanState[] = [{ phase: 'Pending' }];
    const seen = new Set<Phase>();
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      if (visited.has(JSON.stringify(s))) continue;
      visited.add(JSON.stringify(s));
      seen.add(s.phase);
      for (const e of ALL_EVENTS) queue.push(transition(s, e).state);
    }
    assert.deepEqual([...seen].sort(), [...PHASES].sort());
    for (const phase of PHASES.filter((p) => !isTerminal(p))) {
      assert.ok(
        ALL_EVENTS.some((e) => transition({ phase }, e).state.phase !== phase),
        `${phase} is a dead end`,
      );
    }
  });
});

describe('isSafePoint', () => {
  const safe: Record<Phase, boolean> = {
    Pending: true,
    Planning: true,
    AwaitingApproval: true,
    Snapshotting: true,
    Cloning: true,
    Updating: true,
    Verifying: true,
    Syncing: true,
    WaitingForWindow: true,
    WaitingForCutOverSlot: true,
    CuttingOver: false,
    Observing: false,
    RollingBack: false,
    Succeeded: false,
    Failed: false,
    Aborted: false,
    RolledBack: false,
  };
  for (const phase of PHASES) {
    it(`${phase}: ${safe[phase] ? 'pauses' : 'runs on'}`, () => assert.equal(isSafePoint(phase), safe[phase]));
  }
  it('a cleanup always runs to its end', () => {
    assert.equal(
      isSafePoint({
        phase: 'Cloning',
        cleanup: { action: 'RemoveClone', then: 'Aborted', reason: 'AbortRequested', message: '' },
      }),
      false,
    );
  });
});

describe('steps', () => {
  it('lists the steps in order, Approve only for Manual', () => {
    assert.deepEqual(stepsFor({ approval: 'Manual' }), [
      'Plan',
      'Approve',
      'Snapshot',
      'Clone',
      'Update',
      'Verify',
      'Sync',
      'CutOver',
      'Observe',
      'Release',
    ]);
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

  it('has a step for every phase a run passes through', () => {
    for (const approval of ['Automatic', 'Manual'] as const) {
      const steps: readonly string[] = stepsFor({ approval });
      const phases = PHASES.filter((p) => !(approval === 'Automatic' && p === 'AwaitingApproval'));
      for (const phase of phases) {
        const step = stepOf(phase);
        if (step !== undefined && step !== 'Rollback')
          assert.ok(steps.includes(step), `${approval}: ${phase} works on ${step}`);
      }
    }
  });

  it('names that fit status.steps[].name (1 to 63 characters)', () => {
    for (const name of stepsFor({ approval: 'Manual' })) assert.ok(name.length >= 1 && name.length <= 63);
  });

  it('maps each working phase to its step', () => {
    assert.deepEqual(
      PHASES.map((p) => stepOf(p) ?? '-'),
      [
        '-',
        'Plan',
        'Approve',
        'Snapshot',
        'Clone',
        'Update',
        'Verify',
        'Sync',
        'CutOver',
        'CutOver',
        'CutOver',
        'Observe',
        '-',
        '-',
        '-',
        'Rollback',
        '-',
      ],
    );
    assert.equal(stepOf(transition({ phase: 'Cloning' }, fail('Clone')).state), 'Cleanup');
  });

  it('progress counts finished (Succeeded or Skipped) steps out of all', () => {
    assert.equal(progress([]), '0/0');
    assert.equal(
      progress([
        { state: 'Succeeded' },
        { state: 'Skipped' },
        { state: 'Running' },
        { state: 'Pending' },
        { state: 'Failed' },
      ]),
      '2/5',
    );
    assert.match(progress(stepsFor({ approval: 'Manual' }).map(() => ({ state: 'Succeeded' as const }))), /^10\/10$/);
  });
});

describe('resuming a cleanup from status', () => {
  const cleanups = () => [
    transition(
      { phase: 'Updating' },
      {
        type: 'stepFailed',
        step: 'Update',
        reason: 'UpdateJobFailed',
        message: 'job shop-db-update: exit 1: "a (b): c"',
      },
    ).state,
    transition({ phase: 'CuttingOver' }, fail('CutOver')).state,
    transition({ phase: 'Syncing' }, { type: 'abortRequested' }).state,
    transition({ phase: 'RollingBack' }, fail('Rollback')).state,
  ];

  it('reads the typed status.cleanup, whatever the Cleanup step says', () => {
    for (const state of cleanups()) {
      const cleanup = { ...state.cleanup!, startedAt: '2026-12-01T22:00:00Z' };
      const steps = [{ name: 'Cleanup', state: 'Running' as const, message: 'reworded for people' }];
      assert.deepEqual(planStateFromStatus({ phase: state.phase, steps, cleanup }), { phase: state.phase, cleanup });
      assert.ok(MaintenancePlanStatusSchema.safeParse({ phase: state.phase, steps, cleanup }).success);
    }
  });

  it("resumes a cleanup the previous version kept in the Cleanup step's message", () => {
    const legacy = (c: NonNullable<PlanState['cleanup']>) => `${c.action} then ${c.then} (${c.reason}): ${c.message}`;
    for (const state of cleanups()) {
      const step = {
        name: 'Cleanup',
        state: 'Running' as const,
        message: legacy(state.cleanup!),
        startedAt: '2026-12-01T22:00:00Z',
      };
      assert.deepEqual(planStateFromStatus({ phase: state.phase, steps: [{ name: 'Clone', state: 'Failed' }, step] }), {
        phase: state.phase,
        cleanup: { ...state.cleanup, startedAt: '2026-12-01T22:00:00Z' },
      });
    }
  });

  it('reads a plain phase without a cleanup, and Pending without a status', () => {
    assert.deepEqual(planStateFromStatus(undefined), { phase: 'Pending' });
    assert.deepEqual(
      planStateFromStatus({
        phase: 'Cloning',
        steps: [{ name: 'Cleanup', state: 'Succeeded', message: 'RemoveClone then Failed (CloneFailed): x' }],
      }),
      { phase: 'Cloning' },
    );
    assert.deepEqual(
      planStateFromStatus({
        phase: 'Failed',
        steps: [{ name: 'Cleanup', state: 'Running', message: 'RemoveClone then Failed (CloneFailed): x' }],
      }),
      { phase: 'Failed' },
    );
  });
});
