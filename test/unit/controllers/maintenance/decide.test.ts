// decide(): every rule of a pass's bookkeeping, from a plan observed in a given state and what its
// pass did. The plan and the appliance are the shop samples; observe() reads them from real stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseMaintenancePlan,
  parseVirtualAppliance,
  type MaintenancePlan,
  type MaintenancePlanStatus,
  type VirtualAppliance,
} from '../../../../src/api/v1alpha1/index.ts';
import { decide, eventOf, POLL_MS } from '../../../../src/controllers/maintenance/decide.ts';
import { observe, type Observed } from '../../../../src/controllers/maintenance/observe.ts';
import { done, failed, wait } from '../../../../src/controllers/maintenance/outcome.ts';
import type { PassResult } from '../../../../src/controllers/maintenance/pass.ts';
import { transition, type PlanState } from '../../../../src/controllers/maintenance/phases.ts';
import type { VirtualMachine } from '../../../../src/kubevirt/types.ts';
import { getCondition } from '../../../../src/runtime/conditions.ts';
import { Store } from '../../../../src/runtime/store.ts';
import { sampleAppliance, samplePlan } from '../../api/fixtures.ts';

const NOW = new Date('2026-11-22T02:30:00Z'); // a Sunday, 03:30 in Rome: the sample's window is open
const CLOSED = new Date('2026-11-23T02:30:00Z'); // Monday: closed

interface Scene {
  readonly spec?: Partial<MaintenancePlan['spec']>;
  readonly status?: Partial<MaintenancePlanStatus>;
  readonly generation?: number;
  readonly now?: Date;
  readonly withAppliance?: boolean;
}

function seen(scene: Scene = {}): Observed {
  const plan = samplePlan() as unknown as MaintenancePlan;
  plan.metadata = { ...plan.metadata, namespace: 'shop', generation: scene.generation ?? 1, resourceVersion: '10' };
  plan.spec = { ...plan.spec, ...scene.spec };
  plan.status = { steps: [], syncRounds: [], conditions: [], observedGeneration: 1, ...scene.status };
  const appliance = parseVirtualAppliance({
    ...sampleAppliance(),
    metadata: { name: 'shop', namespace: 'shop', uid: 'a1' },
    status: { activeSlot: 'blue', activePlan: plan.metadata.name, members: [], conditions: [] },
  });
  const plans = new Store<MaintenancePlan>();
  plans.upsert(parseMaintenancePlan(plan));
  const appliances = new Store<VirtualAppliance>();
  if (scene.withAppliance !== false) appliances.upsert(appliance);
  const o = observe(`shop/${plan.metadata.name ?? ''}`, {
    plans,
    appliances,
    vms: new Store<VirtualMachine>(),
    baseImages: new Store(),
    lastWritten: new Map(),
    options: {
      now: () => scene.now ?? NOW,
      datasyncImage: 'datasync',
      checkImage: 'curl',
      stepTimeoutMs: 60_000,
      observeIntervalMs: 5_000,
      gitopsTrackingLabel: 'app.kubernetes.io/instance',
    },
  });
  assert.equal(o.kind, 'plan');
  return o;
}

const step = (outcome: Parameters<typeof stepPass>[0]) => stepPass(outcome);
function stepPass(outcome: Extract<PassResult, { kind: 'step' }>['outcome']): PassResult {
  return { kind: 'step', outcome };
}
const stepOf = (status: MaintenancePlanStatus | undefined, name: string) => status?.steps.find((s) => s.name === name);
const condition = (status: MaintenancePlanStatus | undefined, type: string) => getCondition(status?.conditions, type);
const cleaningUp = (from: PlanState, reason = 'CloneFailed') =>
  transition(from, { type: 'stepFailed', step: 'Clone', reason, message: 'boom' }).state.cleanup!;

