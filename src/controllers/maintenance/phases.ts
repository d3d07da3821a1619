// The phase machine of a MaintenancePlan. Pure: the reconciler observes the world, turns what it
// saw into an event, and stores the resulting state in status.
//
//   Pending -admitted-> Planning -noChanges-> Succeeded (NoChanges)
//                                -planned{Automatic}-> Snapshotting
//                                -planned{Manual}-> AwaitingApproval -approved-> Snapshotting
//   Snapshotting -> Cloning -> Updating -> Verifying -> Syncing   (stepSucceeded each)
//   Syncing -stepSucceeded{windowOpen}-> CuttingOver, else -> WaitingForWindow -windowOpen-> CuttingOver
//   CuttingOver -stepSucceeded-> Observing -observePassed-> Succeeded
//   Observing -observeFailed{rollbackAutomatic} | rollbackRequested-> RollingBack -rollbackDone-> RolledBack
//   Succeeded, Failed (after the cut-over) -rollbackRequested{originalRetained}-> RollingBack
//
// Failures and abort: before anything exists (Pending, Planning, AwaitingApproval) they end the plan
// at once. From Snapshotting to WaitingForWindow the plan keeps its phase and gets a `cleanup`
// (remove the clone and everything the plan created), and `cleanupDone` ends it in Failed or
// Aborted: the terminal phase is only reached once the clone is gone. A failure during
// CuttingOver gets a cleanup that first restores the original (Services back, original restarted).
// Abort is refused from CuttingOver on: the original is already stopped, rollback is the way back.
// A rollback that fails gets a cleanup that restarts the clone (it has every write) before Failed.
import type { ApprovalMode, MaintenancePlanStatus, Phase, Step } from '../../api/v1alpha1/index.ts';
import { TERMINAL_PHASES } from '../../api/v1alpha1/index.ts';

/** What the reconciler does before the plan may enter its terminal phase. */
export type CleanupAction =
  /** Delete the clone, its volumes, snapshots, NetworkPolicy and preview Services: the original never stopped. */
  | 'RemoveClone'
  /** Point the Services back at the original, restart it, then remove the clone. */
  | 'RestoreOriginal'
  /** A rollback failed before the Services moved back: the clone, which holds every write, serves again and the original stays retained. */
  | 'RestoreClone';

export interface Cleanup {
  readonly action: CleanupAction;
  /** The phase the plan enters on cleanupDone. */
  readonly then: 'Failed' | 'Aborted';
  /** Why (CamelCase): the reason of the terminal phase. */
  readonly reason: string;
  readonly message: string;
}

/** The machine's state: the phase, and the cleanup under way before a terminal phase. */
export interface PlanState {
  readonly phase: Phase;
  readonly cleanup?: Cleanup;
}

export type PlanEvent =
  /** The appliance's status.activePlan names this plan. */
  | { readonly type: 'admitted' }
  /** The preview has updates and no problems. */
  | { readonly type: 'planned'; readonly approval: ApprovalMode }
  /** Every target is already at its level. */
  | { readonly type: 'noChanges' }
  /** spec.approvedHash equals status.preview.hash. */
  | { readonly type: 'approved' }
  /** The current phase's step finished. Leaving Syncing, windowOpen says whether the cut-over may start now (absent: not known, wait). */
  | { readonly type: 'stepSucceeded'; readonly windowOpen?: boolean }
  | { readonly type: 'stepFailed'; readonly step: string; readonly reason: string; readonly message: string }
  | { readonly type: 'abortRequested' }
  | { readonly type: 'windowOpen' }
  | { readonly type: 'windowClosed' }
  | { readonly type: 'observePassed' }
  | {
      readonly type: 'observeFailed';
      readonly reason: string;
      readonly message: string;
      readonly rollbackAutomatic: boolean;
    }
  /** spec.rollbackNow. From a terminal phase only while the original is retained (cut over, not rolled back, not released). */
  | { readonly type: 'rollbackRequested'; readonly originalRetained?: boolean }
  | { readonly type: 'rollbackDone' }
  | { readonly type: 'cleanupDone' };

export interface Transition {
  /** The new state; the old one when the event was refused. */
  readonly state: PlanState;
  /** False when the event does not apply: the state is unchanged and message says why. */
  readonly accepted: boolean;
  /** CamelCase, for the Ready condition and the Event the reconciler records. */
  readonly reason: string;
  readonly message: string;
}

/** Whether no more events apply. */
export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

const SUCCESSORS: Partial<Record<Phase, { readonly phase: Phase; readonly reason: string; readonly message: string }>> =
  {
    Snapshotting: { phase: 'Cloning', reason: 'Snapshotted', message: 'every member was snapshotted; cloning' },
    Cloning: { phase: 'Updating', reason: 'Cloned', message: 'the clone is ready; updating it' },
    Updating: {
      phase: 'Verifying',
      reason: 'Updated',
      message: 'every component of the clone is at its target level; verifying',
    },
    Verifying: { phase: 'Syncing', reason: 'Verified', message: 'the clone passed its checks; syncing data' },
    CuttingOver: {
      phase: 'Observing',
      reason: 'CutOver',
      message: 'the Services select the updated clone; observing it',
    },
  };

/** Phases in which a failure or an abort leaves the clone to remove before the terminal phase. */
const CLEANUP_PHASES: readonly Phase[] = [
  'Snapshotting',
  'Cloning',
  'Updating',
  'Verifying',
  'Syncing',
  'WaitingForWindow',
];
/** Phases in which nothing has been created yet. */
const EARLY_PHASES: readonly Phase[] = ['Pending', 'Planning', 'AwaitingApproval'];