describe('decide: the current step', () => {
  it('a wait keeps the step Running with what it waits for and its progress, and looks again when asked', () => {
    const d = decide(
      seen({ status: { phase: 'Cloning' } }),
      step(wait('clone shop-db is pending', { progress: '1/3 VMs', requeueAfterMs: 250 })),
    );
    assert.deepEqual(
      [stepOf(d.status, 'Clone')?.state, stepOf(d.status, 'Clone')?.message, stepOf(d.status, 'Clone')?.progress],
      ['Running', 'clone shop-db is pending', '1/3 VMs'],
    );
    assert.equal(d.status?.phase, 'Cloning');
    assert.deepEqual(d.result, { requeueAfterMs: 250 });
  });

  it('a wait without a delay looks again after the poll interval', () => {
    const d = decide(seen({ status: { phase: 'Cloning' } }), step(wait('clone shop-db is pending')));
    assert.deepEqual(d.result, { requeueAfterMs: POLL_MS });
  });

  it('done moves to the next phase, marks the step Succeeded and starts the next one, at once', () => {
    const d = decide(seen({ status: { phase: 'Cloning' } }), step(done()));
    assert.equal(d.status?.phase, 'Updating');
    assert.equal(stepOf(d.status, 'Clone')?.state, 'Succeeded');
    assert.equal(stepOf(d.status, 'Update')?.state, 'Running');
    assert.deepEqual(d.phaseChange, { from: 'Cloning', to: 'Updating' });
    assert.deepEqual(d.events, [{ type: 'Normal', reason: 'Cloned', message: 'the clone is ready; updating it' }]);
    assert.deepEqual(d.result, { requeueAfterMs: 1 });
  });

  it('a failure marks the step Failed and starts the cleanup its row names, recorded in status.cleanup', () => {
    const d = decide(seen({ status: { phase: 'Cloning' } }), step(failed('CloneFailed', 'clone shop-db failed')));
    assert.equal(stepOf(d.status, 'Clone')?.state, 'Failed');
    assert.deepEqual(d.status?.cleanup, {
      action: 'RemoveClone',
      then: 'Failed',
      reason: 'CloneFailed',
      message: 'Clone: clone shop-db failed',
      startedAt: '2026-11-22T02:30:00Z',
    });
    assert.deepEqual(
      [stepOf(d.status, 'Cleanup')?.state, stepOf(d.status, 'Cleanup')?.message],
      ['Running', 'CloneFailed: Clone: clone shop-db failed'],
    );
    assert.equal(d.status?.phase, 'Cloning', 'the terminal phase waits for the cleanup');
    assert.deepEqual(d.events, [
      { type: 'Warning', reason: 'CloneFailed', message: 'Clone: clone shop-db failed; removing the clone' },
    ]);
    assert.equal(condition(d.status, 'Reconciling')?.reason, 'CleaningUp');
  });
});