/** The state after `event`, or the same state with accepted false and the reason it does not apply. */
export function transition(state: PlanState, event: PlanEvent): Transition {
  const { phase } = state;
  const to = (next: Phase, reason: string, message: string, cleanup?: Cleanup): Transition => ({
    state: cleanup === undefined ? { phase: next } : { phase: next, cleanup },
    accepted: true,
    reason,
    message,
  });
  const refuse = (reason: string, message: string): Transition => ({ state, accepted: false, reason, message });

  if (isTerminal(phase)) {
    // The one way out of an end: a rollback asked for while the original is still kept.
    if (
      event.type === 'rollbackRequested' &&
      event.originalRetained === true &&
      (phase === 'Succeeded' || phase === 'Failed')
    ) {
      return to('RollingBack', 'RollbackRequested', 'spec.rollbackNow is set: rolling back to the retained original');
    }
    return refuse('Terminal', `the plan is ${phase}: it accepts no more events (${event.type})`);
  }
  if (state.cleanup !== undefined) {
    if (event.type === 'cleanupDone') return to(state.cleanup.then, state.cleanup.reason, state.cleanup.message);
    if (event.type === 'abortRequested')
      return {
        state,
        accepted: true,
        reason: state.cleanup.reason,
        message: `already cleaning up: ${state.cleanup.message}`,
      };
    return refuse('CleaningUp', `cleaning up before ${state.cleanup.then}; only cleanupDone applies (${event.type})`);
  }

  switch (event.type) {
    case 'admitted':
      if (phase === 'Pending')
        return to('Planning', 'Admitted', 'this plan is the active plan of the appliance; planning');
      break;
    case 'noChanges':
      // AwaitingApproval re-plans while it waits: the live levels may have caught up meanwhile.
      if (phase === 'Planning' || phase === 'AwaitingApproval')
        return to('Succeeded', 'NoChanges', 'every component is already at its target level: nothing to do');
      break;
    case 'planned':
      if (phase !== 'Planning') break;
      return event.approval === 'Manual'
        ? to(
            'AwaitingApproval',
            'AwaitingApproval',
            'set spec.approvedHash to status.preview.hash to approve exactly the previewed updates',
          )
        : to('Snapshotting', 'Planned', 'approval is Automatic; snapshotting');
    case 'approved':
      if (phase === 'AwaitingApproval')
        return to('Snapshotting', 'Approved', 'spec.approvedHash matches the preview; snapshotting');
      break;
    case 'stepSucceeded': {
      if (phase === 'Syncing') {
        return event.windowOpen === true
          ? to('CuttingOver', 'DataSynced', 'data synced and the window is open; cutting over')
          : to('WaitingForWindow', 'WaitingForWindow', 'data synced; the cut-over waits for the maintenance window');
      }
      const next = SUCCESSORS[phase];
      if (next !== undefined) return to(next.phase, next.reason, next.message);
      break;
    }
    case 'windowOpen':
      if (phase === 'WaitingForWindow')
        return to('CuttingOver', 'WindowOpen', 'the maintenance window is open; cutting over');
      break;
    case 'windowClosed':
      if (phase === 'WaitingForWindow')
        return to('WaitingForWindow', 'WaitingForWindow', 'the cut-over waits for the maintenance window');
      // A cut-over that started inside the window finishes even if the window closes meanwhile.
      if (phase === 'CuttingOver')
        return to('CuttingOver', 'CuttingOver', 'the window closed during the cut-over; finishing it');
      break;
    case 'stepFailed': {
      const message = `${event.step}: ${event.message}`;
      if (EARLY_PHASES.includes(phase)) return to('Failed', event.reason, message);
      if (CLEANUP_PHASES.includes(phase))
        return to(phase, event.reason, `${message}; removing the clone`, {
          action: 'RemoveClone',
          then: 'Failed',
          reason: event.reason,
          message,
        });
      if (phase === 'CuttingOver') {
        return to(phase, event.reason, `${message}; restoring the original`, {
          action: 'RestoreOriginal',
          then: 'Failed',
          reason: event.reason,
          message,
        });
      }
      if (phase === 'Observing')
        return to('Failed', event.reason, `${message}; the clone is serving and the original is retained`);
      if (phase === 'RollingBack') {
        const failedRollback = `${message}; the rollback failed, so the clone, which has every write, serves again and the original is retained`;
        return to(phase, 'RollbackFailed', `${message}; the rollback failed: restarting the clone`, {
          action: 'RestoreClone',
          then: 'Failed',
          reason: 'RollbackFailed',
          message: failedRollback,
        });
      }
      break;
    }
    case 'abortRequested': {
      const message = 'spec.abort is set: the original keeps serving';
      if (EARLY_PHASES.includes(phase)) return to('Aborted', 'AbortRequested', message);
      if (CLEANUP_PHASES.includes(phase))
        return to(phase, 'AbortRequested', `${message}; removing the clone`, {
          action: 'RemoveClone',
          then: 'Aborted',
          reason: 'AbortRequested',
          message,
        });
      return refuse(
        'AbortRefused',
        `abort is refused in ${phase}: the original is already stopped and the clone serves; rolling back is the way back`,
      );
    }
    case 'observePassed':
      if (phase === 'Observing')
        return to('Succeeded', 'Succeeded', 'the updated appliance passed its checks for the observation period');
      break;
    case 'observeFailed':
      if (phase !== 'Observing') break;
      return event.rollbackAutomatic
        ? to('RollingBack', event.reason, `${event.message}; rolling back to the original`)
        : to(
            'Failed',
            event.reason,
            `${event.message}; rollback.automatic is false: the clone keeps serving and the original is retained`,
          );
    case 'rollbackRequested':
      if (phase === 'Observing')
        return to('RollingBack', 'RollbackRequested', 'spec.rollbackNow is set: rolling back to the original');
      break;
    case 'rollbackDone':
      if (phase === 'RollingBack')
        return to(
          'RolledBack',
          'RolledBack',
          'the original serves again with the writes made to the clone synced back',
        );
      break;
    case 'cleanupDone':
      break;
  }
  return refuse('EventNotApplicable', `${event.type} does not apply in phase ${phase}`);
}

/**
 * Whether a suspended plan (spec.suspend) may stay in this phase. Safe points are the boundaries
 * between steps: the reconciler finishes the work it started (an object already created) and
 * starts nothing new. CuttingOver and RollingBack run to their end (the original is stopped or
 * being restored), Observing too (its checks guard the appliance), and so does a cleanup.
 */