describe('decide: planning and approval', () => {
  const preview = (updates: number) => ({
    hash: '0123456789abcdef',
    updates: Array.from({ length: updates }, (_, i) => ({
      member: 'db',
      component: `c${String(i)}`,
      from: '1.0.0',
      to: '2.0.0',
    })),
    unchanged: [],
    estimatedDowntimeSeconds: 30,
    warnings: [] as string[],
  });

  it('Automatic: the Plan step succeeds with the transition message, the preview is recorded, Snapshot starts', () => {
    const d = decide(seen({ status: { phase: 'Planning' } }), step(done(undefined, { preview: preview(2) })));
    assert.equal(d.status?.phase, 'Snapshotting');
    assert.deepEqual(
      [stepOf(d.status, 'Plan')?.state, stepOf(d.status, 'Plan')?.message],
      ['Succeeded', 'approval is Automatic; snapshotting'],
    );
    assert.equal(d.status?.preview?.updates.length, 2);
    assert.equal(stepOf(d.status, 'Snapshot')?.state, 'Running');
  });

  it('nothing behind: Succeeded with NoChanges, every other step Skipped, no requeue', () => {
    const d = decide(seen({ status: { phase: 'Planning' } }), step(done(undefined, { preview: preview(0) })));
    assert.equal(d.status?.phase, 'Succeeded');
    assert.equal(condition(d.status, 'Ready')?.reason, 'NoChanges');
    assert.deepEqual(
      d.status?.steps.map((s) => s.state),
      ['Succeeded', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped', 'Skipped'],
    );
    assert.deepEqual(d.result, {});
  });

  it('Manual: waits with the preview refreshed, then the Approve step succeeds as approved', () => {
    const manual = { approval: 'Manual' as const };
    const waiting = decide(
      seen({ spec: manual, status: { phase: 'AwaitingApproval' } }),
      step(wait('waiting for spec.approvedHash to equal 0123456789abcdef', { record: { preview: preview(1) } })),
    );
    assert.equal(waiting.status?.preview?.hash, '0123456789abcdef');
    assert.equal(stepOf(waiting.status, 'Approve')?.state, 'Running');
    assert.deepEqual(
      [condition(waiting.status, 'Ready')?.reason, condition(waiting.status, 'Reconciling')],
      ['AwaitingApproval', undefined],
    );
    const approved = decide(
      seen({ spec: manual, status: { phase: 'AwaitingApproval' } }),
      step(done('approved', { preview: preview(1) })),
    );
    assert.deepEqual(
      [approved.status?.phase, stepOf(approved.status, 'Approve')?.message],
      ['Snapshotting', 'approved'],
    );
  });

  it('a warning of the preview is said once by a Warning Event, when it first appears', () => {
    const warned = { ...preview(1), warnings: ['member web: VM shop-web has no readinessProbe'] };
    const first = decide(seen({ status: { phase: 'Planning' } }), step(done(undefined, { preview: warned })));
    assert.deepEqual(
      first.events.filter((e) => e.reason === 'PlanWarning').map((e) => e.message),
      ['member web: VM shop-web has no readinessProbe'],
    );
    const again = decide(
      seen({ spec: { approval: 'Manual' }, status: { phase: 'AwaitingApproval', preview: warned } }),
      step(wait('waiting', { record: { preview: warned } })),
    );
    assert.deepEqual(again.events, []);
  });

  it('a plan waiting behind another says so in Reconciling', () => {
    const d = decide(
      seen({ status: { phase: 'Pending' } }),
      step(wait('plan other is working on appliance shop', { reason: 'WaitingForPlan' })),
    );
    assert.deepEqual(
      [condition(d.status, 'Reconciling')?.reason, condition(d.status, 'Ready')?.message],
      ['WaitingForPlan', 'plan other is working on appliance shop'],
    );
  });
});

describe('decide: records', () => {
  it('merges a step record into status: the cut-over fields, a round once, the downtime', () => {
    const s = seen({
      status: {
        phase: 'CuttingOver',
        cutOver: { originalStoppedAt: '2026-11-22T02:29:00.000Z' },
        syncRounds: [{ round: 1, bytes: 10, seconds: 1 }],
      },
    });
    const d = decide(
      s,
      step(
        wait('the final delta copied 5 bytes', {
          record: { syncRound: { round: 2, bytes: 5, seconds: 1 }, cutOver: { finalRound: 2 }, downtimeSeconds: 3.5 },
        }),
      ),
    );
    assert.deepEqual(d.status?.cutOver, { originalStoppedAt: '2026-11-22T02:29:00.000Z', finalRound: 2 });
    assert.deepEqual(
      d.status?.syncRounds.map((r) => r.round),
      [1, 2],
    );
    assert.equal(d.status?.downtimeSeconds, 3.5);
    const again = decide(s, step(wait('again', { record: { syncRound: { round: 1, bytes: 99, seconds: 1 } } })));
    assert.deepEqual(
      again.status?.syncRounds,
      [{ round: 1, bytes: 10, seconds: 1 }],
      'a recorded round is not recorded twice',
    );
  });
});

describe('decide: the window', () => {
  it('a synced plan cuts over when the window is open, else waits for it with nextWindowStart', () => {
    assert.equal(decide(seen({ status: { phase: 'Syncing' } }), step(done())).status?.phase, 'CuttingOver');
    const d = decide(seen({ status: { phase: 'Syncing' }, now: CLOSED }), step(done()));
    assert.equal(d.status?.phase, 'WaitingForWindow');
    assert.equal(d.status?.nextWindowStart, '2026-11-28T01:00:00Z');
    assert.equal(condition(d.status, 'Ready')?.reason, 'WaitingForWindow');
  });

  it('a wait for the window does not start the CutOver step', () => {
    const d = decide(
      seen({ status: { phase: 'WaitingForWindow' }, now: CLOSED }),
      step(wait('waiting for the maintenance window', { requeueAfterMs: 60_000 })),
    );
    assert.equal(stepOf(d.status, 'CutOver')?.state, 'Pending');
    assert.deepEqual(d.result, { requeueAfterMs: 60_000 });
  });
});

describe('decide: after the cut-over', () => {
  it('observeSeconds 0: the Observe step still starts (it checks the appliance once)', () => {
    const d = decide(
      seen({
        spec: { rollback: { automatic: true, observeSeconds: 0, retainOriginalFor: '24h' } },
        status: { phase: 'CuttingOver' },
      }),
      step(done()),
    );
    assert.deepEqual([d.status?.phase, stepOf(d.status, 'Observe')?.state], ['Observing', 'Running']);
  });

  it('a passed observation succeeds the plan with that reason', () => {
    const d = decide(seen({ status: { phase: 'Observing' } }), step(done('observed for 600 s')));
    assert.deepEqual(
      [d.status?.phase, condition(d.status, 'Ready')?.status, condition(d.status, 'Ready')?.reason],
      ['Succeeded', 'True', 'Succeeded'],
    );
  });

  it('a failed check rolls back: the Rollback step starts', () => {
    const d = decide(seen({ status: { phase: 'Observing' } }), step(failed('ObserveCheckFailed', 'check failed')));
    assert.deepEqual(
      [d.status?.phase, stepOf(d.status, 'Observe')?.state, stepOf(d.status, 'Rollback')?.state],
      ['RollingBack', 'Failed', 'Running'],
    );
    assert.equal(eventOf(seen({ status: { phase: 'Observing' } }), step(failed('X', 'y')))?.type, 'observeFailed');
  });

  it('spec.rollbackNow while observing skips the rest of the observation', () => {
    const d = decide(seen({ status: { phase: 'Observing' } }), {
      kind: 'request',
      event: { type: 'rollbackRequested' },
    });
    assert.deepEqual(
      [stepOf(d.status, 'Observe')?.state, stepOf(d.status, 'Observe')?.message],
      ['Skipped', 'stopped by spec.rollbackNow'],
    );
  });

  it('a rollback after the end skips the release', () => {
    const d = decide(seen({ status: { phase: 'Succeeded' } }), {
      kind: 'request',
      event: { type: 'rollbackRequested', originalRetained: true },
    });
    assert.deepEqual([d.status?.phase, stepOf(d.status, 'Release')?.state], ['RollingBack', 'Skipped']);
  });

  it('the release of the original is the Release step; a Succeeded plan waits for it', () => {
    const waiting = decide(seen({ status: { phase: 'Succeeded' } }), {
      kind: 'release',
      outcome: wait('keeping the original', { requeueAfterMs: 3_600_000 }),
    });
    assert.deepEqual(
      [stepOf(waiting.status, 'Release')?.state, waiting.result],
      ['Running', { requeueAfterMs: 3_600_000 }],
    );
    const released = decide(seen({ status: { phase: 'Succeeded' } }), {
      kind: 'release',
      outcome: done('the original was released'),
    });
    assert.equal(stepOf(released.status, 'Release')?.state, 'Succeeded');
  });
});

describe('decide: cleanups', () => {
  it('a finished cleanup ends the plan with its reason, removes status.cleanup and says what it left', () => {
    const cleanup = { ...cleaningUp({ phase: 'Cloning' }), startedAt: '2026-11-22T02:20:00Z' };
    const s = seen({ status: { phase: 'Cloning', cleanup, steps: [{ name: 'Cleanup', state: 'Running' }] } });
    const d = decide(s, step(done()));
    assert.equal(d.status?.phase, 'Failed');
    assert.equal(d.status?.cleanup, undefined);
    assert.deepEqual(
      [stepOf(d.status, 'Cleanup')?.state, stepOf(d.status, 'Cleanup')?.message],
      ['Succeeded', 'the original serves; the clone is removed'],
    );
    assert.deepEqual(
      [condition(d.status, 'Stalled')?.reason, condition(d.status, 'Stalled')?.message],
      ['CloneFailed', 'Clone: boom'],
    );
    assert.deepEqual(
      d.events.map((e) => [e.type, e.reason]),
      [['Warning', 'CloneFailed']],
    );
  });

  it('a cleanup in progress shows its progress on the Cleanup step', () => {
    const cleanup = { ...cleaningUp({ phase: 'Cloning' }), startedAt: '2026-11-22T02:20:00Z' };
    const d = decide(
      seen({ status: { phase: 'Cloning', cleanup } }),
      step(wait("removing the plan's objects (3 left)")),
    );
    assert.deepEqual(
      [stepOf(d.status, 'Cleanup')?.state, stepOf(d.status, 'Cleanup')?.progress],
      ['Running', "removing the plan's objects (3 left)"],
    );
    assert.deepEqual(d.status?.cleanup, cleanup);
  });

  it('failedClonePolicy Retain: the end says the clone is kept, with a CloneRetained warning', () => {
    const cleanup = { ...cleaningUp({ phase: 'Verifying' }, 'VerifyFailed'), startedAt: '2026-11-22T02:20:00Z' };
    const d = decide(
      seen({ spec: { failedClonePolicy: 'Retain' }, status: { phase: 'Verifying', cleanup } }),
      step(done()),
    );
    assert.match(stepOf(d.status, 'Cleanup')?.message ?? '', /clone is kept for inspection/);
    assert.ok(d.events.some((e) => e.reason === 'CloneRetained' && /delete the plan/.test(e.message)));
  });
});

describe('decide: errors and refusals', () => {
  const error: PassResult = { kind: 'error', message: '403 Forbidden: exceeded quota', cause: new Error('x') };

  it('an API error: Ready False and Reconciling True with ProgressingWithRetry and the error, the phase kept', () => {
    const d = decide(seen({ status: { phase: 'Syncing' } }), error);
    assert.equal(d.status?.phase, 'Syncing');
    for (const type of ['Ready', 'Reconciling']) {
      assert.deepEqual(
        [condition(d.status, type)?.reason, condition(d.status, type)?.message],
        ['ProgressingWithRetry', 'Sync: 403 Forbidden: exceeded quota (retrying)'],
      );
    }
    assert.deepEqual(d.events, [
      { type: 'Warning', reason: 'ReconcileError', message: 'Sync: 403 Forbidden: exceeded quota (retrying)' },
    ]);
  });

  it('the same error again is not a new Event', () => {
    const first = decide(seen({ status: { phase: 'Syncing' } }), error);
    const again = decide(seen({ status: { phase: 'Syncing', conditions: first.status?.conditions ?? [] } }), error);
    assert.deepEqual(again.events, []);
  });

  it('a missing appliance: Stalled, ApplianceNotFound', () => {
    const d = decide(seen({ status: { phase: 'Pending' }, withAppliance: false }), {
      kind: 'refused',
      reason: 'ApplianceNotFound',
      message: 'VirtualAppliance shop not found in namespace shop',
    });
    assert.deepEqual(
      [condition(d.status, 'Stalled')?.status, condition(d.status, 'Stalled')?.reason],
      ['True', 'ApplianceNotFound'],
    );
  });

  it('a missing appliance is not polled: its creation wakes the plan', () => {
    const refused = {
      kind: 'refused',
      reason: 'ApplianceNotFound',
      message: 'VirtualAppliance shop not found in namespace shop',
    } as const;
    const first = decide(seen({ status: { phase: 'Pending' }, withAppliance: false }), refused);
    const again = decide(seen({ status: first.status, withAppliance: false }), refused);
    assert.deepEqual(again.result, {});
  });

  it('an abort after the cut-over is answered once, when the spec changes', () => {
    const changed = seen({ spec: { abort: true }, generation: 2, status: { phase: 'Observing' } });
    assert.deepEqual(
      decide(changed, step(wait('observing'))).events.map((e) => e.reason),
      ['AbortRefused'],
    );
    const seenBefore = seen({
      spec: { abort: true },
      generation: 2,
      status: { phase: 'Observing', observedGeneration: 2 },
    });
    assert.deepEqual(decide(seenBefore, step(wait('observing'))).events, []);
  });
});

describe('decide: suspension and deletion', () => {
  it('suspended at a safe point: Ready False Suspended, no requeue', () => {
    const d = decide(seen({ spec: { suspend: true }, status: { phase: 'Cloning' } }), { kind: 'idle' });
    assert.deepEqual(
      [condition(d.status, 'Ready')?.reason, condition(d.status, 'Reconciling'), d.result],
      ['Suspended', undefined, {}],
    );
  });

  it('a finalized plan writes no status, only the Event of what its deletion did', () => {
    const d = decide(seen({ status: { phase: 'Syncing' } }), { kind: 'finalized', message: 'the clone was removed' });
    assert.deepEqual(
      [d.status, d.events, d.result],
      [undefined, [{ type: 'Normal', reason: 'Deleted', message: 'the clone was removed' }], {}],
    );
  });
});