export function isSafePoint(state: PlanState | Phase): boolean {
  const s = typeof state === 'string' ? { phase: state } : state;
  if (s.cleanup !== undefined) return false;
  return [...EARLY_PHASES, ...CLEANUP_PHASES].includes(s.phase);
}

/** Step names, as status.steps[].name. */
export type StepName =
  | 'Plan'
  | 'Approve'
  | 'Snapshot'
  | 'Clone'
  | 'Update'
  | 'Verify'
  | 'Sync'
  | 'CutOver'
  | 'Observe'
  | 'Release'
  | 'Rollback'
  | 'Cleanup';

/**
 * The steps of a run, in order, for status.steps[]: every phase that the run passes through has its
 * step here (stepOf), so Approve is listed only with approval Manual; Observe is listed even with
 * rollback.observeSeconds 0 (the reconciler marks it Skipped). Release (deleting the retained
 * original after retainOriginalFor, once the plan Succeeded) is last. Rollback and Cleanup are
 * appended only when they happen.
 */
export function stepsFor(spec: { readonly approval: ApprovalMode }): StepName[] {
  return [
    'Plan',
    ...(spec.approval === 'Manual' ? (['Approve'] as const) : []),
    'Snapshot',
    'Clone',
    'Update',
    'Verify',
    'Sync',
    'CutOver',
    'Observe',
    'Release',
  ];
}

const STEP_OF: Partial<Record<Phase, StepName>> = {
  Planning: 'Plan',
  AwaitingApproval: 'Approve',
  Snapshotting: 'Snapshot',
  Cloning: 'Clone',
  Updating: 'Update',
  Verifying: 'Verify',
  Syncing: 'Sync',
  WaitingForWindow: 'CutOver',
  CuttingOver: 'CutOver',
  Observing: 'Observe',
  RollingBack: 'Rollback',
};

/** The step a phase works on (WaitingForWindow: the CutOver step, waiting); none for Pending and terminal phases. */
export function stepOf(state: PlanState | Phase): StepName | undefined {
  const s = typeof state === 'string' ? { phase: state } : state;
  return s.cleanup !== undefined ? 'Cleanup' : STEP_OF[s.phase];
}

/**
 * status.progress for the printer column: finished steps (Succeeded or Skipped) out of all, e.g.
 * "3/10". Counted from status.steps rather than from the phase: only the steps know how far a
 * Failed or Aborted plan got and which steps were skipped.
 */
export function progress(steps: readonly Pick<Step, 'state'>[]): string {
  const done = steps.filter((s) => s.state === 'Succeeded' || s.state === 'Skipped').length;
  return `${done}/${steps.length}`;
}

const CLEANUP_MESSAGE = /^(RemoveClone|RestoreOriginal|RestoreClone) then (Failed|Aborted) \(([^()\s]+)\): ([\s\S]*)$/;

/**
 * The status.steps[] entry that persists a cleanup in progress (state Running), so that a restarted
 * operator resumes it: status has no field for it, and no extra phase. Its message reads as
 * "RemoveClone then Failed (CloneFailed): <message>".
 */
export function cleanupStep(cleanup: Cleanup): Pick<Step, 'name' | 'state' | 'message'> {
  return {
    name: 'Cleanup',
    state: 'Running',
    message: `${cleanup.action} then ${cleanup.then} (${cleanup.reason}): ${cleanup.message}`,
  };
}

/** The machine's state from a stored status: its phase, and the cleanup a Running Cleanup step records. */
export function planStateFromStatus(status: Pick<MaintenancePlanStatus, 'phase' | 'steps'> | undefined): PlanState {
  const phase = status?.phase ?? 'Pending';
  const step = status?.steps.find((s) => s.name === 'Cleanup' && s.state === 'Running');
  const m = step?.message === undefined ? null : CLEANUP_MESSAGE.exec(step.message);
  if (m === null || isTerminal(phase)) return { phase };
  return {
    phase,
    cleanup: { action: m[1] as CleanupAction, then: m[2] as Cleanup['then'], reason: m[3] ?? '', message: m[4] ?? '' },
  };
}
